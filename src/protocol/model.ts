/**
 * The protocol model: the transition system the checker drives. Hand-tuned:
 * it is the checker's hot path for every protocol.
 *
 * Node states, messages and timers are interned (one object per distinct
 * value), so a reducer's answer for (node state, input) is computed once and
 * memoized: pure reducers make that exact, and it means immer's cost is paid
 * per distinct local transition, not per generated global state.
 * Fingerprints are a wrapping sum of per-component hashes, updated from the
 * parent's (see hashing.ts); the network's part is its kind's (network.ts),
 * and faults are injected by faults.ts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment --
   the model drives a table of user roles whose state, input, message and timer types differ from role to role and are
   erased here; the values it moves are checked as plain data at run time (assertPlainData, the purity guards), which no
   cast could add. */
import type { HistoryEvent } from "../history/types.js";
import { deepEqual, NotPlainDataError, type Fingerprint } from "../fingerprint.js";
import type { ParamRecord } from "../params.js";
import { fairnessLevels, type FairnessLevel } from "../fairness.js";
import { deepFreeze, invalidFault, userCode, UserCodeError, type NamedInput } from "../user-code.js";
import {
  bindProperties,
  guardedCheck,
  SpecDefinitionError,
  SpecRuntimeError,
  type Model,
  type Property,
  type SuccessorSink,
} from "../spec.js";
import {
  describeInput,
  restartedState,
  type AnyRole,
  type Effect,
  type Envelope,
  type FaultBudget,
  type InputKind,
  type NodeContext,
  type NodeId,
  type NodeSetup,
  type ProtocolState,
  type Step,
  type TimerEntry,
} from "./api.js";
import type { ProtocolDefinition, ProtocolVariantDef } from "./definition.js";
import { FaultInjector, type FaultHost } from "./faults.js";
import {
  C_NETWORK,
  C_TIMER,
  downHash,
  faultHash,
  historyHash,
  insertUnique,
  Interner,
  mix,
  removeAt,
  type ItemInfo,
} from "./hashing.js";
import { networkSemantics, type NetworkSemantics } from "./network.js";
import { nodeBuilder, nodeReader, nodeReplacer, type NodeReader, type NodeReplacer } from "./node-record.js";
import { ProtocolCodec, type CodecHost } from "./codec.js";
import { userCall } from "./user-call.js";

/** Parameter values as the model passes them to the user's code. */
export type Params = Record<string, any>;

/**
 * A memoized reducer answer, its effects resolved once (envelopes and timer
 * entries interned) and sorted by what they touch, each list in effect order.
 */
interface Outcome {
  readonly next: NodeInfo;
  /** Envelopes sent, in order. */
  readonly sent: readonly Envelope[];
  readonly timers: readonly TimerEffect[];
  /** Client-history events recorded, in order. */
  readonly events: readonly HistoryEvent[];
  /** True when the step changes nothing: same node state, no effects (a set network's message received again). */
  readonly still: boolean;
}

/** A timer armed or disarmed, its entry interned. */
interface TimerEffect {
  readonly type: "setTimer" | "cancelTimer";
  readonly entry: TimerEntry;
}

/** What the model knows of one distinct node state at one node index. */
interface NodeInfo {
  readonly state: unknown;
  /** Its position among the distinct states of its node (see codec.ts). */
  readonly id: number;
  /** This node state's contribution to the global fingerprint at its index. */
  readonly c1: number;
  readonly c2: number;
  readonly outcomes: Map<object, Outcome | null>;
  choices: readonly object[] | undefined;
  /** The outcome of each of `choices`, by position, as far as computed (an array read instead of a map lookup). */
  choiceOutcomes: (Outcome | null | undefined)[] | undefined;
}

/**
 * What a step takes from the state besides the node's input: the index of
 * the delivered message, the fired timer, or nothing (a local choice, or a
 * message that stays, as in a `set` network).
 */
type Consumed = number | TimerEntry | undefined;

/** The protocol's transition system, as the checker sees it. */
export class ProtocolModel implements Model<ProtocolState>, FaultHost, CodecHost {
  readonly spec: string;
  readonly properties;
  readonly deadlock: boolean;
  readonly nodeIds: NodeId[] = [];
  private readonly nodeRole: AnyRole<Params>[] = [];
  readonly nodeRoleNames: string[] = [];
  readonly constrained: boolean;
  /** Fairness level of a step label (see Fairness); absent when the protocol declares none. */
  readonly fairness?: (label: string) => FairnessLevel;
  /**
   * Per coverage key (`role: receive Type`): reducer calls tried and enabled (memoized: distinct local transitions).
   */
  private readonly activityCounts = new Map<string, { tried: number; enabled: number }>();
  /** Reducer calls so far: the first ones and a sample of the rest are made twice (nondeterminism check). */
  private calls = 0;
  private readonly setups: NodeSetup<Params>[] = [];
  private readonly nodeIndex = new Map<NodeId, number>();
  private readonly memo: Map<unknown, NodeInfo>[] = [];
  /** Each node's distinct states, by id. */
  private readonly nodeStates: unknown[][] = [];
  /** How many envelopes and timer entries are interned (the next one's id). */
  private itemCount = 0;
  readonly codec: ProtocolCodec;
  private readonly interner = new Interner();
  /**
   * Objects of revived states (read back from disk or from another worker) and their adopted versions (see `adopted`).
   */
  private readonly adoptions = new WeakMap<object, object>();
  readonly items = new Map<object, ItemInfo & { readonly id: number }>();
  readonly net: NetworkSemantics;
  private readonly faults: FaultInjector;
  private readonly constraint: ((s: ProtocolState) => boolean) | undefined;
  private readonly scratch: Fingerprint = { hi: 0, lo: 0 };
  private readonly delta: Fingerprint = { hi: 0, lo: 0 };
  /** Envelopes added by the outcome being applied (reused: no allocation per successor). */
  private readonly added: Envelope[] = [];
  /**
   * Copies the nodes record with node i replaced (generated: a fixed-shape literal is several times faster than a
   * spread with a computed key).
   */
  private readonly replaceNode: NodeReplacer;
  /** Reads the nodes record into an array by node index (generated, as `replaceNode`: named reads, not keyed ones). */
  private readonly readNodes: NodeReader;
  /** The node states of the state being expanded, by node index (reused). */
  private readonly current: unknown[] = [];
  /** Their NodeInfo, looked up once per expanded state (deliveries read them per message and receiver). */
  private readonly infos: NodeInfo[] = [];
  /** The successor `emit` pushed last, the node it changed and that node's new state id (read by the codec). */
  private pushed: ProtocolState | undefined;
  private pushedNode = 0;
  private pushedId = 0;
  /** The node states of a state being encoded (reused). */
  private readonly encoded: unknown[] = [];
  // The state being expanded, with its fingerprint and the sink of its successors (set by `successors`).
  private state!: ProtocolState;
  private fp!: Fingerprint;
  private sink!: SuccessorSink<ProtocolState>;

  constructor(
    def: ProtocolDefinition<any, any>,
    roles: Readonly<Record<string, AnyRole<Params>>>,
    readonly variant: string,
    readonly params: ParamRecord,
    paramValues: Params,
  ) {
    this.spec = def.name;
    this.net = networkSemantics(def.network);
    this.deadlock = def.deadlock ?? false;
    const fairness = (def.variants?.[variant] as ProtocolVariantDef<Params> | undefined)?.fairness ?? def.fairness;
    if (fairness !== undefined) this.fairness = fairnessLevels(fairness, (label) => this.coverageKey(label));
    this.properties = bindProperties(def.properties as Record<string, Property<ProtocolState, Params>>, paramValues);
    const constraint = def.constraint as ((s: ProtocolState, p: Params) => boolean) | undefined;
    this.constraint = constraint
      ? (s) =>
          guardedCheck("constraint", "constraint", [{ name: "state", value: s }], (x) =>
            constraint(x as ProtocolState, paramValues),
          )
      : undefined;
    this.constrained = constraint !== undefined;
    this.faults = new FaultInjector((def.faults?.(paramValues) ?? {}) as unknown as FaultBudget, this);
    const refusal = this.faults.refusal();
    if (refusal !== undefined) throw new SpecDefinitionError(`spec "${def.name}": ${refusal}`);
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
        this.nodeRoleNames.push(roleName);
        this.memo.push(new Map());
        this.nodeStates.push([]);
      }
    }
    for (const id of this.nodeIds)
      this.setups.push({ self: id, params: paramValues, nodes: this.nodeIds, roles: roleIds });
    this.replaceNode = nodeReplacer(this.nodeIds);
    this.readNodes = nodeReader(this.nodeIds);
    this.codec = new ProtocolCodec(this, nodeBuilder(this.nodeIds));
  }

  writeNodeStateIds(state: ProtocolState, out: Int32Array, at: number): boolean {
    const n = this.nodeIds.length;
    if (state === this.pushed) {
      // The successor just pushed (the queue encodes it as it is pushed): the expanded state's nodes, one replaced.
      const infos = this.infos;
      for (let i = 0; i < n; i++) out[at + i] = infos[i]!.id;
      out[at + this.pushedNode] = this.pushedId;
      return true;
    }
    const nodes = this.encoded;
    this.readNodes(state.nodes, nodes);
    for (let i = 0; i < n; i++) {
      const info = this.memo[i]!.get(nodes[i]);
      if (info === undefined) return false;
      out[at + i] = info.id;
    }
    return true;
  }

  nodeState(i: number, id: number): unknown {
    return this.nodeStates[i]![id];
  }

  itemId(item: object): number {
    return this.items.get(item)?.id ?? -1;
  }

  /** `role: receive Type`, `role: timer Type`, `role: Type` (a choice), or the fault (`crash`, `lose`...). */
  coverageKey(label: string): string {
    const m = /^([^:\s]+): (receive |timer )?(.*)$/.exec(label);
    const i = m ? this.nodeIndex.get(m[1]!) : undefined;
    if (!m || i === undefined) return label.split(" ")[0] ?? label;
    const type = /^[^{ ]+/.exec(m[3]!)?.[0] ?? m[3]!;
    return `${this.nodeRoleNames[i]}: ${m[2] ?? ""}${type}`;
  }

  activity(): ReadonlyMap<string, { readonly tried: number; readonly enabled: number }> {
    return this.activityCounts;
  }

  private activityOf(i: number, kind: InputKind, input: unknown): { tried: number; enabled: number } {
    const type =
      typeof input === "object" && input !== null && typeof (input as { type?: unknown }).type === "string"
        ? (input as { type: string }).type
        : describeInput(input);
    const key = `${this.nodeRoleNames[i]}: ${kind === "message" ? "receive " : kind === "timer" ? "timer " : ""}${type}`;
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
      const info = this.nodeInfo(
        i,
        userCall("init", `init of node "${id}"`, [], () => role.init(setup)),
        `init of node "${id}"`,
      );
      nodes[id] = info.state;
      const initial = userCall(
        "init",
        `initialTimers of node "${id}"`,
        [{ name: `nodes.${id}`, value: info.state }],
        (st) => role.initialTimers?.(st, setup) ?? [],
      );
      for (const t of initial) timers.push(this.timerEntry(id, t));
    });
    for (const t of timers) state = { ...state, timers: insertUnique(state.timers, t, this.items) };
    return [state];
  }

  adopt(state: ProtocolState): ProtocolState {
    return {
      ...state,
      nodes: this.adopted(state.nodes, (nodes) => {
        let out = nodes;
        this.nodeIds.forEach((id, i) => {
          out = this.replaceNode(out, i, this.nodeInfo(i, nodes[id], `state of node "${id}"`).state);
        });
        return out;
      }),
      network: this.adopted(state.network, (network) => network.map((e) => this.adopted(e, (x) => this.envelope(x)))),
      timers: this.adopted(state.timers, (timers) => timers.map((t) => this.timerEntry(t.node, t.timer))),
    };
  }

  /**
   * `adopt` once per object: states revived together (one v8 deserialize of
   * a batch) share their nodes records, networks and envelopes as the
   * giver's states did, so the copies are looked up by identity instead of
   * interned again (10,000 revived states of two-phase commit with 8 RMs:
   * a median of 60 ms to adopt, now 25 ms), and the revived states share
   * their arrays again, as the giver's did.
   */
  private adopted<T extends object>(copy: T, adopt: (copy: T) => T): T {
    const known = this.adoptions.get(copy) as T | undefined;
    if (known !== undefined) return known;
    const adopted = adopt(copy);
    this.adoptions.set(copy, adopted);
    return adopted;
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
      const info = this.items.get(this.timerEntry(t.node, t.timer))!;
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
    this.state = state;
    this.fp = fp;
    this.sink = sink;
    this.pushed = undefined;
    const labels = sink.labels;
    const down = state.down;
    const infos = this.infos;
    const current = this.current;
    this.readNodes(state.nodes, current);
    for (let i = 0; i < this.nodeIds.length; i++) infos[i] = this.memo[i]!.get(current[i])!;
    for (let i = 0; i < this.nodeIds.length; i++) {
      const id = this.nodeIds[i]!;
      if (down.length > 0 && down.includes(id)) continue;
      const info = infos[i]!;
      const choices = info.choices ?? this.choicesOf(i, info);
      const outcomes = (info.choiceOutcomes ??= []);
      for (let c = 0; c < choices.length; c++) {
        let out = outcomes[c];
        if (out === undefined) {
          const choice = choices[c]!;
          outcomes[c] = out = this.outcome(i, info, choice, choice, "choice", undefined);
        }
        if (out) this.emit(i, info, out, undefined, labels ? `${id}: ${describeInput(choices[c])}` : "");
      }
    }
    for (const t of state.timers) {
      const i = this.nodeIndex.get(t.node)!;
      if (down.length > 0 && down.includes(t.node)) continue;
      const info = infos[i]!;
      const out = this.outcome(i, info, t, t.timer as object, "timer", undefined);
      if (out) this.emit(i, info, out, t, labels ? `${t.node}: timer ${describeInput(t.timer)}` : "");
    }
    this.deliveries(state);
    this.faults.successors(state, fp, sink);
  }

  private deliveries(state: ProtocolState): void {
    const net = state.network;
    const kind = this.net;
    const consumes = kind.consumes;
    for (let k = 0; k < net.length; k++) {
      if (kind.shadowed(net, k)) continue;
      const env = net[k]!;
      const receivers = this.receiversOf(env);
      for (let j = 0; j < receivers.length; j++) this.deliver(state, env, receivers[j]!, consumes ? k : undefined);
    }
  }

  /**
   * The node indices an envelope goes to, kept with its interned hashes (a node id lookup per receiver was a tenth of
   * the deliveries).
   */
  private receiversOf(env: Envelope): Int32Array {
    const info = this.items.get(env);
    if (info?.receivers !== undefined) return info.receivers;
    const to = typeof env.to === "string" ? [env.to] : env.to;
    const receivers = Int32Array.from(to, (r) => this.nodeIndex.get(r) ?? -1);
    if (info) info.receivers = receivers;
    return receivers;
  }

  /** Delivers `env` (message `consumed` of the network, when delivery consumes it) to node `i` (-1: an unknown id). */
  private deliver(state: ProtocolState, env: Envelope, i: number, consumed: number | undefined): void {
    if (i < 0) {
      const to = typeof env.to === "string" ? [env.to] : env.to;
      const r = to.find((id) => !this.nodeIndex.has(id));
      throw new SpecRuntimeError(
        `spec "${this.spec}": message to unknown node "${r}" (${describeInput(env.msg)} from ${env.from})`,
      );
    }
    const r = this.nodeIds[i]!;
    const down = state.down;
    if (down.length > 0 && down.includes(r)) return;
    const info = this.infos[i]!;
    const out = this.outcome(i, info, env, env.msg as object, "message", env.from);
    if (out)
      this.emit(
        i,
        info,
        out,
        consumed,
        this.sink.labels ? `${r}: receive ${describeInput(env.msg)} from ${env.from}` : "",
      );
  }

  /** The state after node `i` restarts: its durable fields kept, its initial timers armed, no longer down. */
  restarted(state: ProtocolState, i: number): ProtocolState {
    const id = this.nodeIds[i]!;
    const role = this.nodeRole[i]!;
    const setup = this.setups[i]!;
    const restarted = userCall(
      "init",
      `restart of node "${id}"`,
      [{ name: `nodes.${id}`, value: state.nodes[id] }],
      (st) => restartedState(role, setup, st as Record<string, unknown>),
    );
    const info = this.nodeInfo(i, restarted, `restart of node "${id}"`);
    let timers = state.timers;
    const initial = userCall(
      "init",
      `initialTimers of node "${id}"`,
      [{ name: `nodes.${id}`, value: info.state }],
      (st) => role.initialTimers?.(st, setup) ?? [],
    );
    for (const t of initial) timers = insertUnique(timers, this.timerEntry(id, t), this.items);
    return {
      ...state,
      nodes: this.replaceNode(state.nodes, i, info.state),
      down: state.down.filter((d) => d !== id),
      timers,
    };
  }

  /**
   * Applies outcome `out` of node `i` (in node state `before`) to the state
   * being expanded and pushes the successor; `consumed` is what the step
   * takes from the state besides the node's input.
   */
  private emit(i: number, before: NodeInfo, out: Outcome, consumed: Consumed, label: string): void {
    const state = this.state;
    const sink = this.sink;
    // A step that changes nothing leads back to the state itself: its fingerprint is the parent's.
    if (out.still && consumed === undefined && sink.probe !== undefined && sink.probe(this.fp)) return;
    let h1 = this.fp.hi - before.c1 + out.next.c1;
    let h2 = this.fp.lo - before.c2 + out.next.c2;
    let timers = state.timers;
    if (typeof consumed === "object") {
      const info = this.items.get(consumed)!;
      timers = timers.filter((t) => t !== consumed);
      h1 -= info.c1;
      h2 -= info.c2;
    }
    for (const e of out.timers) {
      if (e.type === "setTimer") {
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
    const message = typeof consumed === "number" ? consumed : -1;
    const delta = this.delta;
    delta.hi = h1;
    delta.lo = h2;
    const incremental = this.net.hashDelta(state.network, message, out.sent, this.items, this.added, delta);
    if (incremental) {
      h1 = delta.hi;
      h2 = delta.lo;
      // Most successors are already known: when the checker can tell from the
      // fingerprint alone, the state is never built.
      if (out.events.length === 0 && sink.probe !== undefined) {
        const probe = this.scratch;
        probe.hi = h1 >>> 0;
        probe.lo = h2 >>> 0;
        if (sink.probe(probe)) return;
      }
    }
    const network = this.nextNetwork(state.network, message, out.sent);
    if (!incremental) {
      const was = this.networkHash(state.network);
      const now = this.networkHash(network);
      h1 += now.hi - was.hi;
      h2 += now.lo - was.lo;
    }
    let history = state.history;
    if (out.events.length > 0) {
      history = [...history, ...out.events];
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
    this.pushed = next;
    this.pushedNode = i;
    this.pushedId = out.next.id;
    sink.push(next, result, label);
  }

  /** The network after removing message `consumed` (or -1) and sending `sent`. */
  private nextNetwork(network: readonly Envelope[], consumed: number, sent: readonly Envelope[]): readonly Envelope[] {
    let net = consumed >= 0 ? removeAt(network, consumed) : network;
    for (const env of sent) net = this.net.insert(net, env, this.items);
    return net;
  }

  private checkReceivers(from: NodeId, to: NodeId | readonly NodeId[]): void {
    for (const r of typeof to === "string" ? [to] : to) {
      if (!this.nodeIndex.has(r)) {
        throw new SpecRuntimeError(
          `spec "${this.spec}": node "${from}" sends to unknown node "${r}"; nodes: ${this.nodeIds.join(", ")}`,
        );
      }
    }
  }

  /** The memoized reducer answer for (node state, input). */
  private outcome(
    i: number,
    info: NodeInfo,
    key: object,
    input: object,
    kind: InputKind,
    from: NodeId | undefined,
  ): Outcome | null {
    let out = info.outcomes.get(key);
    if (out !== undefined) return out;
    const id = this.nodeIds[i]!;
    const ctx: NodeContext<Params> = { ...this.setups[i]!, from, kind };
    const reduce = this.nodeRole[i]!.reduce;
    const where = `node "${id}" on ${describeInput(input)}${from === undefined ? "" : ` from ${from}`}`;
    const inputs: NamedInput[] = [
      { name: `nodes.${id}`, value: info.state },
      { name: "input", value: input },
    ];
    const step = userCall("action", where, inputs, (st, inp) => reduce(st, inp, ctx)) as
      Step<unknown, unknown, unknown> | undefined;
    // Guarded searches (the spec's code runs with userCode.running) make a sample of calls twice.
    if (userCode.running && (this.calls++ < 256 || this.calls % 64 === 0)) {
      const again = userCall("action", where, inputs, (st, inp) => reduce(st, inp, ctx));
      if (!deepEqual(step, again)) {
        throw new UserCodeError({
          kind: "nondeterminism",
          site: "action",
          where,
          message:
            "the reducer gave a different answer to the same state and input on a second call (does it read a variable outside the state, or a clock or random source?)",
        });
      }
    }
    const activity = this.activityOf(i, kind, input);
    activity.tried++;
    if (step === undefined) {
      out = null;
    } else {
      if (typeof step !== "object" || step === null || !("state" in step) || !Array.isArray(step.effects)) {
        throw new UserCodeError(
          invalidFault("action", where, "the reducer must return become(state, ...effects) or undefined"),
        );
      }
      activity.enabled++;
      try {
        const next = this.nodeInfo(i, step.state, `node "${id}" after ${describeInput(input)}`);
        out = this.resolve(id, info, next, step.effects);
      } catch (error) {
        if (error instanceof SpecRuntimeError) throw new UserCodeError(invalidFault("action", where, error.message));
        throw error;
      }
    }
    info.outcomes.set(key, out);
    return out;
  }

  /** The outcome of a step to `next` with `effects`, the effects interned and sorted by kind. */
  private resolve(
    from: NodeId,
    before: NodeInfo,
    next: NodeInfo,
    effects: readonly Effect<unknown, unknown>[],
  ): Outcome {
    const sent: Envelope[] = [];
    const timers: TimerEffect[] = [];
    const events: HistoryEvent[] = [];
    for (const e of effects) {
      switch (e.type) {
        case "send":
        case "broadcast":
          this.checkReceivers(from, e.to);
          for (const env of this.net.envelopes(from, e.to, e.msg)) sent.push(this.envelope(env));
          break;
        case "setTimer":
        case "cancelTimer":
          timers.push({ type: e.type, entry: this.timerEntry(from, e.timer) });
          break;
        case "record":
          events.push(e.event);
          break;
        default:
          throw new SpecRuntimeError(`spec "${this.spec}": unknown effect ${JSON.stringify(e)}`);
      }
    }
    const still = sent.length === 0 && timers.length === 0 && events.length === 0 && next === before;
    return { next, sent, timers, events, still };
  }

  private choicesOf(i: number, info: NodeInfo): readonly object[] {
    const role = this.nodeRole[i]!;
    const setup = this.setups[i]!;
    const id = this.nodeIds[i]!;
    const raw = userCall(
      "action",
      `choices of node "${id}"`,
      [{ name: `nodes.${id}`, value: info.state }],
      (st) => role.choices?.(st, setup) ?? [],
    );
    if (!Array.isArray(raw))
      throw new UserCodeError(invalidFault("action", `choices of node "${id}"`, "must return an array of inputs"));
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
      if (error instanceof NotPlainDataError)
        throw new UserCodeError(
          invalidFault(
            /^(init|restart)/.test(where) ? "init" : "action",
            where,
            error.message.replace("state is", "node state is"),
          ),
        );
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
      id: this.nodeStates[i]!.push(canonical) - 1,
      c1: mix(fp.hi, i + 1),
      c2: mix(fp.lo, (i + 1) ^ 0x5bd1e995),
      outcomes: new Map(),
      choices: undefined,
      choiceOutcomes: undefined,
    };
    memo.set(canonical, info);
    return info;
  }

  envelope(env: Envelope): Envelope {
    const canonical = this.interner.intern(env);
    this.itemInfoFrom(canonical, C_NETWORK, this.net.channel(canonical));
    return canonical;
  }

  private timerEntry(node: NodeId, timer: unknown): TimerEntry {
    const canonical = this.interner.intern({ node, timer });
    this.itemInfoFrom(canonical, C_TIMER, 0);
    return canonical;
  }

  private itemInfoFrom(item: object, salt: number, channel: number): void {
    if (this.items.has(item)) return;
    deepFreeze(item);
    const fp = this.interner.last;
    const id = this.itemCount++;
    this.items.set(item, { item, id, c1: mix(fp.hi, salt), c2: mix(fp.lo, salt ^ 0x27d4eb2f), channel });
  }

  /** The network's fingerprint contribution (interning envelopes not seen yet: states from outside, as in replays). */
  networkHash(network: readonly Envelope[]): Fingerprint {
    let known = network;
    for (let k = 0; k < network.length; k++) {
      if (this.items.has(network[k]!)) continue;
      known = network.map((e) => this.envelope(e));
      break;
    }
    const out = { hi: 0, lo: 0 };
    this.net.hash(known, this.items, out);
    return out;
  }
}
