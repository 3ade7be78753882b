/**
 * What a protocol may tell the real-network runtime (`interleave run`)
 * beyond its reducers. Everything here is optional:
 * the runtime derives roles, node ids, message types and their shapes,
 * timers and durable fields from the protocol definition itself, and runs
 * the roles that have `choices` and record history events as the client
 * workload. A spec adds a `runtime` field to its `defineProtocol` call only
 * to say what cannot be derived: how long its timers take, which of its
 * roles are unbounded for a real run (the model's workload bounds are for
 * exploration), policies a real deployment adds around a pure reducer, and
 * how to read its register at the end of a run.
 *
 * This lives in the kernel (not in src/runtime/) so that a spec can declare
 * it without importing the runtime.
 */
import type { ParamsSchema } from "./params.js";
import type { NodeSetup, RoleDef } from "./protocol.js";

/** A driver action that changes a node's state outside its reducer; it must be pure. */
export interface LocalAction {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What a driver may do to the node it runs in. */
export interface HostControl<T> {
  /** Re-arms a pending timer with a fresh duration (no-op when it is not armed). */
  rearm(timer: T): void;
  /** Fires an armed timer now, after the current input (no-op when it is not armed). */
  fireNow(timer: T): void;
  /** Sends a message that is not a reducer effect (e.g. "not the leader" to a client). */
  sendRaw(to: string, msg: { readonly type: string; readonly [field: string]: unknown }): void;
  /** Applies a local action through the runtime config's `local` and records it. */
  local(action: LocalAction): void;
  /** Milliseconds since the node started. */
  now(): number;
}

/** What happened in one input, for a driver's `afterInput`. */
export interface InputOutcome<S, I> {
  readonly input: I;
  readonly from: string | undefined;
  readonly before: S;
  readonly after: S;
  /** False when the reducer said the input is not enabled (state unchanged, no effects). */
  readonly enabled: boolean;
  /** Whether the input came from a client. */
  readonly fromClient: boolean;
}

/** Driver policies around one node's reducer. */
export interface NodeDriver<S, I, T> {
  /** Called after each input. */
  afterInput?(control: HostControl<T>, outcome: InputOutcome<S, I>): void;
  /** Called every `tickMs`. */
  onTick?(control: HostControl<T>, state: S): void;
  readonly tickMs?: number;
}

/** A node's summary for the orchestrator (leader tracking, logs). */
export interface NodeStatus {
  readonly role: string;
  readonly term: number;
  readonly [field: string]: unknown;
}

/** Runtime parameter values, as `--param k=v` set them. */
export type RuntimeParamValues = Readonly<Record<string, number | boolean | string>>;

/**
 * What a client does with an answer from a node that is not one of the
 * client reducer's inputs (e.g. Raft's "not the leader"): try again after
 * `afterMs` (its armed timers fire then), or end the operation as failed
 * (it certainly did not take effect).
 */
export type ClientAnswer = { readonly type: "retry"; readonly afterMs: number } | { readonly type: "fail" };

/** One client operation the runtime issues itself (final reads, scenarios). */
export interface ClientOperation<I = unknown> {
  /** The client role that runs it. */
  readonly role: string;
  /** The client reducer's input that starts it (what `choices` would offer). */
  readonly input: I;
}

/** The client workload of a protocol, for a real run. */
export interface WorkloadConfig {
  /**
   * The client roles (default: every role with `choices` whose reducer
   * records history events, found by exploring the model).
   */
  readonly clients?: readonly string[];
  /**
   * How many instances of a client role run at once: "option" takes
   * `--clients`; a number fixes it (a single writer stays single). Default:
   * as many as the model has.
   */
  readonly instances?: Readonly<Record<string, "option" | number>>;
  /**
   * Whether an operation pending past its deadline ends as `info` and its
   * client is retired (Jepsen's rule; the next operation runs under a new
   * client id, from the role's initial state). Default true; a role whose
   * fresh instance would break the protocol (ABD's single writer numbers its
   * writes) says false, and its operations wait until they complete.
   */
  readonly retire?: Readonly<Record<string, boolean>>;
  /**
   * The next operation of a client of `role` (default: a random one of the
   * role's `choices`). `random` is the slot's seeded generator.
   */
  next?(
    role: string,
    state: unknown,
    setup: NodeSetup<unknown>,
    random: () => number,
    params: RuntimeParamValues,
  ): unknown;
  /** Reads of the final state once the network has healed: what the summary shows as `final reads`. */
  finalReads?(
    params: RuntimeParamValues,
    roles: Readonly<Record<string, readonly string[]>>,
  ): readonly (ClientOperation & { readonly key: string })[];
  /** What a client does with an answer its reducer does not take (see {@link ClientAnswer}). */
  answer?(
    msg: Readonly<Record<string, unknown>>,
    client: { readonly pinned: boolean; readonly state: unknown; readonly params: RuntimeParamValues },
  ): ClientAnswer | undefined;
  /** The same client state, aimed at `node` for its next attempt (targeted scenarios). */
  aim?(state: unknown, node: string): unknown;
  /** A write of `n` and a read of the same register, for the isolate-leader scenario. */
  readonly probe?: { readonly key: string; write(n: number): ClientOperation; read(): ClientOperation };
  /** The history's consistency model, for `interleave lincheck --model` (default: register). */
  readonly model?: string;
}

/**
 * How the runtime runs one protocol: every field optional (see the module
 * comment).
 *
 * @example
 * defineProtocol({ ..., runtime: { timerMs: (t) => (t.type === "Retry" ? 200 : undefined) } })
 */
export interface RuntimeConfig {
  /** Runtime parameters (timer durations...), set with `--param k=v`. */
  readonly params?: ParamsSchema;
  /**
   * Model parameter values for a real run (e.g. a larger workload bound);
   * `--nodes` sets `nodesParam`.
   */
  readonly modelParams?: Readonly<Record<string, number | boolean | string>>;
  /** The model parameter `--nodes` sets (default: none; the node count is the model's). */
  readonly nodesParam?: string;
  /**
   * Roles that replace the model's for a real run (the model bounds its
   * clients' operations; a real run does not), and per variant.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry of roles with any state, message and params types
  readonly roles?: Readonly<Record<string, RoleDef<any, any, any, any, any>>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as roles above, per variant
  readonly variantRoles?: Readonly<Record<string, Readonly<Record<string, RoleDef<any, any, any, any, any>>>>>;
  /** How often a node role with choices takes one of them, in ms (default {@link DEFAULT_CHOICE_MS}). */
  readonly choiceMs?: number;
  /** How long `timer` runs, in ms (undefined: the runtime's default, {@link DEFAULT_TIMER_MS}). */
  timerMs?(timer: unknown, params: RuntimeParamValues, random: () => number): number | undefined;
  /**
   * Node-to-node message validation, replacing the shapes derived from the
   * model: the reducer input, or undefined to drop it as invalid.
   */
  peerInput?(msg: Readonly<Record<string, unknown>>): unknown;
  /** Client-to-node message validation, replacing the derived shapes. */
  clientInput?(msg: Readonly<Record<string, unknown>>): unknown;
  /** Node-to-client message validation (a client reducer's input), replacing the derived shapes. */
  answerInput?(msg: Readonly<Record<string, unknown>>): unknown;
  /**
   * Messages that may leave as soon as the state they come from is written,
   * before its fsync (default: none; every message waits for the fsync of
   * the durable fields it may depend on). Only for messages that reveal
   * nothing a power loss could take back: Raft's replies to clients report
   * entries a majority has already fsynced.
   */
  sendBeforeFsync?(msg: unknown): boolean;
  /** The message types `peerInput` takes (required with it: others are dropped as unknown). */
  readonly peerTypes?: readonly string[];
  /** The message types `clientInput` takes. */
  readonly clientTypes?: readonly string[];
  /** Whether `id` names a client (default: `c` and a number, the ids the runtime gives clients). */
  isClient?(id: string): boolean;
  /** The driver policies of one node (it may keep memory, e.g. how long a peer has been silent). */
  driver?(params: RuntimeParamValues): NodeDriver<unknown, unknown, unknown>;
  /** Applies a local action (pure; conformance replays it). */
  local?(state: unknown, action: LocalAction): unknown;
  /** The node's summary; a protocol with a leader reports `role: "leader"`, and a run waits for one. */
  status?(state: unknown): NodeStatus;
  /** The client workload. */
  readonly workload?: WorkloadConfig;
}

/** A timer's duration when the spec does not say. */
export const DEFAULT_TIMER_MS = 100;

/** How often a node role with choices takes one when the spec does not say. */
export const DEFAULT_CHOICE_MS = 250;

/** The ids the runtime gives clients: `c1`, `c2`, ... (a retired client's successor takes a new number). */
export const isRuntimeClientId = (id: string): boolean => /^c\d+$/.test(id);
