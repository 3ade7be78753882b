/**
 * The state-based PN-Counter of Shapiro, Preguiça, Baquero and Zawirski,
 * "Conflict-free replicated data types" (2011): a replicated counter that
 * goes up and down, the seeds' example of eventual consistency.
 *
 * A PN-Counter is two grow-only counters, one of increments (P) and one of
 * decrements (N), each with one entry per replica; the value is the sum of P
 * less the sum of N. A decrement is an increment of N, so both halves only
 * grow, and the merge is the entry-wise maximum of each half: idempotent,
 * commutative and associative. That is what lets replicas ship their whole
 * state over a network that duplicates and reorders: a duplicate or an old
 * state merges to nothing new, and once every replica has merged every
 * other's latest state they all hold the same entries, whose value is the
 * increments less the decrements issued anywhere.
 *
 * The counter functions live in `g-counter.ts` beside the G-Counter they are
 * built from and are re-exported here; this module adds the replica role. A
 * replica sends its state to every peer each time its own application changes
 * it; the network is reliable but duplicates and reorders (losses are
 * g-counter's anti-entropy story), so no retransmission is needed.
 *
 * The model: `replicas` replicas whose applications each issue `ops`
 * operations, each an increment or a decrement (counted per replica by a
 * ghost, never by the counter under test), over an unordered network that may
 * duplicate `duplicates` messages.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  broadcast,
  defineProtocol,
  defineRole,
  int,
  invariant,
  numberedIds,
  type NodeId,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";
import {
  emptyPNCounter,
  gCounterEquals,
  pnCounterDecrement,
  pnCounterIncrement,
  pnCounterMerge,
  pnCounterValue,
  type PNCounter,
} from "./g-counter.js";

export {
  emptyPNCounter,
  pnCounterDecrement,
  pnCounterIncrement,
  pnCounterMerge,
  pnCounterValue,
  type PNCounter,
} from "./g-counter.js";

/** True when two PN-counters hold the same entries in both halves. */
export function pnCounterEquals(a: PNCounter, b: PNCounter): boolean {
  return gCounterEquals(a.p, b.p) && gCounterEquals(a.n, b.n);
}

/** "Here is my whole state": the only message, merged on arrival. */
export interface PNStateMessage {
  readonly type: "State";
  readonly counter: PNCounter;
}

/** What a replica reacts to: its application's operations and peers' states. */
export type PNCounterInput = { readonly type: "Increment" } | { readonly type: "Decrement" } | PNStateMessage;

/** A replica's state: its counter. */
export interface PNCounterReplica {
  readonly counter: PNCounter;
}

/** How a replica merges a received state into its own (the join; a variant breaks it). */
export type PNMergeRule = (own: PNCounter, received: PNCounter) => PNCounter;

type Step = ReturnType<RoleDef<PNCounterReplica, PNCounterInput, PNStateMessage>["reduce"]>;

/** A replica with the given merge rule (the exported role uses the join). */
export function pnCounterReplicaWith(merge: PNMergeRule): RoleDef<PNCounterReplica, PNCounterInput, PNStateMessage> {
  const changeAndShip = (counter: PNCounter, self: NodeId, nodes: readonly NodeId[]): Step =>
    become<PNCounterReplica, PNStateMessage>(
      { counter },
      broadcast(
        nodes.filter((n) => n !== self),
        { type: "State", counter },
      ),
    );
  return defineRole<PNCounterReplica, PNCounterInput, PNStateMessage>({
    init: () => ({ counter: emptyPNCounter }),
    reduce: (s, input, ctx) =>
      match(input)
        .with({ type: "Increment" }, () => changeAndShip(pnCounterIncrement(s.counter, ctx.self), ctx.self, ctx.nodes))
        .with({ type: "Decrement" }, () => changeAndShip(pnCounterDecrement(s.counter, ctx.self), ctx.self, ctx.nodes))
        .with({ type: "State" }, (m) => become<PNCounterReplica>({ counter: merge(s.counter, m.counter) }))
        .exhaustive(),
  });
}

/**
 * A PN-Counter replica: applies its application's increments and decrements
 * to its own entries and sends its whole state to every peer; merges a
 * received state by the entry-wise maximum of each half.
 * @example
 * const ctx = { self: "r1", from: undefined, kind: "choice", params: {}, nodes: ["r1", "r2"], roles: {} } as const;
 * pnCounterReplica.reduce({ counter: emptyPNCounter }, { type: "Decrement" }, ctx)
 * // state { counter: { p: {}, n: { r1: 1 } } }; sends State{counter} to r2
 */
export const pnCounterReplica = pnCounterReplicaWith(pnCounterMerge);

/** The bug: entries are added, as if a received state held only new operations. */
const mergeBySum: PNMergeRule = (own, received) => {
  const add = (a: Readonly<Record<NodeId, number>>, b: Readonly<Record<NodeId, number>>) => {
    const sum: Record<NodeId, number> = { ...a };
    for (const [replica, n] of Object.entries(b)) sum[replica] = (sum[replica] ?? 0) + n;
    return sum;
  };
  return { p: add(own.p, received.p), n: add(own.n, received.n) };
};

// ---------------------------------------------------------------------------
// The model: each replica's application issues `ops` operations, counted by a ghost.
// ---------------------------------------------------------------------------

/** A modelled replica: the application's replica, and the increments and decrements its application issued (ghosts). */
export interface ModelPNReplica extends PNCounterReplica {
  readonly increments: number;
  readonly decrements: number;
}

interface Params {
  readonly replicas: number;
  readonly ops: number;
  readonly duplicates: number;
}

type State = ProtocolState<ModelPNReplica, PNStateMessage>;

/** Runs `replica` under an application that issues `ops` operations, each an increment or a decrement. */
function application(
  replica: RoleDef<PNCounterReplica, PNCounterInput, PNStateMessage>,
): RoleDef<ModelPNReplica, PNCounterInput, PNStateMessage, never, Params> {
  const operations: PNCounterInput[] = [{ type: "Increment" }, { type: "Decrement" }];
  return defineRole<ModelPNReplica, PNCounterInput, PNStateMessage, never, Params>({
    init: (ctx) => ({ ...replica.init(ctx), increments: 0, decrements: 0 }),
    choices: (s, ctx) => (s.increments + s.decrements < ctx.params.ops ? operations : []),
    reduce: (s, input, ctx) => {
      const step = replica.reduce({ counter: s.counter }, input, ctx);
      if (step === undefined) return undefined;
      return {
        state: {
          counter: step.state.counter,
          increments: s.increments + (input.type === "Increment" ? 1 : 0),
          decrements: s.decrements + (input.type === "Decrement" ? 1 : 0),
        },
        effects: step.effects,
      };
    },
  });
}

/** True when no entry of `counter` exceeds the operations of that kind its replica's application issued. */
export function countsEachOperationAtMostOnce(
  counter: PNCounter,
  issued: Readonly<Record<NodeId, { readonly increments: number; readonly decrements: number }>>,
): boolean {
  for (const [replica, n] of Object.entries(counter.p)) if (n > (issued[replica]?.increments ?? 0)) return false;
  for (const [replica, n] of Object.entries(counter.n)) if (n > (issued[replica]?.decrements ?? 0)) return false;
  return true;
}

function issuedBalance(s: State): number {
  let balance = 0;
  for (const r of Object.values(s.nodes)) balance += r.increments - r.decrements;
  return balance;
}

/** The state-based PN-Counter CRDT over a duplicating, reordering network. */
export const pnCounter = defineProtocol({
  name: "pn-counter",
  description:
    "state-based PN-Counter CRDT: two G-Counters merged entry-wise by max; over a duplicating, reordering network every replica's value is increments - decrements once merged",
  params: {
    replicas: int(2, { min: 2, max: 3, description: "number of replicas" }),
    ops: int(2, {
      min: 1,
      max: 3,
      description: "operations (an increment or a decrement each) per replica's application",
    }),
    duplicates: int(1, { min: 0, max: 2, description: "how many messages the network may duplicate" }),
  },
  network: "unordered",
  nodes: (p) => ({ replica: numberedIds("r", p.replicas) }),
  roles: { replica: application(pnCounterReplica) },
  faults: (p) => ({ duplicate: p.duplicates }),
  symmetry: ["replica"],
  properties: {
    eachOperationCountedAtMostOnce: invariant<State, Params>(
      (s) => Object.values(s.nodes).every((r) => countsEachOperationAtMostOnce(r.counter, s.nodes)),
      "no replica's entry for a replica exceeds the increments (P) or decrements (N) that replica's application issued (ghost counts): a duplicated or echoed state is not counted twice",
    ),
    valueIsIncrementsMinusDecrementsOnceMerged: atTermination<State, Params>((s) => {
      const [first, ...rest] = Object.values(s.nodes);
      if (first === undefined) return true;
      return (
        pnCounterValue(first.counter) === issuedBalance(s) &&
        rest.every((r) => pnCounterEquals(r.counter, first.counter))
      );
    }, "when every state has been delivered, every replica holds the same entries and its value is the increments less the decrements issued anywhere"),
  },
  variants: {
    "merge-by-sum": {
      description:
        "merge adds the received entries to its own: a duplicated state, or one that already holds operations this replica merged, is counted again",
      violates: "eachOperationCountedAtMostOnce",
      roles: { replica: application(pnCounterReplicaWith(mergeBySum)) },
    },
  },
});
