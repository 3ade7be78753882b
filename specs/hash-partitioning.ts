/**
 * Partitioning by hash of key with a fixed number of partitions (Riak,
 * Elasticsearch, Couchbase and Redis Cluster's slots; the seeds' "fixed number
 * of partitions" rebalancing): a key belongs to partition hash(key) mod
 * `partitions`, a number that never changes, and rebalancing moves whole
 * partitions between nodes. Unlike `hash(key) mod nodes`, adding a node moves
 * only the partitions given to it, and unlike key ranges a partition never
 * splits: a hot key stays hot wherever its partition goes, so the hot-spot
 * detector flags it and the operator moves the partition to a quiet node.
 *
 * What must hold at every step of a move: every key hashes to exactly one
 * partition of the routing table, which has exactly one owner; and no
 * acknowledged write is lost: the target copies the partition (and catches
 * up on writes the source took meanwhile) before the table names it owner
 * and the source drops its copy.
 *
 * The model: `keys` keys named k0.., FNV-1a hashed; `partitions` partitions
 * spread round-robin over `nodes` nodes at first; clients write any key (at
 * most `writes` writes); at most `moves` moves.
 */
import { choose, defineSpec, int, invariant, numberedIds, onEveryStep, type NodeId } from "../src/index.js";
import { ringPosition } from "./consistent-hashing.js";
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

/** A hash partition (a bucket of the hash space) and the node that owns it. */
export interface HashPartition {
  readonly bucket: number;
  readonly owner: NodeId;
}

/**
 * The partition of a key: FNV-1a of its name `k<key>`, modulo the number of partitions.
 * @example partitionOf(0, 3) // 1: FNV-1a("k0") mod 3
 */
export function partitionOf(key: Key, partitions: number): number {
  return ringPosition(`k${key}`, partitions);
}

/**
 * The initial routing table: partition i on node i mod the number of nodes.
 * @example
 * assignRoundRobin(3, ["n1", "n2"])
 * // → [{ bucket: 0, owner: "n1" }, { bucket: 1, owner: "n2" }, { bucket: 2, owner: "n1" }]
 */
export function assignRoundRobin(partitions: number, nodes: readonly NodeId[]): readonly HashPartition[] {
  return Array.from({ length: partitions }, (_, bucket) => ({ bucket, owner: nodes[bucket % nodes.length]! }));
}

/** The state of the model. */
export type HashState = PartitionedState<HashPartition>;

/** Parameter values of the spec. */
export interface HashParams {
  readonly nodes: number;
  readonly partitions: number;
  readonly keys: number;
  readonly writes: number;
  readonly threshold: number;
  readonly moves: number;
}

const nodeIds = (p: HashParams): readonly NodeId[] => numberedIds("n", p.nodes);

/**
 * What a partition holds: the keys that hash to its bucket (partitions are fixed, so the table's length is the
 * modulus).
 */
function containsFor(p: HashParams) {
  return (part: HashPartition, key: Key): boolean => partitionOf(key, p.partitions) === part.bucket;
}

function totalWrites(s: HashState): number {
  let total = 0;
  for (const n of Object.values(s.load)) total += n;
  return total;
}

const detect = (s: HashState | null, p: HashParams): HashState | undefined =>
  s === null ? undefined : withHotSpots(s, p.threshold, { contains: containsFor(p) });

/** Put(k): a client writes k to the owner of its partition. */
const Put = choose(
  (s: HashState, p: HashParams) => (totalWrites(s) < p.writes ? keysUpTo(p.keys) : []),
  (s: HashState, k: Key, p: HashParams) => detect(put(s, k, containsFor(p)), p),
  (k) => `k${k}`,
);

/** BeginMove(i, n): partition i starts moving to node n. */
const BeginMove = choose(
  (s: HashState, p: HashParams) => s.partitions.flatMap((_, partition) => nodeIds(p).map((to) => ({ partition, to }))),
  (s: HashState, move, p: HashParams) => detect(beginMove(s, move), p),
  (m) => `p${m.partition} to ${m.to}`,
);

/** Copy: the target copies the moving partition from the source (snapshot or catch-up). */
const Copy = (s: HashState, p: HashParams): HashState | undefined => detect(copyMoving(s, containsFor(p)), p);

function commitWith(options: CommitOptions) {
  return (s: HashState, p: HashParams): HashState | undefined => detect(commitMove(s, containsFor(p), options), p);
}

/** The bug: the key goes to partition hash mod the number of nodes, not mod the fixed number of partitions. */
const PutModNodes = choose(
  (s: HashState, p: HashParams) => (totalWrites(s) < p.writes ? keysUpTo(p.keys) : []),
  (s: HashState, k: Key, p: HashParams) => {
    const bucket = ringPosition(`k${k}`, p.nodes);
    return detect(
      put(s, k, (part, key) => key === k && part.bucket === bucket),
      p,
    );
  },
  (k) => `k${k}`,
);

/** Hash partitioning with a fixed number of partitions moved whole between nodes. */
export const hashPartitioning = defineSpec({
  name: "hash-partitioning",
  description:
    "a fixed number of hash partitions moved whole between nodes: every key has exactly one owner at every step, no acknowledged write is lost in a move, hot partitions are flagged",
  params: {
    nodes: int(2, { min: 2, max: 3, description: "nodes that may own partitions" }),
    partitions: int(3, { min: 1, max: 8, description: "partitions (fixed: keys hash modulo this)" }),
    keys: int(4, { min: 1, max: 6, description: "keys k0..k(keys-1)" }),
    writes: int(3, { min: 1, max: 4, description: "client writes per run (model bound)" }),
    threshold: int(1, { min: 0, max: 3, description: "a partition with more writes than this is hot" }),
    moves: int(2, { min: 1, max: 4, description: "partition moves per run (model bound)" }),
  },
  init: (p) => [
    {
      partitions: assignRoundRobin(p.partitions, nodeIds(p)),
      stores: Object.fromEntries(nodeIds(p).map((n) => [n, {}])),
      acked: {},
      load: {},
      move: null,
      hot: [],
      changes: 0,
    } satisfies HashState,
  ],
  actions: { Put, BeginMove, Copy, Commit: commitWith({ waitForCopy: true, dropSource: true }) },
  constraint: (s, p) => s.changes < p.moves || s.move !== null,
  properties: {
    everyKeyHasExactlyOneOwner: invariant<HashState, HashParams>(
      (s, p) => keysUpTo(p.keys).every((k) => partitionsHolding(s.partitions, k, containsFor(p)).length === 1),
      "every key hashes to exactly one partition of the routing table, so exactly one node owns it, at every step of every move",
    ),
    noAcknowledgedWriteIsLost: invariant<HashState, HashParams>(
      (s, p) => lostWrites(s, containsFor(p)).length === 0,
      "the owner of every key holds the last acknowledged write of it, before, during and after every move",
    ),
    keysLiveOnlyOnTheirOwnerOrTheMoveTarget: invariant<HashState, HashParams>(
      (s, p) =>
        Object.entries(s.stores).every(([node, store]) =>
          Object.keys(store).every((key) => {
            const bucket = partitionOf(Number(key), p.partitions);
            const part = s.partitions[bucket]!;
            return part.owner === node || (s.move?.partition === bucket && s.move.to === node);
          }),
        ),
      "a node stores a key only if it owns the key's partition or is copying it in: a move leaves no stale copy behind",
    ),
    hotPartitionsAreFlagged: invariant<HashState, HashParams>((s, p) => {
      const writes = new Array<number>(p.partitions).fill(0);
      for (const [key, n] of Object.entries(s.load)) writes[partitionOf(Number(key), p.partitions)]! += n;
      return writes.flatMap((w, i) => (w > p.threshold ? [i] : [])).join() === s.hot.join();
    }, "the hot-spot detector flags exactly the partitions whose writes exceed the threshold"),
    ownerChangesOnlyByACommittedMove: onEveryStep<HashState>(
      (prev, next) =>
        prev.move !== null || prev.partitions.every((part, i) => next.partitions[i]!.owner === part.owner),
      "a partition changes owner only when a move commits",
    ),
  },
  variants: {
    "drop-before-copy": {
      description:
        "the table switches owner (and the source drops its copy) as soon as the move begins, before the target has the data",
      violates: "noAcknowledgedWriteIsLost",
      actions: { Commit: commitWith({ waitForCopy: false, dropSource: true }) },
    },
    "hash-mod-nodes": {
      description:
        "writes go to partition hash(key) mod the number of nodes instead of mod the fixed number of partitions: the write lands on a node no read of the key goes to",
      violates: "noAcknowledgedWriteIsLost",
      actions: { Put: PutModNodes },
    },
    "keep-source-copy": {
      description:
        "after a move commits the source keeps its copy of the partition: a stale copy that a router with an old table still reads",
      violates: "keysLiveOnlyOnTheirOwnerOrTheMoveTarget",
      actions: { Commit: commitWith({ waitForCopy: true, dropSource: false }) },
    },
  },
});
