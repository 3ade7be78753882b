/**
 * Partitioning by key range (Bigtable tablets, HBase regions, the key-range
 * partitioning of the seeds' chapter on partitioning): the keys are ordered
 * and cut into contiguous ranges, each owned by one node. A range that gets
 * hot is split at its middle, two adjacent cold ranges on one node merge,
 * and a range moves to another node to spread the load.
 *
 * What must hold at every step of that rebalancing: every key is in exactly
 * one range of the routing table (splits and merges leave no gap and no
 * overlap), so it has exactly one owner; and no acknowledged write is lost,
 * which is what the move's order of steps buys: the target copies the range
 * (and catches up on writes the source took meanwhile) before the table
 * names it owner and the source drops its copy.
 *
 * The model: `keys` integer keys, `nodes` nodes, one range holding every key
 * on n1 at first; clients write any key (at most `writes` writes); the
 * hot-spot detector flags a range whose writes exceed `threshold`, and only a
 * flagged range splits; at most `changes` splits, merges and moves.
 */
import { choose, defineSpec, int, invariant, numberedIds, onEveryStep, type NodeId } from "../src/index.js";
import {
  beginMove,
  commitMove,
  copyMoving,
  keysUpTo,
  lostWrites,
  partitionsHolding,
  put,
  withHotSpots,
  type CommitOptions,
  type Key,
  type PartitionedState,
} from "./partition-moves.js";

/** A key range [lo, hi) and the node that owns it. */
export interface RangePartition {
  readonly lo: number;
  readonly hi: number;
  readonly owner: NodeId;
}

/** True when the range holds `key`. */
export function inRange(part: { readonly lo: number; readonly hi: number }, key: Key): boolean {
  return part.lo <= key && key < part.hi;
}

/** How a split cuts a range at `mid`: the two halves. */
export type SplitRule = (part: RangePartition, mid: number) => readonly [RangePartition, RangePartition];

/**
 * Splits `[lo, hi)` at `mid` into `[lo, mid)` and `[mid, hi)`, both on the
 * same owner (a split is a change of metadata; the data stays put).
 * @example
 * splitRange({ lo: 0, hi: 4, owner: "n1" }, 2)
 * // → [{ lo: 0, hi: 2, owner: "n1" }, { lo: 2, hi: 4, owner: "n1" }]
 */
export const splitRange: SplitRule = (part, mid) => [
  { lo: part.lo, hi: mid, owner: part.owner },
  { lo: mid, hi: part.hi, owner: part.owner },
];

/**
 * Merges two adjacent ranges on one owner into one; null when they are not
 * adjacent or not on the same node.
 * @example mergeRanges({ lo: 0, hi: 2, owner: "n1" }, { lo: 2, hi: 4, owner: "n1" }) // { lo: 0, hi: 4, owner: "n1" }
 */
export function mergeRanges(left: RangePartition, right: RangePartition): RangePartition | null {
  if (left.hi !== right.lo || left.owner !== right.owner) return null;
  return { lo: left.lo, hi: right.hi, owner: left.owner };
}

/** The state of the model. */
export type RangeState = PartitionedState<RangePartition>;

/** Parameter values of the spec. */
export interface RangeParams {
  readonly nodes: number;
  readonly keys: number;
  readonly writes: number;
  readonly threshold: number;
  readonly changes: number;
}

const nodeIds = (p: RangeParams): readonly NodeId[] => numberedIds("n", p.nodes);
const ops = { contains: inRange };

function totalWrites(s: RangeState): number {
  let total = 0;
  for (const n of Object.values(s.load)) total += n;
  return total;
}

/** Every step ends with the detector's flags recomputed. */
const detect = (s: RangeState | null, p: RangeParams): RangeState | undefined =>
  s === null ? undefined : withHotSpots(s, p.threshold, ops);

/** Split(i): a range the detector flags is cut at its middle; not while a move is in progress. */
function splitWith(rule: SplitRule) {
  return choose(
    (s: RangeState) => s.hot,
    (s: RangeState, i: number, p: RangeParams) => {
      const part = s.partitions[i]!;
      if (s.move !== null || part.hi - part.lo < 2) return undefined;
      const halves = rule(part, Math.floor((part.lo + part.hi) / 2));
      const partitions = [...s.partitions.slice(0, i), ...halves, ...s.partitions.slice(i + 1)];
      return detect({ ...s, partitions, changes: s.changes + 1 }, p);
    },
    (i) => `r${i}`,
  );
}

/** Put(k): a client writes k through the routing table. */
const Put = choose(
  (s: RangeState, p: RangeParams) => (totalWrites(s) < p.writes ? keysUpTo(p.keys) : []),
  (s: RangeState, k: Key, p: RangeParams) => detect(put(s, k, inRange), p),
  (k) => `k${k}`,
);

/** Merge(i): ranges i and i+1, adjacent and on one node, merge when together they are not hot. */
const Merge = choose(
  (s: RangeState) => s.partitions.slice(1).map((_, i) => i),
  (s: RangeState, i: number, p: RangeParams) => {
    const merged = s.move === null ? mergeRanges(s.partitions[i]!, s.partitions[i + 1]!) : null;
    if (merged === null) return undefined;
    const partitions = [...s.partitions.slice(0, i), merged, ...s.partitions.slice(i + 2)];
    const next = detect({ ...s, partitions, changes: s.changes + 1 }, p)!;
    return next.hot.includes(i) ? undefined : next;
  },
  (i) => `r${i}+r${i + 1}`,
);

/** BeginMove(i, n): range i starts moving to node n. */
const BeginMove = choose(
  (s: RangeState, p: RangeParams) =>
    s.partitions.flatMap((_, partition) => nodeIds(p).map((to) => ({ partition, to }))),
  (s: RangeState, move, p: RangeParams) => detect(beginMove(s, move), p),
  (m) => `r${m.partition} to ${m.to}`,
);

/** Copy: the target copies the moving range from the source (snapshot or catch-up). */
const Copy = (s: RangeState, p: RangeParams): RangeState | undefined => detect(copyMoving(s, inRange), p);

function commitWith(options: CommitOptions) {
  return (s: RangeState, p: RangeParams): RangeState | undefined => detect(commitMove(s, inRange, options), p);
}

/** Range partitioning with splits, merges and moves driven by a hot-spot detector. */
export const rangePartitioning = defineSpec({
  name: "range-partitioning",
  description:
    "key ranges that split when hot, merge when cold and move between nodes: every key has exactly one owner at every step, and no acknowledged write is lost in a move",
  params: {
    nodes: int(2, { min: 2, max: 3, description: "nodes that may own ranges" }),
    keys: int(4, { min: 2, max: 6, description: "keys, ordered 0..keys-1" }),
    writes: int(3, { min: 1, max: 4, description: "client writes per run (model bound)" }),
    threshold: int(1, { min: 0, max: 3, description: "a range with more writes than this is hot" }),
    changes: int(3, { min: 1, max: 4, description: "splits, merges and moves per run (model bound)" }),
  },
  init: (p) => [
    {
      partitions: [{ lo: 0, hi: p.keys, owner: "n1" }],
      stores: Object.fromEntries(nodeIds(p).map((n) => [n, {}])),
      acked: {},
      load: {},
      move: null,
      hot: [],
      changes: 0,
    } satisfies RangeState,
  ],
  actions: {
    Put,
    Split: splitWith(splitRange),
    Merge,
    BeginMove,
    Copy,
    Commit: commitWith({ waitForCopy: true, dropSource: true }),
  },
  constraint: (s, p) => s.changes < p.changes || s.move !== null,
  properties: {
    everyKeyHasExactlyOneOwner: invariant<RangeState, RangeParams>(
      (s, p) => keysUpTo(p.keys).every((k) => partitionsHolding(s.partitions, k, inRange).length === 1),
      "every key is in exactly one range of the routing table, so exactly one node owns it: no gap, no overlap, through every split, merge and move",
    ),
    noAcknowledgedWriteIsLost: invariant<RangeState>(
      (s) => lostWrites(s, inRange).length === 0,
      "the owner of every key holds the last acknowledged write of it, before, during and after every move",
    ),
    hotRangesAreFlagged: invariant<RangeState, RangeParams>((s, p) => {
      const expected = s.partitions.flatMap((part, i) => {
        let writes = 0;
        for (let k = part.lo; k < part.hi; k++) writes += s.load[k] ?? 0;
        return writes > p.threshold ? [i] : [];
      });
      return expected.join() === s.hot.join();
    }, "the hot-spot detector flags exactly the ranges whose writes exceed the threshold"),
    ownerChangesOnlyByACommittedMove: onEveryStep<RangeState, RangeParams>(
      (prev, next, p) =>
        prev.move !== null ||
        keysUpTo(p.keys).every((k) => {
          const owner = (s: RangeState) => s.partitions.find((part) => inRange(part, k))?.owner;
          return owner(next) === undefined || owner(prev) === owner(next);
        }),
      "a key changes owner only when a move commits: splits and merges keep every key where it is (a key left with no owner at all is everyKeyHasExactlyOneOwner's to report)",
    ),
  },
  variants: {
    "drop-before-copy": {
      description:
        "the table switches owner (and the source drops its copy) as soon as the move begins, before the target has the data",
      violates: "noAcknowledgedWriteIsLost",
      actions: { Commit: commitWith({ waitForCopy: false, dropSource: true }) },
    },
    "split-skips-the-middle-key": {
      description: "a split cuts [lo, hi) into [lo, mid) and [mid + 1, hi): the key at the cut belongs to no range",
      violates: "everyKeyHasExactlyOneOwner",
      actions: {
        Split: splitWith((part, mid) => [
          { lo: part.lo, hi: mid, owner: part.owner },
          { lo: mid + 1, hi: part.hi, owner: part.owner },
        ]),
      },
    },
  },
});
