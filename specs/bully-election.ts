/**
 * The Bully algorithm for leader election, from Garcia-Molina, "Elections in
 * a Distributed Computing System" (IEEE Trans. Computers, 1982): the seeds'
 * "Coordination: Leader Election" task of choosing the single process that
 * coordinates the others, by the oldest textbook method.
 *
 * Processes have distinct ids, and the highest live id should coordinate. A
 * process that suspects the coordinator (it has none, or it crashed) sends
 * Election to every higher id. A process that gets an Election answers Alive
 * and holds its own election. A process that hears no Alive within a timeout
 * concludes every higher process is down, takes the role and announces
 * Coordinator to all; one that heard Alive waits for the announcement, and
 * holds a new election if it does not come. A process that receives an
 * announcement from a lower id than its own bullies it: it holds an election
 * it is sure to win.
 *
 * One rule goes beyond the textbook: a process ignores an announcement from
 * below the coordinator it already follows unless it suspects that
 * coordinator. Without it, a higher process that recovers while a lower one
 * is mid-election announces itself, the lower one announces too, and a third
 * process that hears the lower announcement last follows it (the checker
 * finds that interleaving in the textbook version).
 *
 * The algorithm is only correct in a synchronous system, where a timeout
 * longer than the round trip means "no answer is coming". The model states
 * that assumption as guards instead of clocks: a process's election timeout
 * fires only when none of its Elections to a live process and no Alive to it
 * is in flight; its wait for an announcement times out only when no
 * Coordinator to it is in flight and every higher process is down or done
 * with its own election; the failure detector that makes a process suspect a
 * crashed coordinator is perfect; and a crashed process recovers (fresh, and
 * holding an election) only once the messages in flight have been delivered,
 * its downtime exceeding the delivery bound. A crashed process loses the
 * messages addressed to it. The timeout that fires while an answer is on its
 * way is the asynchronous-system failure of the `timeout-with-answer-in-flight`
 * variant.
 *
 * The model: `processes` processes p1..pN (pN highest), none knowing a
 * coordinator at first, at most `crashes` crashes, an unordered network that
 * neither loses nor duplicates. Time is only the order of events. Final states
 * are quiescent: every process is up, knows a live coordinator and is in no
 * election, and nothing is in flight.
 */
import { match } from "ts-pattern";
import { atTermination, choose, defineSpec, int, invariant, setAdd, setHas, setRemove } from "../src/index.js";

// ---------------------------------------------------------------------------
// One process: plain data and pure step functions.
// ---------------------------------------------------------------------------

/** Where a process is in an election. */
export type Phase =
  /** Not in an election. */
  | "normal"
  /** Sent Election to the higher ids; waiting for an Alive (or the timeout). */
  | "electing"
  /** A higher process answered; waiting for its Coordinator announcement (or the timeout). */
  | "awaitingCoordinator";

/** A process's state: whom it takes as coordinator (by id), and its phase. */
export interface BullyProcess {
  readonly coordinator: number | null;
  readonly phase: Phase;
}

/** The messages of the algorithm, addressed by process id. */
export interface BullyMessage {
  readonly type: "Election" | "Alive" | "Coordinator";
  readonly from: number;
  readonly to: number;
}

/** A step's result: the process's next state and the messages it sends. */
export interface BullyStep {
  readonly process: BullyProcess;
  readonly sends: readonly BullyMessage[];
}

/** A process that has just started (or restarted): it knows no coordinator. */
export const freshProcess: BullyProcess = { coordinator: null, phase: "normal" };

/** Ids 1..n. */
export function processIds(n: number): readonly number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Takes the role and announces it to every other process. */
function becomeCoordinator(self: number, ids: readonly number[]): BullyStep {
  return {
    process: { coordinator: self, phase: "normal" },
    sends: ids.filter((id) => id !== self).map((to) => ({ type: "Coordinator", from: self, to })),
  };
}

/**
 * Process `self` holds an election: Election to every higher id, or, when
 * there is none, it is the coordinator at once.
 * @example startElection(2, [1, 2, 3]).sends // [{ type: "Election", from: 2, to: 3 }]
 */
export function startElection(self: number, ids: readonly number[]): BullyStep {
  const higher = ids.filter((id) => id > self);
  if (higher.length === 0) return becomeCoordinator(self, ids);
  return {
    process: { coordinator: null, phase: "electing" },
    sends: higher.map((to) => ({ type: "Election", from: self, to })),
  };
}

/** What a process accepts from an announcement (the correct rule: only from its own id or higher). */
export interface AnnouncementRule {
  readonly acceptLower: boolean;
}

/** What a process knows besides its state: every id, and whom its (perfect) failure detector suspects. */
export interface BullyContext {
  readonly ids: readonly number[];
  readonly suspected: readonly number[];
}

/**
 * Process `msg.to` receives `msg`. An Election is answered with Alive and,
 * outside an election, starts one; an Alive moves an electing process to
 * waiting for the announcement. An announcement from a lower id is bullied
 * with a new election; one from its own id or higher is accepted, unless the
 * process already follows a higher coordinator it does not suspect (a late
 * announcement from a lower process that timed out while the higher one was
 * recovering: the higher one bullies it too).
 * @example onMessage(freshProcess, { type: "Election", from: 1, to: 3 }, { ids: [1, 2, 3], suspected: [] }).sends
 * // Alive to 1, then Coordinator to 1 and 2: p3 is the highest
 */
export function onMessage(
  process: BullyProcess,
  msg: BullyMessage,
  ctx: BullyContext,
  rule: AnnouncementRule = { acceptLower: false },
): BullyStep {
  const self = msg.to;
  const ids = ctx.ids;
  return match(msg.type)
    .with("Election", (): BullyStep => {
      const alive: BullyMessage = { type: "Alive", from: self, to: msg.from };
      if (process.phase !== "normal") return { process, sends: [alive] };
      const election = startElection(self, ids);
      return { process: election.process, sends: [alive, ...election.sends] };
    })
    .with("Alive", (): BullyStep => ({
      process: process.phase === "electing" ? { ...process, phase: "awaitingCoordinator" } : process,
      sends: [],
    }))
    .with("Coordinator", (): BullyStep => {
      if (rule.acceptLower) return { process: { coordinator: msg.from, phase: "normal" }, sends: [] };
      if (msg.from < self) return startElection(self, ids);
      const current = process.coordinator;
      if (current !== null && current > msg.from && !setHas(ctx.suspected, current)) return { process, sends: [] };
      return { process: { coordinator: msg.from, phase: "normal" }, sends: [] };
    })
    .exhaustive();
}

/**
 * The election timeout: no higher process answered, so `self` takes the role.
 * Returns undefined when `self` is not waiting for answers.
 */
export function onElectionTimeout(process: BullyProcess, self: number, ids: readonly number[]): BullyStep | undefined {
  return process.phase === "electing" ? becomeCoordinator(self, ids) : undefined;
}

/**
 * The announcement timeout: a higher process answered but never announced
 * (it crashed), so `self` holds a new election. Undefined when not waiting.
 */
export function onCoordinatorTimeout(
  process: BullyProcess,
  self: number,
  ids: readonly number[],
): BullyStep | undefined {
  return process.phase === "awaitingCoordinator" ? startElection(self, ids) : undefined;
}

// ---------------------------------------------------------------------------
// The model: processes, an unordered network, crashes and recoveries, and
// the synchronous-system guards on the timeouts.
// ---------------------------------------------------------------------------

/** The whole system. */
export interface BullyState {
  /** Process i's state at index i - 1. */
  readonly processes: readonly BullyProcess[];
  /** Crashed process ids, sorted. */
  readonly down: readonly number[];
  /** Ghost: ids of processes that have crashed at least once, sorted. */
  readonly everCrashed: readonly number[];
  /** Messages in flight, a multiset sorted by type, sender and receiver. */
  readonly network: readonly BullyMessage[];
  readonly crashes: number;
}

interface Params {
  readonly processes: number;
  readonly crashes: number;
}

/** A message's canonical name, e.g. `Election p1→p3`: orders the network and labels deliveries. */
export function messageKey(m: BullyMessage): string {
  return `${m.type} p${m.from}→p${m.to}`;
}

function processOf(s: BullyState, id: number): BullyProcess {
  return s.processes[id - 1]!;
}

function isUp(s: BullyState, id: number): boolean {
  return !setHas(s.down, id);
}

/** The state after process `id` takes `step`: its messages to crashed processes are lost. */
function apply(s: BullyState, id: number, step: BullyStep, network: readonly BullyMessage[] = s.network): BullyState {
  const sent = step.sends.filter((m) => isUp(s, m.to));
  return {
    ...s,
    processes: s.processes.map((p, i) => (i === id - 1 ? step.process : p)),
    network: sent.length === 0 ? network : [...network, ...sent].sort(byKey),
  };
}

const TYPE_ORDER = { Election: 0, Alive: 1, Coordinator: 2 } as const;

/**
 * The network's order: by type, sender, receiver (the order of {@link messageKey} for ids below 10, without building
 * strings).
 */
function byKey(a: BullyMessage, b: BullyMessage): number {
  return TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.from - b.from || a.to - b.to;
}

function removeOne(network: readonly BullyMessage[], m: BullyMessage): readonly BullyMessage[] {
  const k = network.indexOf(m);
  return [...network.slice(0, k), ...network.slice(k + 1)];
}

function distinct(network: readonly BullyMessage[]): BullyMessage[] {
  return network.filter((m, k) => k === 0 || byKey(network[k - 1]!, m) !== 0);
}

function label(id: number): string {
  return `p${id}`;
}

/** When a process's election timeout may fire (the synchronous-system assumption, or a variant's weaker rule). */
type ElectionTimeoutGuard = (s: BullyState, id: number) => boolean;

/**
 * Synchronous system: every Election this process sent to a live process has been answered, and no Alive is on its way
 * to it.
 */
const noAnswerInFlight: ElectionTimeoutGuard = (s, id) =>
  !s.network.some((m) => (m.type === "Election" && m.from === id) || (m.type === "Alive" && m.to === id));

/** The bug: the timeout fires whenever the process is electing, answers in flight or not. */
const anyTime: ElectionTimeoutGuard = () => true;

function actionsWith(options: { readonly rule: AnnouncementRule; readonly electionTimeout: ElectionTimeoutGuard }) {
  const ids = (s: BullyState) => processIds(s.processes.length);
  return {
    Suspect: choose(
      (s: BullyState) => ids(s),
      (s: BullyState, id: number) => {
        const p = processOf(s, id);
        if (!isUp(s, id) || p.phase !== "normal") return undefined;
        if (p.coordinator !== null && isUp(s, p.coordinator)) return undefined;
        return apply(s, id, startElection(id, ids(s)));
      },
      label,
    ),
    Deliver: choose(
      (s: BullyState) => distinct(s.network),
      (s: BullyState, m: BullyMessage) =>
        apply(
          s,
          m.to,
          onMessage(processOf(s, m.to), m, { ids: ids(s), suspected: s.down }, options.rule),
          removeOne(s.network, m),
        ),
      messageKey,
    ),
    ElectionTimeout: choose(
      (s: BullyState) => ids(s),
      (s: BullyState, id: number) => {
        if (!isUp(s, id) || !options.electionTimeout(s, id)) return undefined;
        const step = onElectionTimeout(processOf(s, id), id, ids(s));
        return step === undefined ? undefined : apply(s, id, step);
      },
      label,
    ),
    CoordinatorTimeout: choose(
      (s: BullyState) => ids(s),
      (s: BullyState, id: number) => {
        if (!isUp(s, id)) return undefined;
        if (s.network.some((m) => m.type === "Coordinator" && m.to === id)) return undefined;
        if (ids(s).some((h) => h > id && isUp(s, h) && processOf(s, h).phase !== "normal")) return undefined;
        const step = onCoordinatorTimeout(processOf(s, id), id, ids(s));
        return step === undefined ? undefined : apply(s, id, step);
      },
      label,
    ),
    Crash: choose(
      (s: BullyState) => ids(s),
      (s: BullyState, id: number, p: Params): BullyState | undefined => {
        if (!isUp(s, id) || s.crashes >= p.crashes) return undefined;
        return {
          ...s,
          down: setAdd(s.down, id),
          everCrashed: setAdd(s.everCrashed, id),
          network: s.network.filter((m) => m.to !== id),
          crashes: s.crashes + 1,
        };
      },
      label,
    ),
    Recover: choose(
      (s: BullyState) => s.down,
      (s: BullyState, id: number) => {
        if (s.network.length > 0) return undefined;
        const up: BullyState = { ...s, down: setRemove(s.down, id) };
        return apply(up, id, startElection(id, ids(s)));
      },
      label,
    ),
  };
}

/** Up, and never crashed: a process for which the synchronous-system guarantees have held throughout. */
function steady(s: BullyState, id: number): boolean {
  return isUp(s, id) && !setHas(s.everCrashed, id);
}

/** The Bully algorithm under the synchronous-system assumption, with bounded crashes and recoveries. */
export const bullyElection = defineSpec({
  name: "bully-election",
  description:
    "Bully leader election (Garcia-Molina): under synchronous timeouts the highest live process ends up the one coordinator all live processes name",
  params: {
    processes: int(3, { min: 2, max: 4, description: "number of processes p1..pN (pN has the highest id)" }),
    crashes: int(1, {
      min: 0,
      max: 2,
      description: "crashes per run; a crashed process recovers once the network is quiet (model bound)",
    }),
  },
  init: (p) => [
    { processes: processIds(p.processes).map(() => freshProcess), down: [], everCrashed: [], network: [], crashes: 0 },
  ],
  actions: actionsWith({ rule: { acceptLower: false }, electionTimeout: noAnswerInFlight }),
  properties: {
    coordinatorAnnouncementsAreFromHigherOrEqual: invariant<BullyState, Params>(
      (s) =>
        processIds(s.processes.length).every((id) => {
          if (!steady(s, id)) return true;
          const c = processOf(s, id).coordinator;
          return c === null || c >= id;
        }),
      "a live process that has never crashed never takes a lower id than its own as coordinator: under synchrony no lower process announces while it is up",
    ),
    atMostOneCoordinatorAmongLive: invariant<BullyState, Params>(
      (s) =>
        processIds(s.processes.length).filter((id) => steady(s, id) && processOf(s, id).coordinator === id).length <= 1,
      "at most one of the live processes that have never crashed names itself coordinator: a lower one takes the role only when no higher one answered, and under synchrony a live higher one always answers in time",
    ),
    coordinatorIsHighestLive: atTermination<BullyState, Params>((s) => {
      const live = processIds(s.processes.length).filter((id) => isUp(s, id));
      const highest = Math.max(...live);
      return live.every((id) => processOf(s, id).coordinator === highest);
    }, "when the system is quiescent, every live process names the highest live process as coordinator: one coordinator, the right one"),
  },
  variants: {
    "timeout-with-answer-in-flight": {
      description:
        "the election timeout fires while an Alive (or the Election it answers) is still in flight, as in an asynchronous system: a lower process announces itself too, and a process that hears it last follows it",
      violates: "atMostOneCoordinatorAmongLive",
      actions: actionsWith({ rule: { acceptLower: false }, electionTimeout: anyTime }),
    },
    "accept-lower-coordinator": {
      description:
        "a process accepts any announcement, even from a lower id: a higher process that recovers while a lower one is taking over follows it instead of bullying it",
      violates: "coordinatorIsHighestLive",
      actions: actionsWith({ rule: { acceptLower: true }, electionTimeout: noAnswerInFlight }),
    },
  },
});
