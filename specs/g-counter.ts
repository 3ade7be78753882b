/**
 * The state-based grow-only counter (G-Counter) of Shapiro, Preguiça,
 * Baquero and Zawirski, "Conflict-free replicated data types" (2011), and its
 * PN-Counter extension: the "eventually visible replicated counter" the
 * seeds quote from Burckhardt et al. as the example of eventual consistency.
 *
 * Each replica keeps one entry per replica and increments only its own; the
 * value is the sum of the entries. Replicas gossip their whole state, and a
 * replica merges a state it receives by taking the entry-wise maximum. That
 * merge is idempotent, commutative and associative, so the network may
 * duplicate, reorder and delay messages at will: a duplicate changes nothing,
 * the order of merges does not matter, and when every replica has seen every
 * other's latest state they all hold the same entries, whose sum is the
 * number of increments issued anywhere.
 *
 * Gossip here is push-pull with anti-entropy: a replica sends its state to
 * every peer not known to hold it when its state changes; a peer answers
 * with its merged state (an `Ack` when that is what it was sent, a `Gossip`
 * when it knows more); a replica remembers what each peer has shown it, and
 * while a peer is not known to hold its state a retransmission timer sends
 * it again, so a lost message is repaired.
 *
 * The exported `gCounterReplica` role and the counter functions are what an
 * application uses. The model runs `replicas` replicas that each issue
 * `increments` increments (counted by a ghost, never by the counter under
 * test) over an unordered network that may lose `loss` and duplicate
 * `duplicates` messages, and lets each retransmission timer fire at any
 * moment (a timeout is a guess), at most `resends` times per peer and state:
 * a model bound kept outside the exported reducer. Time is only the order of
 * these events; no clock is needed.
 */
import { match } from "ts-pattern";
import {
  atTermination,
  become,
  cancelTimer,
  defineProtocol,
  defineRole,
  eventually,
  int,
  invariant,
  numberedIds,
  onEveryStep,
  send,
  setTimer,
  type Effect,
  type NodeId,
  type ProtocolState,
  type RoleDef,
} from "../src/index.js";

// ---------------------------------------------------------------------------
// The counters: plain data and pure functions.
// ---------------------------------------------------------------------------

/**
 * A grow-only counter: increments seen from each replica. Entries that are 0
 * are absent, so every counter has one plain-data form.
 */
export type GCounter = Readonly<Record<NodeId, number>>;

/** The counter no replica has incremented. */
export const emptyGCounter: GCounter = {};

/**
 * Replica `self` counts one more.
 * @example gCounterIncrement({ r2: 1 }, "r1") // { r2: 1, r1: 1 }
 */
export function gCounterIncrement(counter: GCounter, self: NodeId): GCounter {
  return { ...counter, [self]: (counter[self] ?? 0) + 1 };
}

/**
 * The join of two counters: the entry-wise maximum. Idempotent, commutative
 * and associative, which is what makes gossip over a duplicating, reordering
 * network safe.
 * @example gCounterMerge({ r1: 2 }, { r1: 1, r2: 1 }) // { r1: 2, r2: 1 }
 */
export function gCounterMerge(a: GCounter, b: GCounter): GCounter {
  const merged: Record<NodeId, number> = { ...a };
  for (const [replica, n] of Object.entries(b)) if (n > (merged[replica] ?? 0)) merged[replica] = n;
  return merged;
}

/** The counter's value: the increments of all replicas. */
export function gCounterValue(counter: GCounter): number {
  let sum = 0;
  for (const n of Object.values(counter)) sum += n;
  return sum;
}

/**
 * True when `a` is below or equal to `b` entry-wise: a replica holding `b`
 * has seen every increment `a` has.
 * @example gCounterLeq({ r1: 1 }, { r1: 1, r2: 3 }) // true
 */
export function gCounterLeq(a: GCounter, b: GCounter): boolean {
  for (const [replica, n] of Object.entries(a)) if (n > (b[replica] ?? 0)) return false;
  return true;
}

/** True when two counters hold the same entries. */
export function gCounterEquals(a: GCounter, b: GCounter): boolean {
  return gCounterLeq(a, b) && gCounterLeq(b, a);
}

/**
 * A counter that also decrements (PN-Counter): two grow-only counters, one of
 * increments and one of decrements; the value is their difference.
 */
export interface PNCounter {
  readonly p: GCounter;
  readonly n: GCounter;
}

/** The PN-counter no replica has touched. */
export const emptyPNCounter: PNCounter = { p: emptyGCounter, n: emptyGCounter };

/** Replica `self` adds one. */
export function pnCounterIncrement(counter: PNCounter, self: NodeId): PNCounter {
  return { p: gCounterIncrement(counter.p, self), n: counter.n };
}

/** Replica `self` subtracts one (an increment of its decrement counter: both halves only grow). */
export function pnCounterDecrement(counter: PNCounter, self: NodeId): PNCounter {
  return { p: counter.p, n: gCounterIncrement(counter.n, self) };
}

/** The join of two PN-counters: each half merged on its own. */
export function pnCounterMerge(a: PNCounter, b: PNCounter): PNCounter {
  return { p: gCounterMerge(a.p, b.p), n: gCounterMerge(a.n, b.n) };
}

/**
 * The PN-counter's value: increments less decrements.
 * @example pnCounterValue(pnCounterDecrement(pnCounterIncrement(emptyPNCounter, "r1"), "r2")) // 0
 */
export function pnCounterValue(counter: PNCounter): number {
  return gCounterValue(counter.p) - gCounterValue(counter.n);
}

// ---------------------------------------------------------------------------
// The replica: gossip with acknowledgements and anti-entropy.
// ---------------------------------------------------------------------------

/** "Here is my state; answer with yours." */
export interface GossipMessage {
  readonly type: "Gossip";
  readonly counter: GCounter;
}

/** "I hold this state, which includes what you sent me." No answer is expected. */
export interface AckMessage {
  readonly type: "Ack";
  readonly counter: GCounter;
}

/** The messages replicas exchange: both carry the sender's whole state. */
export type GCounterMessage = GossipMessage | AckMessage;

/** The retransmission timer for peer `to`: armed while `to` is not known to hold this replica's state. */
export interface AntiEntropyTimer {
  readonly type: "AntiEntropy";
  readonly to: NodeId;
}

/** The replica's application counts one more. */
export interface IncrementInput {
  readonly type: "Increment";
}

/** What a replica reacts to. */
export type GCounterInput = IncrementInput | GCounterMessage | AntiEntropyTimer;

/** A replica: its counter, and for each peer the largest state that peer has shown it holds. */
export interface GCounterReplica {
  readonly counter: GCounter;
  /** Per peer: the merge of every state received from it (a peer's counter only grows, so it holds at least this). */
  readonly confirmed: Readonly<Record<NodeId, GCounter>>;
}

/** How a replica merges a received state into its own (the entry-wise maximum; variants break it). */
export type MergeRule = (own: GCounter, received: GCounter) => GCounter;

/** The options of {@link gCounterReplicaWith}. */
export interface ReplicaOptions {
  readonly merge: MergeRule;
  /** When false, the retransmission timer is never armed: gossip is sent once per change. */
  readonly antiEntropy: boolean;
}

type ReplicaStep = ReturnType<RoleDef<GCounterReplica, GCounterInput, GCounterMessage, AntiEntropyTimer>["reduce"]>;

function peersOf(self: NodeId, nodes: readonly NodeId[]): NodeId[] {
  return nodes.filter((n) => n !== self);
}

/** True when `peer` is known to hold everything this replica holds. */
export function peerHoldsState(replica: GCounterReplica, peer: NodeId): boolean {
  return gCounterLeq(replica.counter, replica.confirmed[peer] ?? emptyGCounter);
}

/**
 * Effects that keep the timers in step with the bookkeeping: send the state
 * to each peer in `gossipTo` and arm its timer; disarm the timer of every
 * peer now known to hold the state.
 */
function gossipEffects(
  next: GCounterReplica,
  peers: readonly NodeId[],
  gossipTo: readonly NodeId[],
  options: ReplicaOptions,
): Effect<GCounterMessage, AntiEntropyTimer>[] {
  const effects: Effect<GCounterMessage, AntiEntropyTimer>[] = [];
  for (const peer of peers) {
    if (gossipTo.includes(peer)) {
      effects.push(send(peer, { type: "Gossip", counter: next.counter }));
      if (options.antiEntropy) effects.push(setTimer({ type: "AntiEntropy", to: peer }));
    } else if (options.antiEntropy && peerHoldsState(next, peer)) {
      effects.push(cancelTimer({ type: "AntiEntropy", to: peer }));
    }
  }
  return effects;
}

/** A replica with the given merge rule and retransmission policy (the exported role uses the correct ones). */
export function gCounterReplicaWith(
  options: ReplicaOptions,
): RoleDef<GCounterReplica, GCounterInput, GCounterMessage, AntiEntropyTimer> {
  /** The replica after merging the state in `msg` from `from`, with its answer to a Gossip first. */
  const receive = (s: GCounterReplica, msg: GCounterMessage, from: NodeId, peers: readonly NodeId[]): ReplicaStep => {
    const received = msg.counter;
    const counter = options.merge(s.counter, received);
    const next: GCounterReplica = {
      counter,
      confirmed: { ...s.confirmed, [from]: gCounterMerge(s.confirmed[from] ?? emptyGCounter, received) },
    };
    const changed = !gCounterEquals(counter, s.counter);
    // A Gossip is answered with the merged state: an Ack when the sender already holds all of it, a Gossip when it
    // lacks some.
    const answer = msg.type === "Gossip";
    const answerWithGossip = answer && !gCounterEquals(counter, received);
    const reply: Effect<GCounterMessage, AntiEntropyTimer>[] =
      answer && !answerWithGossip ? [send(from, { type: "Ack", counter })] : [];
    const gossipTo = peers.filter((p) =>
      answer && p === from ? answerWithGossip : changed && !peerHoldsState(next, p),
    );
    return { state: next, effects: [...reply, ...gossipEffects(next, peers, gossipTo, options)] };
  };
  return defineRole<GCounterReplica, GCounterInput, GCounterMessage, AntiEntropyTimer>({
    init: () => ({ counter: emptyGCounter, confirmed: {} }),
    reduce: (s, input, ctx) => {
      const peers = peersOf(ctx.self, ctx.nodes);
      return match(input)
        .with({ type: "Increment" }, () => {
          const next: GCounterReplica = { ...s, counter: gCounterIncrement(s.counter, ctx.self) };
          const gossipTo = peers.filter((p) => !peerHoldsState(next, p));
          return become(next, ...gossipEffects(next, peers, gossipTo, options));
        })
        .with({ type: "Gossip" }, { type: "Ack" }, (m) => receive(s, m, ctx.from!, peers))
        .with({ type: "AntiEntropy" }, (t) => {
          if (!options.antiEntropy || peerHoldsState(s, t.to)) return undefined;
          return become<GCounterReplica, GCounterMessage, AntiEntropyTimer>(
            s,
            send(t.to, { type: "Gossip", counter: s.counter }),
            setTimer({ type: "AntiEntropy", to: t.to }),
          );
        })
        .exhaustive();
    },
  });
}

/**
 * A G-Counter replica: increments its own entry, gossips its state to peers
 * not known to hold it, merges what it receives by entry-wise maximum,
 * answers every Gossip with its merged state, and retransmits on a timer
 * until each peer has shown it holds the state.
 * @example
 * const ctx = { self: "r1", from: undefined, kind: "choice", params: {}, nodes: ["r1", "r2"], roles: {} } as const;
 * gCounterReplica.reduce(gCounterReplica.init(ctx), { type: "Increment" }, ctx)
 * // state { counter: { r1: 1 }, confirmed: {} }; sends Gossip{counter:{r1:1}} to r2 and arms AntiEntropy{to:"r2"}
 */
export const gCounterReplica = gCounterReplicaWith({ merge: gCounterMerge, antiEntropy: true });

/** The bug: entries are added, as if each received state were new increments. */
const mergeBySum: MergeRule = (own, received) => {
  const sum: Record<NodeId, number> = { ...own };
  for (const [replica, n] of Object.entries(received)) sum[replica] = (sum[replica] ?? 0) + n;
  return sum;
};

/** The bug: the received state replaces the replica's own (last writer wins). */
const lastWriterWins: MergeRule = (_own, received) => received;

// ---------------------------------------------------------------------------
// The model: each replica's application issues `increments` increments (a
// ghost count); each retransmission timer fires at most `resends` times per
// peer for the same state.
// ---------------------------------------------------------------------------

/**
 * A modelled replica: the application's replica, the increments its application issued, and retransmissions made per
 * peer since its state last changed.
 */
export interface ModelReplica extends GCounterReplica {
  readonly issued: number;
  readonly resent: Readonly<Record<NodeId, number>>;
}

interface Params {
  readonly replicas: number;
  readonly increments: number;
  readonly loss: number;
  readonly duplicates: number;
  readonly resends: number;
}

type State = ProtocolState<ModelReplica, GCounterMessage, AntiEntropyTimer>;

/** The replica ids: r1..rN. */
export function replicaIds(n: number): readonly NodeId[] {
  return numberedIds("r", n);
}

/**
 * Runs `replica` under an application that increments `increments` times, with at most `resends` retransmissions per
 * peer and state.
 */
function application(
  replica: RoleDef<GCounterReplica, GCounterInput, GCounterMessage, AntiEntropyTimer>,
  options: { readonly afterBudget: "disable" | "ignore" } = { afterBudget: "disable" },
): RoleDef<ModelReplica, GCounterInput, GCounterMessage, AntiEntropyTimer, Params> {
  const increment: IncrementInput = { type: "Increment" };
  return defineRole<ModelReplica, GCounterInput, GCounterMessage, AntiEntropyTimer, Params>({
    init: (ctx) => ({ ...replica.init(ctx), issued: 0, resent: {} }),
    choices: (s, ctx) => (s.issued < ctx.params.increments ? [increment] : []),
    reduce: (s, input, ctx) => {
      const { issued, resent, ...app } = s;
      if (input.type === "AntiEntropy" && (resent[input.to] ?? 0) >= ctx.params.resends) {
        // The model bound disables the timer; the broken replica's timer keeps firing (re-armed) and sends nothing.
        return options.afterBudget === "disable"
          ? undefined
          : become<ModelReplica, GCounterMessage, AntiEntropyTimer>(s, setTimer(input));
      }
      const step = replica.reduce(app, input, ctx);
      if (step === undefined) return undefined;
      const changed = !gCounterEquals(step.state.counter, app.counter);
      const nextResent = changed
        ? {}
        : input.type === "AntiEntropy"
          ? { ...resent, [input.to]: (resent[input.to] ?? 0) + 1 }
          : resent;
      return {
        state: { ...step.state, issued: input.type === "Increment" ? issued + 1 : issued, resent: nextResent },
        effects: step.effects,
      };
    },
  });
}

function replicasOf(s: State): ModelReplica[] {
  return Object.values(s.nodes);
}

function totalIssued(s: State): number {
  let total = 0;
  for (const r of replicasOf(s)) total += r.issued;
  return total;
}

/** The state-based G-Counter CRDT, gossiped with anti-entropy over a lossy, duplicating, reordering network. */
export const gCounter = defineProtocol({
  name: "g-counter",
  description:
    "state-based G-Counter CRDT: merge by entry-wise max makes gossip over a duplicating, reordering, lossy network converge to the number of increments",
  params: {
    replicas: int(2, { min: 2, max: 4, description: "number of replicas" }),
    increments: int(1, { min: 1, max: 3, description: "increments each replica's application issues" }),
    loss: int(1, { min: 0, max: 2, description: "how many messages the network may lose" }),
    duplicates: int(1, { min: 0, max: 2, description: "how many messages the network may duplicate" }),
    resends: int(1, {
      min: 0,
      max: 3,
      description: "retransmissions per peer and state (keep at or above the loss budget)",
    }),
  },
  network: "unordered",
  nodes: (p) => ({ replica: replicaIds(p.replicas) }),
  roles: { replica: application(gCounterReplica) },
  faults: (p) => ({ loss: p.loss, duplicate: p.duplicates }),
  symmetry: ["replica"],
  // Gossip is fair: increments are issued, timers fire and messages are received when they can be, and a
  // state sent again and again is eventually delivered although each copy may be lost.
  fairness: { weak: ["*"], network: "fair" },
  properties: {
    valueNeverDecreasesAtAReplica: onEveryStep<State, Params>(
      (prev, next) =>
        Object.entries(next.nodes).every(
          ([id, r]) => gCounterValue(r.counter) >= gCounterValue(prev.nodes[id]!.counter),
        ),
      "a replica's value never goes down: no merge loses an increment it had seen",
    ),
    valueNeverExceedsIncrements: invariant<State, Params>((s) => {
      const total = totalIssued(s);
      return replicasOf(s).every((r) => gCounterValue(r.counter) <= total);
    }, "a replica's value is at most the number of increments issued anywhere (a ghost count): duplicated or echoed states are not counted twice"),
    replicasConverge: atTermination<State, Params>((s) => {
      const [first, ...rest] = replicasOf(s);
      if (first === undefined) return true;
      return (
        gCounterValue(first.counter) === totalIssued(s) && rest.every((r) => gCounterEquals(r.counter, first.counter))
      );
    }, "when nothing more can happen, every replica holds the same entries and its value is the number of increments issued"),
    replicasEventuallyConverge: eventually<State, Params>((s, p) => {
      const [first, ...rest] = replicasOf(s);
      if (first === undefined) return true;
      return (
        gCounterValue(first.counter) === p.replicas * p.increments &&
        rest.every((r) => gCounterEquals(r.counter, first.counter))
      );
    }, "on every fair behaviour (fair gossip) the replicas come to hold the same entries, whose sum is every increment issued, whether or not the run ever ends"),
  },
  variants: {
    "gossip-gives-up": {
      description:
        "a replica stops retransmitting to a peer after `resends` tries (0 here) while its timer keeps firing: one lost gossip keeps the replicas apart forever",
      violates: "replicasEventuallyConverge",
      params: { resends: 0 },
      roles: { replica: application(gCounterReplica, { afterBudget: "ignore" }) },
    },
    "merge-by-sum": {
      description: "merge adds the received entries to its own: an echoed or duplicated state is counted again",
      violates: "valueNeverExceedsIncrements",
      roles: { replica: application(gCounterReplicaWith({ merge: mergeBySum, antiEntropy: true })) },
    },
    "last-writer-wins": {
      description: "a replica replaces its state with the one it receives: increments it had seen are lost",
      violates: "valueNeverDecreasesAtAReplica",
      roles: { replica: application(gCounterReplicaWith({ merge: lastWriterWins, antiEntropy: true })) },
    },
    "no-anti-entropy": {
      description:
        "a replica gossips once per change and never retransmits: a lost message is never repaired and the replicas stay apart",
      violates: "replicasConverge",
      roles: { replica: application(gCounterReplicaWith({ merge: gCounterMerge, antiEntropy: false })) },
    },
  },
});
