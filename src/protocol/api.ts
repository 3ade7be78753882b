/**
 * The protocol layer's public API: what a user imports to write actors.
 * Each node has plain-data local state and a pure reducer over a
 * discriminated union of inputs (messages, timers, spontaneous local
 * choices); it answers with a new state and effects (send, broadcast,
 * set/cancel timer, record a client-history event). The same reducers run
 * in the checker (model.ts), in applications (src/node.ts) and on a real
 * network (src/runtime).
 */
import type { HistoryEvent } from "../history/types.js";
import { SpecRuntimeError } from "../spec.js";
import { nodeReader, type NodeReader } from "./node-record.js";

/** A node's name, e.g. `"tm"`, `"rm1"`, `"n2"`. */
export type NodeId = string;

/** How the network treats messages. */
export type NetworkKind =
  /** TLA+ style: a sent message stays in a set and may be received any number of times; a broadcast is one message. */
  | "set"
  /** Each message is delivered at most once, in any order (a multiset). */
  | "unordered"
  /** Each message is delivered at most once, in send order per (sender, receiver) channel. */
  | "fifo";

/** An output of a reducer. */
export type Effect<M, T = never> =
  | { readonly type: "send"; readonly to: NodeId; readonly msg: M }
  | { readonly type: "broadcast"; readonly to: readonly NodeId[]; readonly msg: M }
  | { readonly type: "setTimer"; readonly timer: T }
  | { readonly type: "cancelTimer"; readonly timer: T }
  | { readonly type: "record"; readonly event: HistoryEvent };

/** A reducer's answer: the node's next state and its effects, in order. */
export interface Step<S, M, T = never> {
  readonly state: S;
  readonly effects: readonly Effect<M, T>[];
}

/** A step to `state` with `effects`. */
export function become<S, M = never, T = never>(state: S, ...effects: Effect<M, T>[]): Step<S, M, T> {
  return { state, effects };
}

/** Send `msg` to one node. */
export function send<M>(to: NodeId, msg: M): Effect<M, never> {
  return { type: "send", to, msg };
}

/** Reply to the sender of the message being handled (`ctx.from`). */
export function reply<M>(ctx: { readonly from: NodeId | undefined }, msg: M): Effect<M, never> {
  if (ctx.from === undefined) throw new SpecRuntimeError("reply() outside a message handler: there is no sender");
  return { type: "send", to: ctx.from, msg };
}

/** Send `msg` to every node in `to` (one message in a `set` network, one per receiver otherwise). */
export function broadcast<M>(to: readonly NodeId[], msg: M): Effect<M, never> {
  return { type: "broadcast", to, msg };
}

/** Arm a timer; it fires later as an input to this node (at most one pending copy of each timer). */
export function setTimer<T>(timer: T): Effect<never, T> {
  return { type: "setTimer", timer };
}

/** Disarm a pending timer. */
export function cancelTimer<T>(timer: T): Effect<never, T> {
  return { type: "cancelTimer", timer };
}

/** Append an event to the client history kept in the protocol state. */
export function record(event: HistoryEvent): Effect<never, never> {
  return { type: "record", event };
}

/** Why an input reached the reducer. */
export type InputKind = "message" | "timer" | "choice";

/** What a reducer knows besides its state and input. */
export interface NodeContext<P> {
  readonly self: NodeId;
  /** The sender, for a message. */
  readonly from: NodeId | undefined;
  readonly kind: InputKind;
  readonly params: P;
  /** All node ids, in order. */
  readonly nodes: readonly NodeId[];
  /** Node ids by role. */
  readonly roles: Readonly<Record<string, readonly NodeId[]>>;
}

/** The context of a node outside any input (init, choices, restart). */
export type NodeSetup<P> = Omit<NodeContext<P>, "from" | "kind">;

/**
 * A role: what every node of one kind runs.
 * @typeParam S the node's local state (plain data)
 * @typeParam I the inputs its reducer takes: messages, timers, local choices
 * @typeParam M the messages it sends
 * @typeParam T its timers
 */
export interface RoleDef<S, I, M = never, T = never, P = unknown> {
  readonly init: (ctx: NodeSetup<P>) => S;
  /** Returns the next step, or `undefined` when the input is not enabled in this state. */
  readonly reduce: (state: S, input: I, ctx: NodeContext<P>) => Step<S, M, T> | undefined;
  /** Spontaneous local inputs the node may take at any time (the reducer decides if enabled). */
  readonly choices?: (state: S, ctx: NodeSetup<P>) => readonly I[];
  /** Timers armed at start and after each restart. */
  readonly initialTimers?: (state: S, ctx: NodeSetup<P>) => readonly T[];
  /** Fields that survive a crash; the rest restart from `init`. */
  readonly durable?: readonly (keyof S & string)[];
  /**
   * The state after a restart, from `init` with the durable fields restored:
   * rebuilds volatile fields from durable ones (e.g. a state machine from a
   * durable snapshot). Absent: that state as it is.
   */
  readonly restore?: (state: S, ctx: NodeSetup<P>) => S;
}

/** Declares a role with its types checked. */
export function defineRole<S, I, M = never, T = never, P = unknown>(
  role: RoleDef<S, I, M, T, P>,
): RoleDef<S, I, M, T, P> {
  return role;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- from here to the matching enable: type-level helpers over any role
   (`any` in `extends`/`infer` patterns matches every role, as in TypeScript's own ReturnType<T>), and fault budgets
   and restarts that take a role of any state, input, message and timer types. */
/**
 * A node's state after a restart: `init`, with the role's durable fields
 * taken from `durable` (the state before the crash, or what a real node read
 * back from disk). The checker and the real-network runtime both restart this way.
 */
export function restartedState<S>(
  role: RoleDef<S, any, any, any, any>,
  setup: NodeSetup<any>,
  durable: Readonly<Record<string, unknown>>,
): S {
  const state: Record<string, unknown> = { ...(role.init(setup) as Record<string, unknown>) };
  for (const field of role.durable ?? []) if (field in durable) state[field] = durable[field];
  return role.restore === undefined ? (state as S) : role.restore(state as S, setup);
}

/** A message in flight. `to` is an array only for a `set` network's broadcast. */
export interface Envelope<M = unknown> {
  readonly from: NodeId;
  readonly to: NodeId | readonly NodeId[];
  readonly msg: M;
}

/** A pending timer. */
export interface TimerEntry<T = unknown> {
  readonly node: NodeId;
  readonly timer: T;
}

/** Fault budgets: how many of each fault a run may contain (keeps fault models finite). */
export interface FaultBudget<M = any> {
  readonly loss?: number;
  readonly duplicate?: number;
  readonly crash?: number;
  /** The roles whose nodes may crash (default: every role). */
  readonly crashRoles?: readonly string[];
  /**
   * How many messages the network may corrupt in flight: a corruption
   * replaces one message by one of its `corruptions`. Needs `corruptions`.
   */
  readonly corrupt?: number;
  /**
   * The forms `msg` may arrive in once corrupted (none: it cannot be). The
   * spec says what corruption means for its messages (a flipped value, a
   * checksum that no longer matches), so the kernel needs no byte model.
   * @example corruptions: (m) => (m.type === "Data" ? [{ ...m, value: m.value + 1 }] : [])
   */
  readonly corruptions?: (msg: M) => readonly M[];
}

/** The state of a whole protocol: plain data, as properties and traces see it. */
export interface ProtocolState<N = unknown, M = unknown, T = unknown> {
  readonly nodes: Readonly<Record<NodeId, N>>;
  readonly network: readonly Envelope<M>[];
  readonly timers: readonly TimerEntry<T>[];
  /** Crashed nodes, waiting for a restart. */
  readonly down: readonly NodeId[];
  /**
   * Faults used so far; `corrupted` appears with the first corruption (so protocols without a corrupt budget keep their
   * states).
   */
  readonly faults: {
    readonly lost: number;
    readonly duplicated: number;
    readonly crashed: number;
    readonly corrupted?: number;
  };
  readonly history: readonly HistoryEvent[];
}

/**
 * A role with any state, input, message and timer types (what a protocol's roles record holds).
 * `any`, not `unknown`: a role's reducer takes its types as parameters, and only `any` admits every role there.
 */
export type AnyRole<P = any> = RoleDef<any, any, any, any, P>;

/** The local state of a role's nodes (`RoleState<typeof resourceManager>` is `RmState`). */
export type RoleState<Role> = Role extends { readonly init: (ctx: any) => infer S } ? S : never;

/** The messages a role sends. */
export type RoleMessage<Role> = Role extends { readonly reduce: (...args: any[]) => infer Out }
  ? NonNullable<Out> extends Step<any, infer M, any>
    ? M
    : never
  : never;

/** The timers a role arms. */
export type RoleTimer<Role> = Role extends { readonly reduce: (...args: any[]) => infer Out }
  ? NonNullable<Out> extends Step<any, any, infer T>
    ? T
    : never
  : never;

/** The state type of each role's nodes, by role name: `{ tm: TmState; rm: RmState }`. */
export type RoleStates<R> = { readonly [K in keyof R]: RoleState<R[K]> };

/* eslint-enable @typescript-eslint/no-explicit-any */

/** Carries a protocol's `RoleStates` in a state's type; a type only, no state has this key. */
declare const roleStates: unique symbol;

/** A protocol state whose type knows the state type of each role's nodes (`M`, see `RoleStates`). */
export interface WithRoleStates<M> {
  /** Never present: it carries the roles' state types to `nodeOf` and `nodesOf`. */
  readonly [roleStates]?: M;
}

/**
 * A protocol state typed by role: `M` maps each role to its nodes' state type
 * (see `RoleStates`), `Msg` and `T` are the messages and timers. Written
 * through `ProtocolStateOf<roles>` in practice.
 */
export interface TypedProtocolState<M, Msg = unknown, T = unknown>
  extends ProtocolState<M[keyof M], Msg, T>, WithRoleStates<M> {}

/**
 * The state of the protocol whose roles are `R` (the `roles` record of a
 * `defineProtocol`), as its properties and constraint see it: node states are
 * the union of the roles' states, messages and timers those the roles send
 * and arm. `nodeOf` and `nodesOf` read one role's nodes with that role's type.
 * Only the roles' state, message and timer types count, so two records of the
 * same roles (one with params typed, one with `any`) give the same type.
 * @example type State = ProtocolStateOf<{ tm: typeof transactionManager; rm: typeof resourceManager }>;
 */
export type ProtocolStateOf<R> = TypedProtocolState<RoleStates<R>, RoleMessage<R[keyof R]>, RoleTimer<R[keyof R]>>;

/**
 * The state of node `id`, typed as the state of `role`'s nodes: properties
 * read node states through it instead of casting `s.nodes[id]`. It cannot
 * tell at run time which role a node plays (the state does not record it),
 * so it is for ids the spec gives that role; an id that names no node throws.
 * @example const tm = nodeOf(s, "tm", "tm"); // TmState
 */
export function nodeOf<M, K extends keyof M & string>(
  state: ProtocolState & WithRoleStates<M>,
  role: K,
  id: NodeId,
): M[K] {
  const node = state.nodes[id];
  // Properties call this for every node of every new state: the own-key test only when the read finds nothing.
  if (node === undefined && !Object.hasOwn(state.nodes, id)) {
    throw new SpecRuntimeError(
      `nodeOf(state, "${role}", "${id}"): there is no node "${id}"; nodes: ${Object.keys(state.nodes).join(", ")}`,
    );
  }
  return node as M[K];
}

/**
 * The states of nodes `ids`, in order, typed as the state of `role`'s nodes (see `nodeOf`).
 * @example const rms = nodesOf(s, "rm", rmIds(p.rms)); // RmState[]
 */
export function nodesOf<M, K extends keyof M & string>(
  state: ProtocolState & WithRoleStates<M>,
  role: K,
  ids: readonly NodeId[],
): M[K][] {
  const read = listReader(ids);
  if (read === undefined) return ids.map((id) => nodeOf(state, role, id));
  const out: unknown[] = [];
  read(state.nodes, out);
  for (let k = 0; k < out.length; k++) if (out[k] === undefined) nodeOf(state, role, ids[k]!);
  return out as M[K][];
}

/**
 * Readers of the node lists that nodesOf is asked for: compiled on a frozen
 * list's second use (properties pass the same list, such as numberedIds',
 * for every new state, where keyed reads made two-phase commit's
 * invariants 3x slower), never for a list made afresh per call or one that
 * may still change.
 */
const listReaders = new WeakMap<readonly NodeId[], NodeReader | null>();

/** The last list compiled, and its reader: a property asks for the same list state after state. */
let lastList: readonly NodeId[] | undefined;
let lastReader: NodeReader | undefined;

function listReader(ids: readonly NodeId[]): NodeReader | undefined {
  if (ids === lastList) return lastReader;
  if (!Object.isFrozen(ids)) return undefined;
  const known = listReaders.get(ids);
  if (known === undefined) {
    listReaders.set(ids, null);
    return undefined;
  }
  const compiled = known ?? nodeReader(ids);
  listReaders.set(ids, compiled);
  lastList = ids;
  lastReader = compiled;
  return compiled;
}

/** A short description of an input for labels: `RequestVote{term:2}`. */
export function describeInput(input: unknown): string {
  if (typeof input !== "object" || input === null) return JSON.stringify(input);
  const { type, ...rest } = input as { type?: unknown };
  const body = Object.entries(rest)
    .map(([k, v]) => `${k}:${JSON.stringify(v)}`)
    .join(",");
  if (typeof type !== "string") return JSON.stringify(input);
  return body.length > 0 ? `${type}{${body}}` : type;
}
