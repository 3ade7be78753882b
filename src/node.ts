/**
 * A role's reducer running in an application: `startNode` keeps one node's
 * state and builds the context the reducer expects, and `handle` answers
 * each input with the reducer's effects. The node performs none of them:
 * sends, timers and records are data that the application carries out with
 * its own sockets, clocks and logs. A timer is armed by a `setTimer` effect;
 * the application schedules it however it likes and, when it fires, hands it
 * back with `handle(timer, { kind: "timer" })`.
 *
 * It follows the model the checker explored: a timer fires only while it is
 * armed (a late callback after a `cancelTimer` is ignored), a timer the
 * reducer does not accept stays armed (the answer is a fresh `setTimer` for
 * it), and an input the reducer does not accept leaves the state as it was.
 * Kept free of imports beyond the kernel's types, so an app that runs a
 * verified reducer loads nothing else.
 */
import type { Effect, InputKind, NodeContext, NodeId, NodeSetup, RoleDef } from "./protocol.js";
import { restartedState } from "./protocol.js";
import { OptionError } from "./spec.js";

/** Where a node stands in its cluster, and its parameters. */
export interface NodeOptions<P> {
  /** This node's id. */
  readonly self: NodeId;
  /**
   * The cluster. A record lists every node by role, this one included, as a
   * protocol's `nodes()` does (`{ tm: ["tm"], rm: ["rm1", "rm2"] }`); the
   * reducer sees it as `ctx.roles`, and `ctx.nodes` is the ids in that order.
   * An array lists the other nodes only, for roles that never read
   * `ctx.roles`: `ctx.nodes` is this node then the others. Default: alone.
   */
  readonly peers?: readonly NodeId[] | Readonly<Record<string, readonly NodeId[]>>;
  /** The role's parameter values (`ctx.params`). */
  readonly params: P;
  /** Durable fields read back after a restart (see `restartedState`); absent: a fresh node from `init`. */
  readonly durable?: Readonly<Record<string, unknown>>;
}

/** How an input reached the node: a message from a peer, a timer that fired, or a local choice (the default). */
export type HandleOptions =
  { readonly from: NodeId; readonly kind?: "message" } | { readonly kind: "timer" } | { readonly kind?: "choice" };

/** A role running in an application: see the module comment. */
export interface RunningNode<S, I, M, T> {
  readonly self: NodeId;
  /** The node's state now. */
  readonly state: S;
  /** The timers armed now, in the order they were armed. */
  readonly timers: readonly T[];
  /** What starting did: a `setTimer` for each of the role's initial timers. Schedule them. */
  readonly started: readonly Effect<M, T>[];
  /**
   * Runs the reducer on `input` and returns its effects, in order; the state
   * moves on. An input the reducer does not accept returns `[]` and leaves
   * the state as it was; so does a timer that is not armed.
   */
  handle(input: I, options?: HandleOptions): readonly Effect<M, T>[];
}

/** A timer's identity: at most one pending copy of each timer, as in the checker. */
function timerKey(timer: unknown): string {
  return JSON.stringify(timer);
}

/** The reducer's view of the cluster from `options`. */
function setupOf<P>(options: NodeOptions<P>): NodeSetup<P> {
  const { self, peers = [], params } = options;
  if (Array.isArray(peers)) {
    const others = (peers as readonly NodeId[]).filter((id) => id !== self);
    return { self, params, nodes: [self, ...others], roles: {} };
  }
  const roles = peers as Readonly<Record<string, readonly NodeId[]>>;
  const nodes = Object.values(roles).flat();
  if (!nodes.includes(self)) {
    throw new OptionError(
      `startNode: node "${self}" is in none of the roles of \`peers\` (${Object.keys(roles).join(", ") || "none"}); list it under its role`,
    );
  }
  return { self, params, nodes, roles };
}

/**
 * Starts one node of `role`: its state from `init` (or from `durable` after
 * a restart) and its initial timers armed (`started` lists them).
 * @example
 * const rm = startNode(resourceManager, { self: "rm1", peers: { tm: ["tm"], rm: ["rm1", "rm2"] }, params: {} });
 * rm.handle({ type: "Prepare" }); // [{ type: "send", to: "tm", msg: { type: "Prepared", rm: "rm1" } }]
 * rm.handle({ type: "Commit" }, { from: "tm" }); // []
 * rm.state; // { rmState: "committed" }
 */
export function startNode<S, I, M, T, P>(
  role: RoleDef<S, I, M, T, P>,
  options: NodeOptions<P>,
): RunningNode<S, I, M, T> {
  const setup = setupOf(options);
  let state: S = options.durable === undefined ? role.init(setup) : restartedState(role, setup, options.durable);
  const armed = new Map<string, T>();
  const arm = (timer: T): void => {
    armed.delete(timerKey(timer));
    armed.set(timerKey(timer), timer);
  };
  const started = (role.initialTimers?.(state, setup) ?? []).map((timer): Effect<M, T> => {
    arm(timer);
    return { type: "setTimer", timer };
  });

  const handle = (input: I, how: HandleOptions = {}): readonly Effect<M, T>[] => {
    const from = "from" in how ? how.from : undefined;
    const kind: InputKind = how.kind ?? (from === undefined ? "choice" : "message");
    if (kind === "timer" && !armed.delete(timerKey(input))) return [];
    const ctx: NodeContext<P> = { ...setup, from, kind };
    const step = role.reduce(state, input, ctx);
    if (step === undefined) {
      if (kind !== "timer") return [];
      // Not enabled now: it stays pending, as in the model, so the app schedules it again.
      const timer = input as unknown as T;
      arm(timer);
      return [{ type: "setTimer", timer }];
    }
    state = step.state;
    for (const effect of step.effects) {
      if (effect.type === "setTimer") arm(effect.timer);
      else if (effect.type === "cancelTimer") armed.delete(timerKey(effect.timer));
    }
    return step.effects;
  };

  return {
    self: options.self,
    get state() {
      return state;
    },
    get timers() {
      return [...armed.values()];
    },
    started,
    handle,
  };
}
