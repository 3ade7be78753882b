/**
 * What the real-network runtime needs to know about a protocol beyond its
 * reducers: which role its nodes run (per variant), how long its timers take,
 * which messages it accepts from peers and from clients (validated field by
 * field, since a reducer trusts its input types), and the few driver
 * policies a real deployment adds around a pure reducer: when to re-arm or
 * fire a timer early, what to tell a client the reducer ignored, and local
 * actions that change state outside the reducer (recorded, so conformance
 * can replay them).
 */
import type { NodeSetup, RoleDef } from "../protocol.js";
import type { ParamsSchema, ParamValues } from "../params.js";

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
  /** Applies a local action through the binding's `local` and records it. */
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

/** How the runtime runs one protocol. */
export interface RuntimeBinding<S, I, M, T, RP extends ParamsSchema = ParamsSchema> {
  /** The spec's catalogue name. */
  readonly spec: string;
  /** The variants that can run (their roles), besides the correct protocol. */
  readonly variants: readonly string[];
  /** Runtime parameters (timer durations...), set with `--param k=v`. */
  readonly params: RP;
  /** The role for `variant` (undefined: the correct protocol). */
  role(variant: string | undefined): RoleDef<S, I, M, T>;
  /** The node setup the reducers see: ids by role and the reducer's parameters. */
  setup(self: string, nodes: readonly string[]): NodeSetup<unknown>;
  /** How long `timer` runs, in ms. */
  timerMs(timer: T, params: ParamValues<RP>, random: () => number): number;
  /** Node-to-node message validation: the reducer input, or undefined to drop it as invalid. */
  peerInput(msg: Readonly<Record<string, unknown>>): I | undefined;
  /** Client-to-node message validation. */
  clientInput(msg: Readonly<Record<string, unknown>>): I | undefined;
  /** Message types nodes send each other (others from a peer are `unknownType`). */
  readonly peerTypes: ReadonlySet<string>;
  /** Message types clients send. */
  readonly clientTypes: ReadonlySet<string>;
  /** Whether `id` names a client (clients come and go, so they are recognized by name). */
  isClient(id: string): boolean;
  /** The driver policies of one node (it may keep memory, e.g. how long a peer has been silent). */
  driver?(params: ParamValues<RP>): NodeDriver<S, I, T>;
  /** Applies a local action (pure; conformance replays it). */
  local?(state: S, action: LocalAction): S;
  /** The node's summary. */
  status(state: S): NodeStatus;
}

/** A binding with its types erased, as registries and the CLI hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBinding = RuntimeBinding<any, any, any, any, ParamsSchema>;
