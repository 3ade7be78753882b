/**
 * Protocols: an actor layer on top of specs. Each node has plain-data local
 * state and a pure reducer over a discriminated union of inputs (messages,
 * timers, spontaneous local choices); it answers with a new state and effects
 * (send, broadcast, set/cancel timer, record a client-history event). The
 * kernel turns a protocol into a transition system: which message is
 * delivered, which timer fires, which node crashes are the choices the
 * checker explores.
 *
 * The same reducers run unchanged in applications and on a real network.
 */
import type { HistoryEvent } from "./history/types.js";
import { deepEqual, fingerprintInto, fmix32, NotPlainDataError, type Fingerprint } from "./fingerprint.js";
import { type ParamRecord, type ParamsSchema, type ParamValues } from "./params.js";
import { canonicalFingerprint } from "./symmetry.js";
import { fairnessLevels, type Fairness, type FairnessLevel } from "./fairness.js";
import { deepFreeze, faultOf, invalidFault, userCode, UserCodeError, type NamedInput, type UserCodeSite } from "./user-code.js";
import type { RuntimeConfig } from "./runtime-config.js";
import {
  bindProperties,
  deriveModel,
  guardedCheck,
  OptionError,
  specBase,
  type InstantiateOptions,
  SpecDefinitionError,
  SpecRuntimeError,
  type Model,
  type Property,
  type Spec,
  type SuccessorSink,
} from "./spec.js";

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
}

/** Declares a role with its types checked. */
export function defineRole<S, I, M = never, T = never, P = unknown>(role: RoleDef<S, I, M, T, P>): RoleDef<S, I, M, T, P> {
  return role;
}

/**
 * A node's state after a restart: `init`, with the role's durable fields
 * taken from `durable` (the state before the crash, or what a real node read
 * back from disk). The checker and the real-network runtime both restart this way.
 */
export function restartedState<S>(role: RoleDef<S, any, any, any, any>, setup: NodeSetup<any>, durable: Readonly<Record<string, unknown>>): S {
  const state: Record<string, unknown> = { ...(role.init(setup) as Record<string, unknown>) };
  for (const field of role.durable ?? []) if (field in durable) state[field] = durable[field];
  return state as S;
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
  /** Faults used so far; `corrupted` appears with the first corruption (so protocols without a corrupt budget keep their states). */
  readonly faults: { readonly lost: number; readonly duplicated: number; readonly crashed: number; readonly corrupted?: number };
  readonly history: readonly HistoryEvent[];
}

type AnyRole<P> = RoleDef<any, any, any, any, P>;

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
export interface TypedProtocolState<M, Msg = unknown, T = unknown> extends ProtocolState<M[keyof M], Msg, T>, WithRoleStates<M> {}

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
export function nodeOf<M, K extends keyof M & string>(state: ProtocolState & WithRoleStates<M>, role: K, id: NodeId): M[K] {
  if (!Object.hasOwn(state.nodes, id)) {
    throw new SpecRuntimeError(`nodeOf(state, "${role}", "${id}"): there is no node "${id}"; nodes: ${Object.keys(state.nodes).join(", ")}`);
  }
  return state.nodes[id] as M[K];
}

/**
 * The states of nodes `ids`, in order, typed as the state of `role`'s nodes (see `nodeOf`).
 * @example const rms = nodesOf(s, "rm", rmIds(p.rms)); // RmState[]
 */
export function nodesOf<M, K extends keyof M & string>(state: ProtocolState & WithRoleStates<M>, role: K, ids: readonly NodeId[]): M[K][] {
  return ids.map((id) => nodeOf(state, role, id));
}

/** A changed or broken version of a protocol. */
export interface ProtocolVariantDef<P> {
  readonly description: string;
  readonly violates?: string;
  readonly params?: ParamRecord;
  /** Roles replaced by this variant (e.g. a reducer with a bug). */
  readonly roles?: Readonly<Record<string, AnyRole<P>>>;
  /** Fairness of this variant when it differs from the protocol's (`{}`: none). */
  readonly fairness?: Fairness;
}

/** What a user writes to define a protocol. */
export interface ProtocolDefinition<Schema extends ParamsSchema, R extends Readonly<Record<string, AnyRole<ParamValues<Schema>>>>> {
  readonly name: string;
  readonly description: string;
  readonly params?: Schema;
  readonly network: NetworkKind;
  /** Node ids of each role, in order. */
  readonly nodes: (params: ParamValues<NoInfer<Schema>>) => { readonly [K in keyof R]?: readonly NodeId[] };
  readonly roles: R;
  readonly faults?: (params: ParamValues<NoInfer<Schema>>) => FaultBudget<RoleMessage<NoInfer<R>[keyof R]>>;
  readonly properties: Readonly<Record<string, Property<ProtocolStateOf<NoInfer<R>>, ParamValues<NoInfer<Schema>>>>>;
  /** Model bounds, kept out of the reducers (TLC's CONSTRAINT). */
  readonly constraint?: (state: ProtocolStateOf<NoInfer<R>>, params: ParamValues<NoInfer<Schema>>) => boolean;
  readonly deadlock?: boolean;
  /**
   * Roles whose nodes are interchangeable: with `--symmetry` the checker
   * stores one state per orbit under renaming their ids (see symmetry.ts).
   */
  readonly symmetry?: readonly (keyof R & string)[];
  /**
   * Which steps a behaviour may not neglect forever, for liveness properties
   * (see Fairness). Keys are labels (`rm1: receive Commit from tm`,
   * `n1: timer Election`, `tm: DecideAbort`); their groups are `role: receive
   * Type`, `role: timer Type`, `role: Type`. Faults are never fair.
   */
  readonly fairness?: Fairness;
  readonly variants?: Readonly<Record<string, ProtocolVariantDef<ParamValues<NoInfer<Schema>>>>>;
  /** Paths of the protocol state's arrays that are sets (`"nodes.*.votes"`; see SpecDefinition). */
  readonly sets?: readonly string[];
  /** How `interleave run` runs it on a real network, beyond what it derives (see RuntimeConfig). */
  readonly runtime?: RuntimeConfig;
}

/** A protocol spec: a Spec that also exposes its roles (the reducers) for applications. */
export interface ProtocolSpec<R> extends Spec<ProtocolState> {
  readonly roles: R;
  readonly network: NetworkKind;
  /** The definition, for the real-network runtime (node ids, variants' roles, faults, `runtime`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly definition: ProtocolDefinition<any, any>;
}

/**
 * Defines a protocol.
 * @example see specs/two-phase-commit.ts
 */
export function defineProtocol<Schema extends ParamsSchema, R extends Readonly<Record<string, AnyRole<ParamValues<Schema>>>>>(
  def: ProtocolDefinition<Schema, R>,
): ProtocolSpec<R> {
  const base = specBase(def);
  for (const [name, v] of Object.entries(def.variants ?? {})) {
    for (const role of Object.keys(v.roles ?? {})) {
      if (!(role in def.roles)) {
        throw new SpecDefinitionError(`spec "${def.name}", variant "${name}": unknown role "${role}"; roles: ${Object.keys(def.roles).join(", ")}`);
      }
    }
  }
  return {
    ...base.header,
    roles: def.roles,
    network: def.network,
    definition: def,
    ...(def.symmetry === undefined ? {} : { symmetry: def.symmetry }),
    instantiate(options: InstantiateOptions = {}) {
      const { variant, values } = base.resolve(options);
      const params = values as unknown as ParamValues<Schema>;
      const roles = { ...def.roles, ...(def.variants?.[variant]?.roles ?? {}) } as unknown as Readonly<Record<string, AnyRole<Params>>>;
      const model = new ProtocolModel(def, roles, variant, values, params);
      if (options.symmetry) {
        const symmetric = symmetricSets(def.name, def.symmetry ?? [], base.header.properties, def.nodes(params) as Record<string, readonly NodeId[] | undefined>);
        return withFingerprint(model, (state, out) => canonicalFingerprint(state, symmetric, out));
      }
      return options.fingerprint === "generic" ? withFingerprint(model, fingerprintInto) : model;
    },
  };
}

function symmetricSets(
  name: string,
  roles: readonly string[],
  properties: Spec["properties"],
  nodes: Record<string, readonly NodeId[] | undefined>,
): NodeId[][] {
  if (roles.length === 0) throw new OptionError(`spec "${name}" declares no symmetric roles; symmetry reduction needs \`symmetry: [roles]\``);
  const named = properties.filter((p) => p.symmetric === false).map((p) => p.name);
  if (named.length > 0) {
    throw new OptionError(`spec "${name}": symmetry reduction would be unsound for ${named.map((n) => `"${n}"`).join(", ")}, which names particular nodes`);
  }
  return roles.map((role) => [...(nodes[role] ?? [])]);
}

/** The same model with every state fingerprinted by `fingerprint` instead of incrementally. */
function withFingerprint<S>(model: Model<S>, fingerprint: (state: S, out: Fingerprint) => void): Model<S> {
  const own = { hi: 0, lo: 0 };
  return deriveModel(model, {
    fingerprint,
    successors(state, fp, sink) {
      model.successors(state, fp, {
        labels: sink.labels,
        push(next, _fp, label, fault) {
          fingerprint(next, own);
          sink.push(next, own, label, fault);
        },
      });
    },
  });
}

// ---------------------------------------------------------------------------
// The model. Hand-tuned: it is the checker's hot path for every protocol.
// Node states, messages and timers are interned (one object per distinct
// value), so a reducer's answer for (node state, input) is computed once and
// memoized: pure reducers make that exact, and it means immer's cost is paid
// per distinct local transition, not per generated global state. Fingerprints
// are a wrapping sum of per-component hashes, updated from the parent's.
// ---------------------------------------------------------------------------

/** A memoized reducer answer. */
interface Outcome {
  readonly next: NodeInfo;
  readonly effects: readonly ResolvedEffect[];
}

/** An effect with its envelopes and timer entries interned once, when the outcome is memoized. */
type ResolvedEffect =
  | { readonly type: "send"; readonly envelopes: readonly Envelope[] }
  | { readonly type: "setTimer" | "cancelTimer"; readonly entry: TimerEntry }
  | { readonly type: "record"; readonly event: HistoryEvent };

/** What the model knows of one distinct node state at one node index. */
interface NodeInfo {
  readonly state: unknown;
  /** This node state's contribution to the global fingerprint at its index. */
  readonly c1: number;
  readonly c2: number;
  readonly outcomes: Map<object, Outcome | null>;
  choices: readonly object[] | undefined;
}

/** What the model knows of one distinct envelope or timer entry. */
interface ItemInfo {
  readonly item: object;
  readonly c1: number;
  readonly c2: number;
  /** Channel hash (fifo ordering) or 0. */
  readonly channel: number;
}

class Interner {
  private readonly buckets = new Map<number, object[]>();
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };

  /** Returns the canonical object equal to `value`, with its fingerprint in `this.last`. */
  intern<T>(value: T): T {
    fingerprintInto(value, this.fp);
    const key = this.fp.hi * 0x100000 + (this.fp.lo & 0xfffff);
    const bucket = this.buckets.get(key);
    if (bucket) {
      for (const candidate of bucket) if (candidate === value || deepEqual(candidate, value)) return candidate as T;
      bucket.push(value as object);
    } else {
      this.buckets.set(key, [value as object]);
    }
    return value;
  }

  get last(): Fingerprint {
    return this.fp;
  }
}

const C_NETWORK = 0x2545f491;
const C_TIMER = 0x7f4a7c15;
const C_DOWN = 0x4f1bbcdc;
const C_FAULT = 0x6b43a9b5;
const C_HISTORY = 0x1d8e4e27;

function mix(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

type Params = Record<string, any>;

class ProtocolModel implements Model<ProtocolState> {
  readonly spec: string;
  readonly properties;
  readonly deadlock: boolean;
  private readonly nodeIds: NodeId[] = [];
  private readonly nodeRole: AnyRole<Params>[] = [];
  private readonly nodeRoleName: string[] = [];
  readonly constrained: boolean;
  /** Fairness level of a step label (see Fairness); absent when the protocol declares none. */
  readonly fairness?: (label: string) => FairnessLevel;
  /** Per coverage key (`role: receive Type`): reducer calls tried and enabled (memoized: distinct local transitions). */
  private readonly activityCounts = new Map<string, { tried: number; enabled: number }>();
  /** Reducer calls so far: the first ones and a sample of the rest are made twice (nondeterminism check). */
  private calls = 0;
  private readonly setups: NodeSetup<Params>[] = [];
  private readonly nodeIndex = new Map<NodeId, number>();
  private readonly memo: Map<unknown, NodeInfo>[] = [];
  private readonly interner = new Interner();
  private readonly items = new Map<object, ItemInfo>();
  private readonly network: NetworkKind;
  private readonly budget: Required<Omit<FaultBudget, "crashRoles" | "corruptions">>;
  private readonly crashRoles: readonly string[] | undefined;
  private readonly corruptions: ((msg: unknown) => readonly unknown[]) | undefined;
  /** The corrupted envelopes of each envelope, computed once. */
  private readonly corrupted = new Map<Envelope, readonly Envelope[]>();
  private readonly constraint: ((s: ProtocolState) => boolean) | undefined;
  private readonly scratch: Fingerprint = { hi: 0, lo: 0 };
  /** Envelopes added by the outcome being applied (reused: no allocation per successor). */
  private readonly added: Envelope[] = [];
  /** Copies the nodes record with node i replaced (generated: a fixed-shape literal is several times faster than a spread with a computed key). */
  private readonly replaceNode: (nodes: Readonly<Record<NodeId, unknown>>, i: number, value: unknown) => Record<NodeId, unknown>;

  constructor(
    def: ProtocolDefinition<any, any>,
    roles: Readonly<Record<string, AnyRole<Params>>>,
    readonly variant: string,
    readonly params: ParamRecord,
    paramValues: Params,
  ) {
    this.spec = def.name;
    this.network = def.network;
    this.deadlock = def.deadlock ?? false;
    const fairness = (def.variants?.[variant] as ProtocolVariantDef<Params> | undefined)?.fairness ?? (def.fairness as Fairness | undefined);
    if (fairness !== undefined) this.fairness = fairnessLevels(fairness, (label) => this.coverageKey(label));
    this.properties = bindProperties(def.properties as Record<string, Property<ProtocolState, Params>>, paramValues);
    const constraint = def.constraint as ((s: ProtocolState, p: Params) => boolean) | undefined;
    this.constraint = constraint
      ? (s) => guardedCheck("constraint", "constraint", [{ name: "state", value: s }], (x) => constraint(x as ProtocolState, paramValues))
      : undefined;
    this.constrained = constraint !== undefined;
    const b = (def.faults?.(paramValues) ?? {}) as unknown as FaultBudget;
    this.budget = { loss: b.loss ?? 0, duplicate: b.duplicate ?? 0, crash: b.crash ?? 0, corrupt: b.corrupt ?? 0 };
    this.crashRoles = b.crashRoles;
    this.corruptions = b.corruptions;
    if (this.budget.corrupt > 0 && this.corruptions === undefined) {
      throw new SpecDefinitionError(`spec "${def.name}": a corrupt budget needs \`corruptions: (msg) => [...]\`, the forms a corrupted message arrives in`);
    }
    if (this.network === "set" && (this.budget.loss > 0 || this.budget.duplicate > 0)) {
      throw new SpecDefinitionError(`spec "${def.name}": a "set" network already allows loss and duplication; use "unordered" or "fifo" for fault budgets`);
    }
    const byRole = def.nodes(paramValues) as Record<string, readonly NodeId[] | undefined>;
    const roleIds: Record<string, readonly NodeId[]> = {};
    for (const [roleName, ids] of Object.entries(byRole)) {
      const role = roles[roleName];
      if (!role) throw new SpecDefinitionError(`spec "${def.name}": nodes() names unknown role "${roleName}"`);
      roleIds[roleName] = ids ?? [];
      for (const id of ids ?? []) {
        if (this.nodeIndex.has(id)) throw new SpecDefinitionError(`spec "${def.name}": node id "${id}" is used twice`);
        this.nodeIndex.set(id, this.nodeIds.length);
        this.nodeIds.push(id);
        this.nodeRole.push(role);
        this.nodeRoleName.push(roleName);
        this.memo.push(new Map());
      }
    }
    for (const id of this.nodeIds) this.setups.push({ self: id, params: paramValues, nodes: this.nodeIds, roles: roleIds });
    this.replaceNode = nodeReplacer(this.nodeIds);
  }

  /** `role: receive Type`, `role: timer Type`, `role: Type` (a choice), or the fault (`crash`, `lose`...). */
  coverageKey(label: string): string {
    const m = /^([^:\s]+): (receive |timer )?(.*)$/.exec(label);
    const i = m ? this.nodeIndex.get(m[1]!) : undefined;
    if (!m || i === undefined) return label.split(" ")[0] ?? label;
    const type = /^[^{ ]+/.exec(m[3]!)?.[0] ?? m[3]!;
    return `${this.nodeRoleName[i]}: ${m[2] ?? ""}${type}`;
  }

  activity(): ReadonlyMap<string, { readonly tried: number; readonly enabled: number }> {
    return this.activityCounts;
  }

  private activityOf(i: number, kind: InputKind, input: unknown): { tried: number; enabled: number } {
    const type = typeof input === "object" && input !== null && typeof (input as { type?: unknown }).type === "string" ? (input as { type: string }).type : describeInput(input);
    const key = `${this.nodeRoleName[i]}: ${kind === "message" ? "receive " : kind === "timer" ? "timer " : ""}${type}`;
    let a = this.activityCounts.get(key);
    if (!a) this.activityCounts.set(key, (a = { tried: 0, enabled: 0 }));
    return a;
  }

  /**
   * A stored state needs no freezing of its own: node states, messages and
   * timers, what reducers and properties read, were frozen once when
   * interned. The containers (the nodes record, the network and timer
   * lists) stay unfrozen: freezing them per stored state cost a tenth of
   * the search on two-phase commit, and only a property that sorts or
   * pushes into them would need it.
   */
  freeze(): void {}

  withinConstraint(state: ProtocolState): boolean {
    return this.constraint ? this.constraint(state) : true;
  }

  initStates(): readonly ProtocolState[] {
    const nodes = this.replaceNode({}, -1, undefined);
    let state: ProtocolState = {
      nodes,
      network: [],
      timers: [],
      down: [],
      faults: { lost: 0, duplicated: 0, crashed: 0 },
      history: [],
    };
    const timers: TimerEntry[] = [];
    this.nodeIds.forEach((id, i) => {
      const role = this.nodeRole[i]!;
      const setup = this.setups[i]!;
      const info = this.nodeInfo(i, userCall("init", `init of node "${id}"`, [], () => role.init(setup)), `init of node "${id}"`);
      nodes[id] = info.state;
      const initial = userCall("init", `initialTimers of node "${id}"`, [{ name: `nodes.${id}`, value: info.state }], (st) => role.initialTimers?.(st, setup) ?? []);
      for (const t of initial) timers.push(this.timerEntry(id, t));
    });
    for (const t of timers) state = { ...state, timers: insertUnique(state.timers, t, this.items) };
    return [state];
  }

  adopt(state: ProtocolState): ProtocolState {
    let nodes = state.nodes;
    this.nodeIds.forEach((id, i) => {
      nodes = this.replaceNode(nodes, i, this.nodeInfo(i, state.nodes[id], `state of node "${id}"`).state);
    });
    return {
      ...state,
      nodes,
      network: state.network.map((e) => this.envelope(e)),
      timers: state.timers.map((t) => this.timerEntry(t.node, t.timer)),
    };
  }

  fingerprint(state: ProtocolState, out: Fingerprint): void {
    let h1 = 0;
    let h2 = 0;
    this.nodeIds.forEach((id, i) => {
      const info = this.nodeInfo(i, state.nodes[id], `state of node "${id}"`);
      h1 += info.c1;
      h2 += info.c2;
    });
    const net = this.networkHash(state.network.map((e) => this.envelope(e)));
    h1 += net.hi;
    h2 += net.lo;
    for (const t of state.timers) {
      const info = this.itemInfo(this.timerEntry(t.node, t.timer));
      h1 += info.c1;
      h2 += info.c2;
    }
    for (const id of state.down) {
      h1 += downHash(this.nodeIndex.get(id)!, 1);
      h2 += downHash(this.nodeIndex.get(id)!, 2);
    }
    h1 += faultHash(state.faults, 1) + historyHash(state.history, this.scratch);
    h2 += faultHash(state.faults, 2) + this.scratch.lo;
    out.hi = h1 >>> 0;
    out.lo = h2 >>> 0;
  }

  successors(state: ProtocolState, fp: Fingerprint, sink: SuccessorSink<ProtocolState>): void {
    const labels = sink.labels;
    const down = state.down;
    for (let i = 0; i < this.nodeIds.length; i++) {
      const id = this.nodeIds[i]!;
      if (down.length > 0 && down.includes(id)) continue;
      const info = this.memo[i]!.get(state.nodes[id])!;
      const choices = info.choices ?? this.choicesOf(i, info);
      for (const choice of choices) {
        const out = this.outcome(i, info, choice, choice, "choice", undefined);
        if (out) this.emit(state, fp, sink, i, info, out, undefined, labels ? `${id}: ${describeInput(choice)}` : "");
      }
    }
    for (const t of state.timers) {
      const i = this.nodeIndex.get(t.node)!;
      if (down.length > 0 && down.includes(t.node)) continue;
      const info = this.memo[i]!.get(state.nodes[t.node])!;
      const out = this.outcome(i, info, t, t.timer as object, "timer", undefined);
      if (out) this.emit(state, fp, sink, i, info, out, { timer: t }, labels ? `${t.node}: timer ${describeInput(t.timer)}` : "");
    }
    this.deliveries(state, fp, sink);
    this.faults(state, fp, sink);
  }

  private deliveries(state: ProtocolState, fp: Fingerprint, sink: SuccessorSink<ProtocolState>): void {
    const net = state.network;
    const down = state.down;
    for (let k = 0; k < net.length; k++) {
      const env = net[k]!;
      if (this.network === "unordered" && k > 0 && net[k - 1] === env) continue;
      if (this.network === "fifo" && k > 0 && sameChannel(net[k - 1]!, env)) continue;
      const to = env.to;
      const receivers = typeof to === "string" ? [to] : to;
      for (const r of receivers) {
        if (down.length > 0 && down.includes(r)) continue;
        const i = this.nodeIndex.get(r);
        if (i === undefined) throw new SpecRuntimeError(`spec "${this.spec}": message to unknown node "${r}" (${describeInput(env.msg)} from ${env.from})`);
        const info = this.memo[i]!.get(state.nodes[r])!;
        const out = this.outcome(i, info, env, env.msg as object, "message", env.from);
        if (out) {
          const label = sink.labels ? `${r}: receive ${describeInput(env.msg)} from ${env.from}` : "";
          this.emit(state, fp, sink, i, info, out, this.network === "set" ? undefined : { index: k }, label);
        }
      }
    }
  }

  private faults(state: ProtocolState, fp: Fingerprint, sink: SuccessorSink<ProtocolState>): void {
    const f = state.faults;
    const net = state.network;
    const labels = sink.labels;
    if (f.lost < this.budget.loss || f.duplicated < this.budget.duplicate) {
      for (let k = 0; k < net.length; k++) {
        const env = net[k]!;
        if (k > 0 && net[k - 1] === env) continue;
        const what = labels ? `${describeInput(env.msg)} ${env.from}→${String(env.to)}` : "";
        if (f.lost < this.budget.loss) {
          const faults = { ...f, lost: f.lost + 1 };
          this.pushWithNetwork(state, fp, sink, removeAt(net, k), faults, `lose ${what}`);
        }
        if (f.duplicated < this.budget.duplicate) {
          const faults = { ...f, duplicated: f.duplicated + 1 };
          const copy = [...net.slice(0, k + 1), env, ...net.slice(k + 1)];
          this.pushWithNetwork(state, fp, sink, copy, faults, `duplicate ${what}`);
        }
      }
    }
    if ((f.corrupted ?? 0) < this.budget.corrupt) this.corruptNetwork(state, fp, sink);
    for (let i = 0; i < this.nodeIds.length; i++) {
      const id = this.nodeIds[i]!;
      const isDown = state.down.includes(id);
      const crashable = this.crashRoles === undefined || this.crashRoles.includes(this.nodeRoleName[i]!);
      if (!isDown && crashable && f.crashed < this.budget.crash) this.crash(state, sink, i, labels ? `crash ${id}` : "");
      if (isDown) this.restart(state, sink, i, labels ? `restart ${id}` : "");
    }
  }

  /** Every way to corrupt one message in flight: it is replaced, in place, by one of its corrupted forms. */
  private corruptNetwork(state: ProtocolState, fp: Fingerprint, sink: SuccessorSink<ProtocolState>): void {
    const net = state.network;
    const faults = { ...state.faults, corrupted: (state.faults.corrupted ?? 0) + 1 };
    for (let k = 0; k < net.length; k++) {
      const env = net[k]!;
      if (k > 0 && net[k - 1] === env) continue;
      for (const bad of this.corruptedForms(env)) {
        const rest = removeAt(net, k);
        const network =
          this.network === "fifo" ? [...net.slice(0, k), bad, ...net.slice(k + 1)] : this.network === "set" ? insertUnique(rest, bad, this.items) : insertSorted(rest, bad, this.items);
        const label = sink.labels ? `corrupt ${describeInput(env.msg)} ${env.from}→${String(env.to)} into ${describeInput(bad.msg)}` : "";
        this.pushWithNetwork(state, fp, sink, network, faults, label);
      }
    }
  }

  private corruptedForms(env: Envelope): readonly Envelope[] {
    let forms = this.corrupted.get(env);
    if (forms !== undefined) return forms;
    const corrupt = this.corruptions!;
    const where = `corruptions of ${describeInput(env.msg)} from ${env.from}`;
    const raw = userCall("action", where, [{ name: "msg", value: env.msg }], (m) => corrupt(m));
    if (!Array.isArray(raw)) throw new UserCodeError(invalidFault("action", where, "must return an array of messages"));
    forms = raw.filter((m) => !deepEqual(m, env.msg)).map((m) => this.envelope({ from: env.from, to: env.to, msg: m }));
    this.corrupted.set(env, forms);
    return forms;
  }

  private pushWithNetwork(
    state: ProtocolState,
    fp: Fingerprint,
    sink: SuccessorSink<ProtocolState>,
    network: readonly Envelope[],
    faults: ProtocolState["faults"],
    label: string,
  ): void {
    const next: ProtocolState = { ...state, network, faults };
    const old = this.networkHash(state.network);
    const now = this.networkHash(network);
    const out = this.scratch;
    out.hi = (fp.hi - old.hi + now.hi - faultHash(state.faults, 1) + faultHash(faults, 1)) >>> 0;
    out.lo = (fp.lo - old.lo + now.lo - faultHash(state.faults, 2) + faultHash(faults, 2)) >>> 0;
    sink.push(next, out, label, true);
  }

  private crash(state: ProtocolState, sink: SuccessorSink<ProtocolState>, i: number, label: string): void {
    const id = this.nodeIds[i]!;
    const next: ProtocolState = {
      ...state,
      down: [...state.down, id].sort(),
      timers: state.timers.filter((t) => t.node !== id),
      faults: { ...state.faults, crashed: state.faults.crashed + 1 },
    };
    this.fingerprint(next, this.scratch);
    sink.push(next, this.scratch, label, true);
  }

  private restart(state: ProtocolState, sink: SuccessorSink<ProtocolState>, i: number, label: string): void {
    const id = this.nodeIds[i]!;
    const role = this.nodeRole[i]!;
    const setup = this.setups[i]!;
    const restarted = userCall("init", `restart of node "${id}"`, [{ name: `nodes.${id}`, value: state.nodes[id] }], (st) => restartedState(role, setup, st as Record<string, unknown>));
    const info = this.nodeInfo(i, restarted, `restart of node "${id}"`);
    let timers = state.timers;
    const initial = userCall("init", `initialTimers of node "${id}"`, [{ name: `nodes.${id}`, value: info.state }], (st) => role.initialTimers?.(st, setup) ?? []);
    for (const t of initial) timers = insertUnique(timers, this.timerEntry(id, t), this.items);
    const next: ProtocolState = { ...state, nodes: this.replaceNode(state.nodes, i, info.state), down: state.down.filter((d) => d !== id), timers };
    this.fingerprint(next, this.scratch);
    // Not a fault: a crashed node is expected to come back, so a state waiting for that is not final.
    sink.push(next, this.scratch, label);
  }

  /** Applies a reducer outcome to the global state and pushes the successor. */
  private emit(
    state: ProtocolState,
    fp: Fingerprint,
    sink: SuccessorSink<ProtocolState>,
    i: number,
    before: NodeInfo,
    out: Outcome,
    consumed: { index: number } | { timer: TimerEntry } | undefined,
    label: string,
  ): void {
    let h1 = fp.hi - before.c1 + out.next.c1;
    let h2 = fp.lo - before.c2 + out.next.c2;
    let timers = state.timers;
    let recorded = false;
    if (consumed !== undefined && !("index" in consumed)) {
      const info = this.items.get(consumed.timer)!;
      timers = timers.filter((t) => t !== consumed.timer);
      h1 -= info.c1;
      h2 -= info.c2;
    }
    // Timers and history first; the network's part of the fingerprint is a
    // sum over messages except in fifo channels, where positions count.
    let sends = false;
    for (const e of out.effects) {
      if (e.type === "send") sends = true;
      else if (e.type === "record") recorded = true;
      else if (e.type === "setTimer") {
        const n = insertUnique(timers, e.entry, this.items);
        if (n !== timers) {
          const info = this.items.get(e.entry)!;
          h1 += info.c1;
          h2 += info.c2;
          timers = n;
        }
      } else if (timers.includes(e.entry)) {
        const info = this.items.get(e.entry)!;
        timers = timers.filter((t) => t !== e.entry);
        h1 -= info.c1;
        h2 -= info.c2;
      }
    }
    if (this.network !== "fifo") {
      if (consumed !== undefined && "index" in consumed) {
        const info = this.items.get(state.network[consumed.index]!)!;
        h1 -= info.c1;
        h2 -= info.c2;
      }
      if (sends) {
        const added = this.added;
        added.length = 0;
        for (const e of out.effects) {
          if (e.type !== "send") continue;
          for (const env of e.envelopes) {
            if (this.network === "set" && (state.network.includes(env) || added.includes(env))) continue;
            added.push(env);
            const info = this.items.get(env)!;
            h1 += info.c1;
            h2 += info.c2;
          }
        }
      }
      // Most successors are already known: when the checker can tell from the
      // fingerprint alone, the state is never built.
      if (!recorded && sink.probe !== undefined) {
        const probe = this.scratch;
        probe.hi = h1 >>> 0;
        probe.lo = h2 >>> 0;
        if (sink.probe(probe)) return;
      }
    }
    const network = this.nextNetwork(state.network, consumed !== undefined && "index" in consumed ? consumed.index : -1, sends ? out.effects : []);
    if (this.network === "fifo") {
      const was = this.networkHash(state.network);
      const now = this.networkHash(network);
      h1 += now.hi - was.hi;
      h2 += now.lo - was.lo;
    }
    let history = state.history;
    if (recorded) {
      for (const e of out.effects) if (e.type === "record") history = [...history, e.event];
      const before1 = historyHash(state.history, this.scratch);
      const before2 = this.scratch.lo;
      h1 += historyHash(history, this.scratch) - before1;
      h2 += this.scratch.lo - before2;
    }
    const nodes = out.next.state === before.state ? state.nodes : this.replaceNode(state.nodes, i, out.next.state);
    const next: ProtocolState = { nodes, network, timers, down: state.down, faults: state.faults, history };
    const result = this.scratch;
    result.hi = h1 >>> 0;
    result.lo = h2 >>> 0;
    sink.push(next, result, label);
  }

  /** The network after removing message `consumed` (or -1) and adding the outcome's sends. */
  private nextNetwork(network: readonly Envelope[], consumed: number, effects: readonly ResolvedEffect[]): readonly Envelope[] {
    let net = consumed >= 0 ? removeAt(network, consumed) : network;
    for (const e of effects) {
      if (e.type !== "send") continue;
      for (const env of e.envelopes) {
        if (this.network === "set") net = insertUnique(net, env, this.items);
        else net = this.network === "fifo" ? insertFifo(net, env, this.items) : insertSorted(net, env, this.items);
      }
    }
    return net;
  }

  private envelopesOf(from: NodeId, e: { type: "send" | "broadcast"; to: NodeId | readonly NodeId[]; msg: unknown }): Envelope[] {
    if (e.type === "send" || this.network === "set") {
      const to = e.type === "send" ? e.to : [...e.to];
      this.checkReceivers(from, to);
      return [this.envelope({ from, to, msg: e.msg })];
    }
    const receivers = e.to as readonly NodeId[];
    this.checkReceivers(from, receivers);
    return receivers.map((to) => this.envelope({ from, to, msg: e.msg }));
  }

  private checkReceivers(from: NodeId, to: NodeId | readonly NodeId[]): void {
    for (const r of typeof to === "string" ? [to] : to) {
      if (!this.nodeIndex.has(r)) {
        throw new SpecRuntimeError(`spec "${this.spec}": node "${from}" sends to unknown node "${r}"; nodes: ${this.nodeIds.join(", ")}`);
      }
    }
  }

  /** The memoized reducer answer for (node state, input). */
  private outcome(i: number, info: NodeInfo, key: object, input: object, kind: InputKind, from: NodeId | undefined): Outcome | null {
    let out = info.outcomes.get(key);
    if (out !== undefined) return out;
    const id = this.nodeIds[i]!;
    const ctx: NodeContext<Params> = { ...this.setups[i]!, from, kind };
    const reduce = this.nodeRole[i]!.reduce;
    const where = `node "${id}" on ${describeInput(input)}${from === undefined ? "" : ` from ${from}`}`;
    const inputs: NamedInput[] = [{ name: `nodes.${id}`, value: info.state }, { name: "input", value: input }];
    const step = userCall("action", where, inputs, (st, inp) => reduce(st, inp, ctx)) as Step<unknown, unknown, unknown> | undefined;
    // Guarded searches (the spec's code runs with userCode.running) make a sample of calls twice.
    if (userCode.running && (this.calls++ < 256 || this.calls % 64 === 0)) {
      const again = userCall("action", where, inputs, (st, inp) => reduce(st, inp, ctx));
      if (!deepEqual(step, again)) {
        throw new UserCodeError({ kind: "nondeterminism", site: "action", where, message: "the reducer gave a different answer to the same state and input on a second call (does it read a variable outside the state, or a clock or random source?)" });
      }
    }
    const activity = this.activityOf(i, kind, input);
    activity.tried++;
    if (step === undefined) {
      out = null;
    } else {
      if (typeof step !== "object" || step === null || !("state" in step) || !Array.isArray(step.effects)) {
        throw new UserCodeError(invalidFault("action", where, "the reducer must return become(state, ...effects) or undefined"));
      }
      activity.enabled++;
      try {
        const next = this.nodeInfo(i, step.state, `node "${id}" after ${describeInput(input)}`);
        out = { next, effects: step.effects.map((e) => this.resolveEffect(id, e)) };
      } catch (error) {
        if (error instanceof SpecRuntimeError) throw new UserCodeError(invalidFault("action", where, error.message));
        throw error;
      }
    }
    info.outcomes.set(key, out);
    return out;
  }

  private resolveEffect(from: NodeId, e: Effect<unknown, unknown>): ResolvedEffect {
    switch (e.type) {
      case "send":
      case "broadcast":
        return { type: "send", envelopes: this.envelopesOf(from, e) };
      case "setTimer":
      case "cancelTimer":
        return { type: e.type, entry: this.timerEntry(from, e.timer) };
      case "record":
        return e;
      default:
        throw new SpecRuntimeError(`spec "${this.spec}": unknown effect ${JSON.stringify(e)}`);
    }
  }

  private choicesOf(i: number, info: NodeInfo): readonly object[] {
    const role = this.nodeRole[i]!;
    const setup = this.setups[i]!;
    const id = this.nodeIds[i]!;
    const raw = userCall("action", `choices of node "${id}"`, [{ name: `nodes.${id}`, value: info.state }], (st) => role.choices?.(st, setup) ?? []);
    if (!Array.isArray(raw)) throw new UserCodeError(invalidFault("action", `choices of node "${id}"`, "must return an array of inputs"));
    const choices = raw.map((c) => {
      const interned = this.interner.intern(c) as object;
      deepFreeze(interned);
      return interned;
    });
    info.choices = choices;
    return choices;
  }

  /** The interned node state with its memo table; `where` names it in errors. */
  private nodeInfo(i: number, state: unknown, where: string): NodeInfo {
    const memo = this.memo[i]!;
    const known = memo.get(state);
    if (known) return known;
    let canonical: unknown;
    try {
      canonical = this.interner.intern(state);
    } catch (error) {
      if (error instanceof NotPlainDataError) throw new UserCodeError(invalidFault(/^(init|restart)/.test(where) ? "init" : "action", where, error.message.replace("state is", "node state is")));
      throw error;
    }
    const existing = memo.get(canonical);
    if (existing) {
      memo.set(state, existing);
      return existing;
    }
    const fp = this.interner.last;
    // Frozen once, when first seen: every reducer call and property then gets a frozen node state.
    deepFreeze(canonical);
    const info: NodeInfo = {
      state: canonical,
      c1: mix(fp.hi, i + 1),
      c2: mix(fp.lo, (i + 1) ^ 0x5bd1e995),
      outcomes: new Map(),
      choices: undefined,
    };
    memo.set(canonical, info);
    return info;
  }

  private envelope(env: Envelope): Envelope {
    const canonical = this.interner.intern(env);
    this.itemInfoFrom(canonical, C_NETWORK, this.network === "fifo" ? channelHash(canonical) : 0);
    return canonical;
  }

  private timerEntry(node: NodeId, timer: unknown): TimerEntry {
    const canonical = this.interner.intern({ node, timer });
    this.itemInfoFrom(canonical, C_TIMER, 0);
    return canonical;
  }

  private itemInfo(item: object): ItemInfo {
    return this.items.get(item)!;
  }

  private itemInfoFrom(item: object, salt: number, channel: number): void {
    if (this.items.has(item)) return;
    deepFreeze(item);
    const fp = this.interner.last;
    this.items.set(item, { item, c1: mix(fp.hi, salt), c2: mix(fp.lo, salt ^ 0x27d4eb2f), channel });
  }

  /** The network's fingerprint contribution (position-dependent within fifo channels). */
  private networkHash(network: readonly Envelope[]): Fingerprint {
    let h1 = 0;
    let h2 = 0;
    let pos = 0;
    for (let k = 0; k < network.length; k++) {
      const env = network[k]!;
      let info = this.items.get(env);
      if (!info) {
        this.envelope(env);
        info = this.items.get(this.interner.intern(env))!;
      }
      if (this.network === "fifo") {
        pos = k > 0 && sameChannel(network[k - 1]!, env) ? pos + 1 : 0;
        h1 += mix(info.c1, pos);
        h2 += mix(info.c2, pos ^ 0x3c6ef372);
      } else {
        h1 += info.c1;
        h2 += info.c2;
      }
    }
    return { hi: h1 | 0, lo: h2 | 0 };
  }
}

function nodeReplacer(ids: readonly NodeId[]): (nodes: Readonly<Record<NodeId, unknown>>, i: number, value: unknown) => Record<NodeId, unknown> {
  const fields = ids.map((id, i) => `${JSON.stringify(id)}: i === ${i} ? v : n[${JSON.stringify(id)}]`).join(", ");
  return new Function("n", "i", "v", `return { ${fields} };`) as (nodes: Readonly<Record<NodeId, unknown>>, i: number, value: unknown) => Record<NodeId, unknown>;
}

function downHash(index: number, lane: number): number {
  return mix(C_DOWN + index, lane);
}

function faultHash(f: ProtocolState["faults"], lane: number): number {
  const corrupted = f.corrupted ?? 0;
  if (f.lost === 0 && f.duplicated === 0 && f.crashed === 0 && corrupted === 0) return 0;
  const h = mix(mix(mix(C_FAULT ^ lane, f.lost), f.duplicated), f.crashed);
  return corrupted === 0 ? h : mix(h, corrupted);
}

function historyHash(history: readonly HistoryEvent[], out: Fingerprint): number {
  if (history.length === 0) {
    out.hi = 0;
    out.lo = 0;
    return 0;
  }
  fingerprintInto(history, out);
  out.hi = mix(out.hi, C_HISTORY);
  out.lo = mix(out.lo, C_HISTORY ^ 1);
  return out.hi;
}

function channelHash(env: Envelope): number {
  return mix(hashText(env.from), hashText(String(env.to)));
}

function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function sameChannel(a: Envelope, b: Envelope): boolean {
  return a.from === b.from && a.to === b.to;
}

function removeAt<T>(list: readonly T[], k: number): readonly T[] {
  return [...list.slice(0, k), ...list.slice(k + 1)];
}

function order(a: ItemInfo, b: ItemInfo): number {
  return a.c1 !== b.c1 ? (a.c1 < b.c1 ? -1 : 1) : a.c2 < b.c2 ? -1 : a.c2 > b.c2 ? 1 : 0;
}

/** Inserts into a list sorted by item hash, keeping one copy (set semantics). */
function insertUnique<T extends object>(list: readonly T[], item: T, items: Map<object, ItemInfo>): readonly T[] {
  const info = items.get(item)!;
  let k = 0;
  while (k < list.length) {
    const c = order(items.get(list[k]!)!, info);
    if (c === 0 && list[k] === item) return list;
    if (c > 0) break;
    k++;
  }
  return [...list.slice(0, k), item, ...list.slice(k)];
}

/** Inserts into a list sorted by item hash, keeping duplicates (multiset semantics). */
function insertSorted<T extends object>(list: readonly T[], item: T, items: Map<object, ItemInfo>): readonly T[] {
  const info = items.get(item)!;
  let k = 0;
  while (k < list.length && order(items.get(list[k]!)!, info) <= 0) k++;
  return [...list.slice(0, k), item, ...list.slice(k)];
}

/** Appends to the end of the item's channel; channels are ordered by channel hash. */
function insertFifo(list: readonly Envelope[], env: Envelope, items: Map<object, ItemInfo>): readonly Envelope[] {
  const channel = items.get(env)!.channel;
  let k = 0;
  while (k < list.length && items.get(list[k]!)!.channel <= channel) {
    if (items.get(list[k]!)!.channel === channel && !sameChannel(list[k]!, env)) break;
    k++;
  }
  return [...list.slice(0, k), env, ...list.slice(k)];
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

/** Calls the user's code, turning what it throws into a UserCodeError that names the call. */
function userCall<A extends unknown[], R>(site: UserCodeSite, where: string, inputs: readonly NamedInput[], call: (...args: A) => R): R {
  try {
    return call(...(inputs.map((i) => i.value) as A));
  } catch (error) {
    throw new UserCodeError(faultOf(site, where, error, inputs, call as (...copies: unknown[]) => unknown));
  }
}
