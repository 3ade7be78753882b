/**
 * An Erlang/OTP supervisor (Armstrong, "Making reliable distributed systems
 * in the presence of software errors", 2003; OTP's `supervisor` behaviour):
 * plan for failure and let it crash. Workers do the work and crash on
 * anything unexpected; a supervisor watches them and restarts them in a
 * known state, according to its strategy:
 *
 * - `one_for_one`: only the child that exited is restarted;
 * - `one_for_all`: every child is terminated and restarted (children that
 *   depend on each other);
 * - `rest_for_one`: the child that exited and every child started after it
 *   (a child depends on the ones started before it).
 *
 * Restarting is not always the answer: a child that crashes again right
 * away would crash-loop forever. So a supervisor has a restart intensity:
 * when more than `maxRestarts` restarts fall within `period` ticks, it gives
 * up, terminates all its children and exits, escalating the failure to its
 * own supervisor, one level up the tree, which may restart the whole subtree.
 *
 * The model: children crash at any time, within a crash budget; each crash
 * puts an exit signal in the supervisor's mailbox, which it handles one at a
 * time, oldest first, any number of ticks later (a busy supervisor); time is
 * an explicit `Tick` up to a horizon. Escalation ends the model: what the parent does is the parent's
 * spec. The bounds are guards on the actions rather than a state
 * constraint, so runs end in final states and `atTermination` can judge them.
 */
import { castDraft, produce } from "immer";
import { match } from "ts-pattern";
import {
  atTermination,
  choose,
  defineSpec,
  int,
  invariant,
  leadsTo,
  numberedIds,
  oneOf,
  onEveryStep,
  type NodeId,
} from "../src/index.js";

/** The name of a supervised child. */
export type ChildId = NodeId;

/** OTP's restart strategies. */
export const RESTART_STRATEGIES = ["one_for_one", "one_for_all", "rest_for_one"] as const;

/** Which children a supervisor restarts when one exits. */
export type RestartStrategy = (typeof RESTART_STRATEGIES)[number];

/** A supervisor's fixed configuration (OTP's supervisor flags and child specs). */
export interface SupervisorConfig {
  readonly strategy: RestartStrategy;
  /** The children, in start order (`rest_for_one` reads it). */
  readonly children: readonly ChildId[];
  /** Intensity: the most restarts allowed within `period` ticks. */
  readonly maxRestarts: number;
  readonly period: number;
}

/** What a supervisor remembers: the times of its recent restarts, and whether it has given up. */
export interface SupervisorState {
  /** Times of the restarts that may still count against the intensity, oldest first. */
  readonly restarts: readonly number[];
  /** True once it has terminated its children and exited to its parent. */
  readonly escalated: boolean;
}

/** The supervisor's answer to a child's exit. */
export type ExitDecision =
  /** Terminate the `restart` children that still run, then start them all again, in start order. */
  | { readonly type: "restart"; readonly restart: readonly ChildId[]; readonly supervisor: SupervisorState }
  /** Intensity exceeded: terminate the `terminate` children and exit, so the parent sees the failure. */
  | { readonly type: "escalate"; readonly terminate: readonly ChildId[]; readonly supervisor: SupervisorState }
  /** The supervisor has already exited; it handles nothing more. */
  | { readonly type: "stopped" };

/** A supervisor that has restarted nothing. */
export const initialSupervisor: SupervisorState = { restarts: [], escalated: false };

/**
 * The children to restart when `exited` exits, in start order.
 * @example
 * childrenToRestart("rest_for_one", ["db", "cache", "api"], "cache") // ["cache", "api"]
 */
export function childrenToRestart(
  strategy: RestartStrategy,
  children: readonly ChildId[],
  exited: ChildId,
): readonly ChildId[] {
  return match(strategy)
    .with("one_for_one", () => [exited])
    .with("one_for_all", () => children)
    .with("rest_for_one", () => children.slice(children.indexOf(exited)))
    .exhaustive();
}

/**
 * Adds a restart at `now` to the restart times, dropping those `period` or
 * more ticks old, which no longer count (OTP's `add_restart`).
 * @example recordRestart([3, 5], 7, 3) // [5, 7]: the restart at 3 is 4 ticks old
 */
export function recordRestart(restarts: readonly number[], now: number, period: number): readonly number[] {
  return [...restarts.filter((t) => t > now - period), now];
}

/**
 * The supervisor's step: child `exited` has exited at time `now`. It records
 * a restart; within the intensity it restarts the children its strategy
 * names, and beyond it (more than `maxRestarts` restarts within `period`
 * ticks) it terminates every child and escalates.
 * @example
 * const config = { strategy: "one_for_one", children: ["c1", "c2"], maxRestarts: 1, period: 5 } as const;
 * const first = handleExit(initialSupervisor, "c1", 0, config); // restart ["c1"]
 * // a second exit 2 ticks later is a second restart within 5 ticks: escalate, terminate ["c1", "c2"]
 */
export function handleExit(
  supervisor: SupervisorState,
  exited: ChildId,
  now: number,
  config: SupervisorConfig,
): ExitDecision {
  if (supervisor.escalated) return { type: "stopped" };
  const restarts = recordRestart(supervisor.restarts, now, config.period);
  if (restarts.length > config.maxRestarts) {
    return { type: "escalate", terminate: config.children, supervisor: { restarts, escalated: true } };
  }
  return {
    type: "restart",
    restart: childrenToRestart(config.strategy, config.children, exited),
    supervisor: { restarts, escalated: false },
  };
}

/**
 * After a restart, the exits still waiting in the supervisor's mailbox that
 * came from the children it just restarted: those are of processes that no
 * longer exist (OTP unlinks a child it terminates and flushes its exit), and
 * handling them would restart the new processes for nothing. Every other
 * exit stays: those children are still dead.
 * @example discardStaleExits(["c2", "c3"], ["c1", "c2"]) // ["c3"]
 */
export function discardStaleExits(mailbox: readonly ChildId[], restarted: readonly ChildId[]): readonly ChildId[] {
  return mailbox.filter((c) => !restarted.includes(c));
}

/** A child as the model sees it: running, dead (crashed), or stopped by its supervisor. */
export interface Child {
  readonly status: "running" | "dead" | "stopped";
  /** How many times the supervisor has (re)started it: a restart is a new process, with a new pid. */
  readonly incarnation: number;
}

/** The state of the model. */
export interface SupervisionState {
  readonly now: number;
  readonly supervisor: SupervisorState;
  readonly children: Readonly<Record<ChildId, Child>>;
  /** The exit signals the supervisor has not handled yet, oldest first. */
  readonly mailbox: readonly ChildId[];
  /** Crashes so far (model bound). */
  readonly crashes: number;
  /** Ghost: the time of every restart the supervisor performed, oldest first. */
  readonly restartLog: readonly number[];
}

/** Parameter values of the spec. */
export interface SupervisionParams {
  readonly children: number;
  readonly strategy: RestartStrategy;
  readonly maxRestarts: number;
  readonly period: number;
  readonly horizon: number;
  readonly crashes: number;
}

type HandleExit = typeof handleExit;
type DiscardExits = typeof discardStaleExits;

const childIds = (p: Pick<SupervisionParams, "children">): readonly ChildId[] => numberedIds("c", p.children);

function configOf(p: SupervisionParams): SupervisorConfig {
  return { strategy: p.strategy, children: childIds(p), maxRestarts: p.maxRestarts, period: p.period };
}

/**
 * HandleExit(c): the supervisor takes the oldest exit, c's, from its mailbox and acts
 * on `decide`'s decision; after a restart, `discard` says which exits stay.
 */
function handleExitWith(options: { readonly decide: HandleExit; readonly discard: DiscardExits }) {
  return choose(oldestExit, handleExitStep(options));
}

/** The exit HandleExit takes next: the oldest. */
const oldestExit = (s: SupervisionState): readonly ChildId[] => s.mailbox.slice(0, 1);

/** HandleExit's step for the exit of `exited` (see handleExitWith). */
function handleExitStep(options: { readonly decide: HandleExit; readonly discard: DiscardExits }) {
  return (s: SupervisionState, exited: ChildId, p: SupervisionParams): SupervisionState | undefined =>
    match(options.decide(s.supervisor, exited, s.now, configOf(p)))
      .with({ type: "stopped" }, () => undefined)
      .with({ type: "restart" }, (d) =>
        produce(s, (draft) => {
          draft.supervisor = castDraft(d.supervisor);
          for (const child of d.restart) {
            draft.children[child] = { status: "running", incarnation: s.children[child]!.incarnation + 1 };
          }
          draft.mailbox = castDraft(options.discard(s.mailbox.slice(1), d.restart));
          draft.restartLog.push(s.now);
        }),
      )
      .with({ type: "escalate" }, (d) =>
        produce(s, (draft) => {
          draft.supervisor = castDraft(d.supervisor);
          for (const child of d.terminate) draft.children[child]!.status = "stopped";
          draft.mailbox = [];
        }),
      )
      .exhaustive();
}

/**
 * A supervisor that, while several exits are pending, puts the oldest back
 * at the end of its mailbox to "let things settle": with two children down
 * it shuffles their exits forever and restarts neither.
 */
const deferWhileBusy = choose(oldestExit, (s: SupervisionState, exited: ChildId, p: SupervisionParams) =>
  s.mailbox.length > 1
    ? { ...s, mailbox: [...s.mailbox.slice(1), exited] }
    : handleExitStep({ decide: handleExit, discard: discardStaleExits })(s, exited, p),
);

/** A supervisor without restart intensity: it restarts whatever crashes, as often as it crashes. */
const restartForever: HandleExit = (supervisor, exited, now, config) =>
  handleExit(supervisor, exited, now, { ...config, maxRestarts: Infinity });

/** Counts restarts over the supervisor's whole life instead of a sliding window of `period` ticks. */
const intensityNeverExpires: HandleExit = (supervisor, exited, now, config) =>
  handleExit(supervisor, exited, now, { ...config, period: Infinity });

/** Whatever its strategy, restarts only the child that exited. */
const restartOnlyExited: HandleExit = (supervisor, exited, now, config) =>
  match(handleExit(supervisor, exited, now, config))
    .with({ type: "restart" }, (d): ExitDecision => ({ ...d, restart: [exited] }))
    .otherwise((d) => d);

/** Gives up without terminating its children: they keep running with no supervisor. */
const escalateLeavingChildren: HandleExit = (supervisor, exited, now, config) =>
  match(handleExit(supervisor, exited, now, config))
    .with({ type: "escalate" }, (d): ExitDecision => ({ ...d, terminate: [] }))
    .otherwise((d) => d);

/**
 * Flushes the whole mailbox after a restart, not just the restarted children's exits: other children's crashes are
 * forgotten.
 */
const discardAllExits: DiscardExits = () => [];

/** How many of the restart times fall within the `period` ticks that end at `now`: (now - period, now]. */
function restartsInWindow(log: readonly number[], now: number, period: number): number {
  return log.filter((t) => t > now - period && t <= now).length;
}

/** The children that got a new incarnation in a step, in start order. */
function restartedChildren(prev: SupervisionState, next: SupervisionState, p: SupervisionParams): readonly ChildId[] {
  return childIds(p).filter((c) => next.children[c]!.incarnation !== prev.children[c]!.incarnation);
}

/** What each strategy promises, said directly: the children due for a restart when `exited` exits. */
function dueForRestart(strategy: RestartStrategy, children: readonly ChildId[], exited: ChildId): readonly ChildId[] {
  return children.filter((c, i) =>
    match(strategy)
      .with("one_for_one", () => c === exited)
      .with("one_for_all", () => true)
      .with("rest_for_one", () => i >= children.indexOf(exited))
      .exhaustive(),
  );
}

/** A supervisor with a restart strategy and intensity, over children that crash within a budget. */
export const supervisor = defineSpec({
  name: "supervisor",
  description: "an OTP supervisor: let it crash, restart by strategy, and escalate once restarts exceed the intensity",
  params: {
    children: int(3, { min: 1, max: 4, description: "supervised children, in start order" }),
    strategy: oneOf(RESTART_STRATEGIES, "one_for_one", { description: "which children a child's exit restarts" }),
    maxRestarts: int(2, { min: 0, max: 4, description: "intensity: the most restarts allowed within period ticks" }),
    period: int(3, { min: 1, max: 6, description: "ticks of the sliding window the intensity counts restarts in" }),
    horizon: int(4, { min: 0, max: 8, description: "ticks explored (model bound)" }),
    crashes: int(4, { min: 0, max: 5, description: "child crashes per run (model bound)" }),
  },
  init: (p) => [
    {
      now: 0,
      supervisor: initialSupervisor,
      children: Object.fromEntries(
        childIds(p).map((c): [ChildId, Child] => [c, { status: "running", incarnation: 0 }]),
      ),
      mailbox: [],
      crashes: 0,
      restartLog: [],
    },
  ],
  actions: {
    Tick: (s: SupervisionState, p: SupervisionParams) => (s.now < p.horizon ? { ...s, now: s.now + 1 } : undefined),
    Crash: choose(
      (_: SupervisionState, p: SupervisionParams) => childIds(p),
      (s: SupervisionState, c: ChildId, p: SupervisionParams) =>
        s.children[c]!.status !== "running" || s.crashes >= p.crashes
          ? undefined
          : produce(s, (d) => {
              d.children[c]!.status = "dead";
              d.mailbox.push(c);
              d.crashes += 1;
            }),
    ),
    HandleExit: handleExitWith({ decide: handleExit, discard: discardStaleExits }),
  },
  // The supervisor gets to its mailbox: an exit that waits is eventually handled. Crashes and ticks are not
  // fair (a child need not crash; time may stop at any point within the horizon).
  fairness: { weak: ["HandleExit"] },
  properties: {
    crashedChildEventuallyRestarted: leadsTo<SupervisionState>(
      (s) => Object.values(s.children).some((c) => c.status === "dead"),
      (s) => s.supervisor.escalated || Object.values(s.children).every((c) => c.status === "running"),
      "a crashed child is eventually running again, or the supervisor has escalated: no child stays dead under a supervisor that still works",
    ),
    crashedChildIsRestartedOrSupervisorEscalated: atTermination<SupervisionState>(
      (s) => s.supervisor.escalated || Object.values(s.children).every((c) => c.status === "running"),
      "when the run is over, every child that crashed runs again, or the supervisor has given up and escalated",
    ),
    restartsWithinIntensity: invariant<SupervisionState, SupervisionParams>(
      (s, p) => s.restartLog.every((t) => restartsInWindow(s.restartLog, t, p.period) <= p.maxRestarts),
      "no window of period ticks holds more than maxRestarts restarts: a crash loop ends in escalation, not in restarting forever",
    ),
    escalatesOnlyWhenIntensityExceeded: onEveryStep<SupervisionState, SupervisionParams>(
      (prev, next, p) =>
        prev.supervisor.escalated ||
        !next.supervisor.escalated ||
        restartsInWindow(prev.restartLog, next.now, p.period) >= p.maxRestarts,
      "the supervisor gives up only when one more restart would make more than maxRestarts within period ticks: old restarts stop counting",
    ),
    everyCrashAwaitsRestart: invariant<SupervisionState>(
      (s) =>
        s.supervisor.escalated ||
        Object.entries(s.children).every(([c, child]) => child.status === "running" || s.mailbox.includes(c)),
      "until the supervisor escalates, a child that is not running has its exit waiting in the supervisor's mailbox: no crash is forgotten",
    ),
    strategyRestartsTheRightChildren: onEveryStep<SupervisionState, SupervisionParams>((prev, next, p) => {
      const restarted = restartedChildren(prev, next, p);
      const exited = prev.mailbox[0];
      if (restarted.length === 0) return true;
      return exited !== undefined && restarted.join() === dueForRestart(p.strategy, childIds(p), exited).join();
    }, "a restart restarts exactly the children the strategy names for the exit handled: that child alone (one_for_one), all (one_for_all), it and those started after it (rest_for_one)"),
    noChildRunsAfterEscalation: invariant<SupervisionState>(
      (s) => !s.supervisor.escalated || Object.values(s.children).every((c) => c.status !== "running"),
      "once the supervisor has escalated, none of its children runs: the parent restarts the subtree from a clean state",
    ),
  },
  variants: {
    "defer-while-busy": {
      description:
        "while several exits are pending the supervisor puts the oldest back at the end of its mailbox: with two children down it shuffles their exits forever",
      violates: "crashedChildEventuallyRestarted",
      actions: { HandleExit: deferWhileBusy },
    },
    "restart-forever": {
      description:
        "no restart intensity: a child that keeps crashing is restarted forever, and the failure never reaches the parent",
      violates: "restartsWithinIntensity",
      actions: { HandleExit: handleExitWith({ decide: restartForever, discard: discardStaleExits }) },
    },
    "intensity-never-expires": {
      description:
        "restarts are counted over the supervisor's whole life, not a window of period ticks: maxRestarts + 1 crashes, however far apart, make it give up",
      violates: "escalatesOnlyWhenIntensityExceeded",
      actions: { HandleExit: handleExitWith({ decide: intensityNeverExpires, discard: discardStaleExits }) },
    },
    "one-for-all-restarts-only-crashed": {
      description:
        "a one_for_all supervisor restarts only the crashed child: its siblings keep running against a dependency that lost its state",
      violates: "strategyRestartsTheRightChildren",
      params: { strategy: "one_for_all" },
      actions: { HandleExit: handleExitWith({ decide: restartOnlyExited, discard: discardStaleExits }) },
    },
    "flush-mailbox-after-restart": {
      description:
        "after a restart the supervisor flushes its whole mailbox, not just the restarted children's stale exits: a second child's crash is forgotten and it stays dead",
      violates: "everyCrashAwaitsRestart",
      actions: { HandleExit: handleExitWith({ decide: handleExit, discard: discardAllExits }) },
    },
    "escalate-leaving-children": {
      description:
        "the supervisor gives up without terminating its children: they run on, orphaned, beside the subtree the parent restarts",
      violates: "noChildRunsAfterEscalation",
      actions: { HandleExit: handleExitWith({ decide: escalateLeavingChildren, discard: discardStaleExits }) },
    },
  },
});
