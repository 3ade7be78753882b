/**
 * Fault injection: the successors a fault budget allows besides the
 * protocol's own steps — losing, duplicating or corrupting a message in
 * flight, crashing a node and restarting it. Faults are never fair (see
 * Fairness), so each is pushed as a fault except a restart: a crashed node
 * is expected to come back.
 */
import { deepEqual, type Fingerprint } from "../fingerprint.js";
import type { SuccessorSink } from "../spec.js";
import { invalidFault, UserCodeError } from "../user-code.js";
import { describeInput, type Envelope, type FaultBudget, type NodeId, type ProtocolState } from "./api.js";
import { faultHash, removeAt } from "./hashing.js";
import type { ItemTable, NetworkSemantics } from "./network.js";
import { userCall } from "./user-call.js";

/** What fault injection needs of the model. */
export interface FaultHost {
  readonly spec: string;
  readonly nodeIds: readonly NodeId[];
  readonly nodeRoleNames: readonly string[];
  readonly net: NetworkSemantics;
  readonly items: ItemTable;
  /** The network's fingerprint contribution (a fresh object). */
  networkHash(network: readonly Envelope[]): Fingerprint;
  fingerprint(state: ProtocolState, out: Fingerprint): void;
  /** The interned envelope equal to `env`. */
  envelope(env: Envelope): Envelope;
  /** The state after node `i` restarts from its durable fields. */
  restarted(state: ProtocolState, i: number): ProtocolState;
}

/** The fault budget with every count given. */
export type FaultCounts = Required<Omit<FaultBudget, "crashRoles" | "corruptions">>;

/** The fault successors of a protocol's states, within its budget. */
export class FaultInjector {
  readonly budget: FaultCounts;
  private readonly crashRoles: readonly string[] | undefined;
  private readonly corruptions: ((msg: unknown) => readonly unknown[]) | undefined;
  /** The corrupted envelopes of each envelope, computed once. */
  private readonly corrupted = new Map<Envelope, readonly Envelope[]>();
  private readonly scratch: Fingerprint = { hi: 0, lo: 0 };

  constructor(
    budget: FaultBudget,
    private readonly host: FaultHost,
  ) {
    this.budget = {
      loss: budget.loss ?? 0,
      duplicate: budget.duplicate ?? 0,
      crash: budget.crash ?? 0,
      corrupt: budget.corrupt ?? 0,
    };
    this.crashRoles = budget.crashRoles;
    this.corruptions = budget.corruptions;
  }

  /** Why the budget cannot be used with this protocol (a sentence's end), or undefined. */
  refusal(): string | undefined {
    if (this.budget.corrupt > 0 && this.corruptions === undefined)
      return "a corrupt budget needs `corruptions: (msg) => [...]`, the forms a corrupted message arrives in";
    return this.host.net.refusal(this.budget);
  }

  /** Pushes every fault successor of `state` (fingerprint `fp`). */
  successors(state: ProtocolState, fp: Fingerprint, sink: SuccessorSink<ProtocolState>): void {
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
    const ids = this.host.nodeIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const isDown = state.down.includes(id);
      const crashable = this.crashRoles === undefined || this.crashRoles.includes(this.host.nodeRoleNames[i]!);
      if (!isDown && crashable && f.crashed < this.budget.crash)
        this.crash(state, sink, id, labels ? `crash ${id}` : "");
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
        const network = this.host.net.replace(net, k, bad, this.host.items);
        const label = sink.labels
          ? `corrupt ${describeInput(env.msg)} ${env.from}→${String(env.to)} into ${describeInput(bad.msg)}`
          : "";
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
    forms = raw
      .filter((m) => !deepEqual(m, env.msg))
      .map((m) => this.host.envelope({ from: env.from, to: env.to, msg: m }));
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
    const old = this.host.networkHash(state.network);
    const now = this.host.networkHash(network);
    const out = this.scratch;
    out.hi = (fp.hi - old.hi + now.hi - faultHash(state.faults, 1) + faultHash(faults, 1)) >>> 0;
    out.lo = (fp.lo - old.lo + now.lo - faultHash(state.faults, 2) + faultHash(faults, 2)) >>> 0;
    sink.push(next, out, label, true);
  }

  private crash(state: ProtocolState, sink: SuccessorSink<ProtocolState>, id: NodeId, label: string): void {
    const next: ProtocolState = {
      ...state,
      down: [...state.down, id].sort(),
      timers: state.timers.filter((t) => t.node !== id),
      faults: { ...state.faults, crashed: state.faults.crashed + 1 },
    };
    this.host.fingerprint(next, this.scratch);
    sink.push(next, this.scratch, label, true);
  }

  private restart(state: ProtocolState, sink: SuccessorSink<ProtocolState>, i: number, label: string): void {
    const next = this.host.restarted(state, i);
    this.host.fingerprint(next, this.scratch);
    // Not a fault: a crashed node is expected to come back, so a state waiting for that is not final.
    sink.push(next, this.scratch, label);
  }
}
