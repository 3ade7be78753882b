/**
 * Multi-leader replication (the seeds' replication chapter): two leaders, say
 * one per datacenter, each accept writes to the same key and send them to the
 * other asynchronously. Writes accepted concurrently on both sides conflict,
 * and the replicas must agree on how to resolve that:
 *
 * - Last writer wins by (timestamp, node): each leader keeps a Lamport clock,
 *   stamps a write with (clock + 1, itself), and of two conflicting values
 *   keeps the higher stamp. Every leader applies the same rule to the same
 *   pair, so once every exchange has been delivered all replicas are equal,
 *   whatever the order of delivery. Resolving by arrival order (the value
 *   that arrives last wins) does not converge.
 * - LWW silently discards one of two concurrent writes, so a version vector
 *   travels with each value: an incoming value whose vector is below the
 *   leader's is old news, one above is a causal successor (no conflict), and
 *   one incomparable is a concurrent write, which the leader reports as a
 *   conflict (both values) before resolving it. Comparing timestamps alone
 *   cannot tell a concurrent write from a successor, and loses writes without
 *   a trace.
 *
 * The model: leaders `L1` and `L2` each accept `writes` writes (values `L1.1`,
 * `L1.2`, ...) and send each one to the other; the exchange delivers in any
 * order. A ghost records each write's causal past (the writes its leader had
 * seen), against which the conflict reports are checked.
 */
import { atTermination, choose, defineSpec, int, invariant, type NodeId } from "../src/index.js";

/** A version vector: writes seen from each leader (absent entries are 0). */
export type VersionVector = Readonly<Record<NodeId, number>>;

/**
 * True when `a` is below or equal to `b` entry-wise: whoever holds `b` has
 * seen every write `a` has.
 * @example vvLeq({ L1: 1 }, { L1: 1, L2: 2 }) // true
 */
export function vvLeq(a: VersionVector, b: VersionVector): boolean {
  for (const [node, n] of Object.entries(a)) if (n > (b[node] ?? 0)) return false;
  return true;
}

/** The entry-wise maximum: what a leader has seen after merging. */
export function vvMerge(a: VersionVector, b: VersionVector): VersionVector {
  const out: Record<NodeId, number> = { ...a };
  for (const [node, n] of Object.entries(b)) if (n > (out[node] ?? 0)) out[node] = n;
  return out;
}

/** A last-writer-wins stamp: Lamport timestamp, then node id to break ties. */
export interface Stamp {
  readonly ts: number;
  readonly node: NodeId;
}

/**
 * True when stamp `a` wins over `b`.
 * @example stampAbove({ ts: 1, node: "L2" }, { ts: 1, node: "L1" }) // true
 */
export function stampAbove(a: Stamp, b: Stamp): boolean {
  return a.ts !== b.ts ? a.ts > b.ts : a.node > b.node;
}

/** A replicated value: the write's value, its stamp and the version vector of what its holder had seen. */
export interface Versioned {
  readonly value: string | null;
  readonly stamp: Stamp;
  readonly vv: VersionVector;
}

/** A leader's state: the value it holds (with that value's own vector), and what it has seen. */
export interface Leader extends Versioned {
  /** Every write this leader has seen, as a version vector (its own and merged ones). */
  readonly known: VersionVector;
  /** Lamport clock: the highest timestamp seen. */
  readonly clock: number;
  /** Conflicts reported: pairs of concurrent values, each sorted, the list sorted. */
  readonly conflicts: readonly (readonly [string, string])[];
}

/** How a leader merges an incoming value: `vectors` detects concurrency; `resolve` picks the survivor. */
export interface MergeOptions {
  readonly detect: "version-vectors" | "timestamps-only";
  readonly resolve: "last-writer-wins" | "arrival-order";
}

/** What the incoming value is to the leader: old news, a causal successor, or a concurrent write. */
export type Relation = "seen" | "successor" | "concurrent";

/**
 * How an incoming value relates to the leader's.
 * @example
 * const incoming = { value: "L2.1", stamp: { ts: 1, node: "L2" }, vv: { L2: 1 } };
 * relate(acceptWrite(emptyLeader, "L1", "L1.1"), incoming, "version-vectors") // "concurrent"
 */
export function relate(leader: Leader, incoming: Versioned, detect: MergeOptions["detect"]): Relation {
  if (detect === "timestamps-only") return stampAbove(incoming.stamp, leader.stamp) ? "successor" : "seen";
  if (vvLeq(incoming.vv, leader.known)) return "seen";
  // The incoming write saw the value held here: it overwrites it by causality, no conflict.
  return vvLeq(leader.vv, incoming.vv) ? "successor" : "concurrent";
}

function withConflict(conflicts: Leader["conflicts"], a: string | null, b: string | null): Leader["conflicts"] {
  if (a === null || b === null) return conflicts;
  const pair: readonly [string, string] = a < b ? [a, b] : [b, a];
  if (conflicts.some(([x, y]) => x === pair[0] && y === pair[1])) return conflicts;
  return [...conflicts, pair].sort((p, q) => (p[0] + "|" + p[1] < q[0] + "|" + q[1] ? -1 : 1));
}

/** A leader accepts a client's write of `value`: stamped (clock + 1, self), its own vector entry counted up. */
export function acceptWrite(leader: Leader, self: NodeId, value: string): Leader {
  const ts = leader.clock + 1;
  const known = { ...leader.known, [self]: (leader.known[self] ?? 0) + 1 };
  return { ...leader, value, stamp: { ts, node: self }, clock: ts, vv: known, known };
}

/**
 * A leader merges a value from the other leader: ignores old news, adopts a
 * successor, and for a concurrent write reports the conflict and keeps the
 * higher stamp (with the default options).
 */
export function receiveValue(leader: Leader, incoming: Versioned, options: MergeOptions): Leader {
  const clock = Math.max(leader.clock, incoming.stamp.ts);
  const relation = relate(leader, incoming, options.detect);
  if (relation === "seen" && options.resolve === "last-writer-wins") return { ...leader, clock };
  const known = vvMerge(leader.known, incoming.vv);
  const conflicts =
    relation === "concurrent" ? withConflict(leader.conflicts, leader.value, incoming.value) : leader.conflicts;
  // A causal successor always carries a higher Lamport stamp, so one rule resolves both cases.
  const incomingWins = options.resolve === "arrival-order" || stampAbove(incoming.stamp, leader.stamp);
  const kept: Versioned = incomingWins ? incoming : leader;
  return { value: kept.value, stamp: kept.stamp, vv: kept.vv, known, clock, conflicts };
}

/** The merge the leaders use: version vectors detect conflicts, last writer wins resolves them. */
export const correctMerge: MergeOptions = { detect: "version-vectors", resolve: "last-writer-wins" };

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/** A value on its way to the other leader, with the ghost causal past of its sender. */
export interface Exchange extends Versioned {
  readonly to: NodeId;
  /** Ghost: every write the sender had seen, this one included (sorted). */
  readonly seen: readonly string[];
}

/** The spec's state. */
export interface MultiLeaderState {
  readonly leaders: Readonly<Record<NodeId, Leader>>;
  /** Ghost: per leader, the writes it has seen (sorted). */
  readonly seen: Readonly<Record<NodeId, readonly string[]>>;
  /** Ghost: each write's causal past, the writes its leader had seen before it. */
  readonly past: Readonly<Record<string, readonly string[]>>;
  readonly writes: Readonly<Record<NodeId, number>>;
  /** In flight, sorted (a multiset). */
  readonly exchanges: readonly Exchange[];
}

interface Params {
  readonly writes: number;
}

/** The leaders. */
export const leaderIds: readonly NodeId[] = ["L1", "L2"];

/** A leader before any write. */
export const emptyLeader: Leader = {
  value: null,
  stamp: { ts: 0, node: "" },
  vv: {},
  known: {},
  clock: 0,
  conflicts: [],
};

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])].sort();

const exchangeKey = (e: Exchange) => JSON.stringify([e.to, e.value, e.stamp, e.vv, e.seen]);

function write(s: MultiLeaderState, leader: NodeId): MultiLeaderState {
  const n = (s.writes[leader] ?? 0) + 1;
  const value = `${leader}.${n}`;
  const next = acceptWrite(s.leaders[leader]!, leader, value);
  const seen = union(s.seen[leader] ?? [], [value]);
  const other = leaderIds.find((l) => l !== leader)!;
  const exchange: Exchange = { to: other, value, stamp: next.stamp, vv: next.vv, seen };
  return {
    leaders: { ...s.leaders, [leader]: next },
    seen: { ...s.seen, [leader]: seen },
    past: { ...s.past, [value]: s.seen[leader] ?? [] },
    writes: { ...s.writes, [leader]: n },
    exchanges: [...s.exchanges, exchange].sort((a, b) => (exchangeKey(a) < exchangeKey(b) ? -1 : 1)),
  };
}

function deliverWith(options: MergeOptions) {
  return choose(
    // One choice per distinct exchange in flight (copies of the same one lead to the same state).
    (s: MultiLeaderState) =>
      s.exchanges.filter((e, i) => i === 0 || exchangeKey(e) !== exchangeKey(s.exchanges[i - 1]!)),
    (s: MultiLeaderState, e: Exchange): MultiLeaderState => {
      const i = s.exchanges.findIndex((x) => exchangeKey(x) === exchangeKey(e));
      return {
        ...s,
        leaders: { ...s.leaders, [e.to]: receiveValue(s.leaders[e.to]!, e, options) },
        seen: { ...s.seen, [e.to]: union(s.seen[e.to] ?? [], e.seen) },
        exchanges: s.exchanges.filter((_, j) => j !== i),
      };
    },
    (e) => `${e.value}→${e.to}`,
  );
}

/** True when neither write is in the other's causal past. */
export function concurrentWrites(past: MultiLeaderState["past"], a: string, b: string): boolean {
  return !(past[a] ?? []).includes(b) && !(past[b] ?? []).includes(a);
}

/** Two leaders replicating to each other asynchronously, with LWW resolution and version-vector conflict detection. */
export const multiLeader = defineSpec({
  name: "multi-leader",
  description:
    "multi-leader replication: LWW by (timestamp, node) makes the leaders equal once exchanges drain; version vectors report concurrent writes as conflicts instead of losing them",
  params: {
    writes: int(3, { min: 1, max: 4, description: "writes each leader accepts (model bound)" }),
  },
  init: () => [
    {
      leaders: Object.fromEntries(leaderIds.map((l) => [l, emptyLeader])),
      seen: {},
      past: {},
      writes: {},
      exchanges: [],
    } satisfies MultiLeaderState,
  ],
  actions: {
    Write: choose(
      (s: MultiLeaderState, p: Params) => leaderIds.filter((l) => (s.writes[l] ?? 0) < p.writes),
      (s: MultiLeaderState, leader: NodeId) => write(s, leader),
    ),
    Deliver: deliverWith(correctMerge),
  },
  properties: {
    conflictsAreConcurrentWrites: invariant<MultiLeaderState, Params>(
      (s) => leaderIds.every((l) => s.leaders[l]!.conflicts.every(([a, b]) => concurrentWrites(s.past, a, b))),
      "every conflict a leader reports is between two writes neither of which had seen the other (ghost causal pasts)",
    ),
    replicasEqualOnceExchangesDrain: atTermination<MultiLeaderState, Params>((s) => {
      const [first, ...rest] = leaderIds.map((l) => s.leaders[l]!);
      return rest.every(
        (l) => l.value === first!.value && l.stamp.ts === first!.stamp.ts && l.stamp.node === first!.stamp.node,
      );
    }, "once every exchange is delivered, both leaders hold the same value with the same stamp"),
    noWriteLostSilently: atTermination<MultiLeaderState, Params>((s) => {
      const final = s.leaders[leaderIds[0]!]!.value;
      if (final === null) return true;
      // A write is accounted for when it survived or was reported, or a write that did had seen it (overwrote it
      // causally).
      const accounted = [final, ...leaderIds.flatMap((l) => s.leaders[l]!.conflicts.flat())];
      const covered = new Set(accounted.flatMap((w) => [w, ...(s.past[w] ?? [])]));
      return Object.keys(s.past).every((w) => covered.has(w));
    }, "once exchanges drain, every write is the final value, reported in a conflict, or in the causal past of one of those (overwritten by a write that had seen it): none disappears unreported"),
  },
  variants: {
    "arrival-order": {
      description:
        "a leader resolves a conflict by keeping the value that arrived last: the two leaders keep each other's write and never agree",
      violates: "replicasEqualOnceExchangesDrain",
      actions: { Deliver: deliverWith({ detect: "version-vectors", resolve: "arrival-order" }) },
    },
    "timestamps-only": {
      description:
        "no version vectors: a leader adopts any value with a higher stamp and cannot tell a concurrent write from a successor, so the losing write disappears unreported",
      violates: "noWriteLostSilently",
      actions: { Deliver: deliverWith({ detect: "timestamps-only", resolve: "last-writer-wins" }) },
    },
  },
});
