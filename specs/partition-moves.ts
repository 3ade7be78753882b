/**
 * What range partitioning and hash partitioning share: a routing table of
 * partitions, each with one owner; versioned writes to the owner; moving a
 * partition to another node in steps (begin, copy, commit) while clients keep
 * writing; and a hot-spot detector that flags a partition whose load is above
 * a threshold. The two specs differ only in what a partition is (a key range
 * that may split and merge, or a fixed hash bucket) and in the changes they
 * make to the table.
 *
 * The move is the one of Bigtable, HBase and Elasticsearch: the target first
 * copies the partition (a snapshot, then catch-up copies of the writes the
 * source took meanwhile), and the routing table switches owner only when the
 * target holds everything the source holds in the partition; the source
 * deletes its copy at that switch. Until then the source stays the owner and
 * takes every write, so no acknowledged write is ever on the wrong side.
 */
import { setAdd, type NodeId } from "../src/index.js";

/** A key: a number in 0..keys-1 (range partitioning orders them; hash partitioning hashes their names). */
export type Key = number;

/** What a node stores: for each key it holds, the version of the last write it has (versions count from 1). */
export type Store = Readonly<Record<string, number>>;

/** A partition in the routing table: its owner and whatever says which keys it holds. */
export interface OwnedPartition {
  readonly owner: NodeId;
}

/** A move in progress: the partition (by its index in the table) and the node it goes to. */
export interface Move {
  readonly partition: number;
  readonly to: NodeId;
}

/** The state both partitioning specs check. */
export interface PartitionedState<Part extends OwnedPartition> {
  /** The routing table: which node owns which partition. */
  readonly partitions: readonly Part[];
  /** What each node stores. */
  readonly stores: Readonly<Record<NodeId, Store>>;
  /** Ghost: the version of the last acknowledged write of each key. */
  readonly acked: Readonly<Record<string, number>>;
  /** Writes to each key so far (the load the hot-spot detector sees). */
  readonly load: Readonly<Record<string, number>>;
  /** The move in progress, or null. */
  readonly move: Move | null;
  /** The partitions (by index) the hot-spot detector flags, sorted: recomputed after every step. */
  readonly hot: readonly number[];
  /** Table changes so far: moves begun, splits, merges (model bound). */
  readonly changes: number;
}

/** Says whether a partition holds a key. */
export type Contains<Part> = (part: Part, key: Key) => boolean;

/** The keys 0..n-1. */
export function keysUpTo(n: number): readonly Key[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The partitions (by index) that hold `key`: exactly one in a correct table. */
export function partitionsHolding<Part>(
  partitions: readonly Part[],
  key: Key,
  contains: Contains<Part>,
): readonly number[] {
  const found: number[] = [];
  partitions.forEach((part, i) => {
    if (contains(part, key)) found.push(i);
  });
  return found;
}

/** The load of a partition: the writes to its keys. */
export function partitionLoad<Part>(
  part: Part,
  load: Readonly<Record<string, number>>,
  contains: Contains<Part>,
): number {
  let total = 0;
  for (const [key, n] of Object.entries(load)) if (contains(part, Number(key))) total += n;
  return total;
}

/**
 * The hot-spot detector: the partitions (by index) whose load is above
 * `threshold`, sorted.
 * @example
 * hotPartitions([{ lo: 0, hi: 2 }, { lo: 2, hi: 4 }], { 0: 1, 1: 1, 3: 1 }, 1, inRange)
 * // → [0]: two writes in [0, 2), one in [2, 4)
 */
export function hotPartitions<Part>(
  partitions: readonly Part[],
  load: Readonly<Record<string, number>>,
  threshold: number,
  contains: Contains<Part>,
): readonly number[] {
  const hot: number[] = [];
  partitions.forEach((part, i) => {
    if (partitionLoad(part, load, contains) > threshold) hot.push(i);
  });
  return hot;
}

/** The entries of `store` whose keys `part` holds. */
export function entriesOf<Part>(store: Store, part: Part, contains: Contains<Part>): Store {
  return Object.fromEntries(Object.entries(store).filter(([key]) => contains(part, Number(key))));
}

/** `store` with `entries` copied in (a copy never lowers a version). */
export function copyInto(store: Store, entries: Store): Store {
  const next: Record<string, number> = { ...store };
  for (const [key, version] of Object.entries(entries)) if (version > (next[key] ?? 0)) next[key] = version;
  return next;
}

/** `store` without the keys `part` holds. */
export function dropPartition<Part>(store: Store, part: Part, contains: Contains<Part>): Store {
  return Object.fromEntries(Object.entries(store).filter(([key]) => !contains(part, Number(key))));
}

/** True when `target` holds every entry `source` holds in `part`, at the same version or later. */
export function holdsPartition<Part>(target: Store, source: Store, part: Part, contains: Contains<Part>): boolean {
  return Object.entries(entriesOf(source, part, contains)).every(([key, version]) => (target[key] ?? 0) >= version);
}

/** `state` with the detector's flags recomputed: every step ends with this. */
export function withHotSpots<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  threshold: number,
  ops: { readonly contains: Contains<Part> },
): PartitionedState<Part> {
  const hot = hotPartitions(state.partitions, state.load, threshold, ops.contains);
  return hot.join() === state.hot.join() ? state : { ...state, hot };
}

/**
 * Put(key): a client writes the key; the owner the routing table names
 * stores the new version and acknowledges it. Null when no partition holds
 * the key (the write is refused, not acknowledged).
 */
export function put<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  key: Key,
  contains: Contains<Part>,
): PartitionedState<Part> | null {
  const [index, ...others] = partitionsHolding(state.partitions, key, contains);
  if (index === undefined || others.length > 0) return null;
  const owner = state.partitions[index]!.owner;
  const version = (state.acked[key] ?? 0) + 1;
  return {
    ...state,
    stores: { ...state.stores, [owner]: { ...state.stores[owner], [key]: version } },
    acked: { ...state.acked, [key]: version },
    load: { ...state.load, [key]: (state.load[key] ?? 0) + 1 },
  };
}

/** BeginMove: partition `partition` starts moving to `to` (another node); the source stays the owner. */
export function beginMove<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  move: Move,
): PartitionedState<Part> | null {
  const part = state.partitions[move.partition];
  if (state.move !== null || part === undefined || part.owner === move.to) return null;
  return { ...state, move, changes: state.changes + 1 };
}

/**
 * Copy: the target copies what the source holds of the moving partition (the snapshot, then each catch-up). Null when
 * it already holds it all.
 */
export function copyMoving<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  contains: Contains<Part>,
): PartitionedState<Part> | null {
  if (state.move === null) return null;
  const part = state.partitions[state.move.partition]!;
  const source = state.stores[part.owner] ?? {};
  const target = state.stores[state.move.to] ?? {};
  if (holdsPartition(target, source, part, contains)) return null;
  return {
    ...state,
    stores: { ...state.stores, [state.move.to]: copyInto(target, entriesOf(source, part, contains)) },
  };
}

/** The options of {@link commitMove}. */
export interface CommitOptions {
  /** When false, the table switches owner whether or not the target has the data yet (the bug). */
  readonly waitForCopy: boolean;
  /** When false, the source keeps its copy after the switch (the bug: a stale copy a stale router still reads). */
  readonly dropSource: boolean;
}

/**
 * Commit: the routing table names the target as owner and the source drops
 * its copy, in one step. Only once the target holds everything the source
 * holds in the partition.
 */
export function commitMove<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  contains: Contains<Part>,
  options: CommitOptions,
): PartitionedState<Part> | null {
  if (state.move === null) return null;
  const { partition, to } = state.move;
  const part = state.partitions[partition]!;
  const source = state.stores[part.owner] ?? {};
  if (options.waitForCopy && !holdsPartition(state.stores[to] ?? {}, source, part, contains)) return null;
  const partitions = state.partitions.map((p, i) => (i === partition ? { ...p, owner: to } : p));
  const stores = options.dropSource
    ? { ...state.stores, [part.owner]: dropPartition(source, part, contains) }
    : state.stores;
  return { ...state, partitions, stores, move: null };
}

/** The acknowledged writes (key and version) the owner of the key does not hold. */
export function lostWrites<Part extends OwnedPartition>(
  state: PartitionedState<Part>,
  contains: Contains<Part>,
): readonly string[] {
  let lost: readonly string[] = [];
  for (const [key, version] of Object.entries(state.acked)) {
    const holders = partitionsHolding(state.partitions, Number(key), contains);
    const owner = holders.length === 1 ? state.partitions[holders[0]!]!.owner : null;
    if (owner === null || (state.stores[owner]?.[key] ?? 0) < version) lost = setAdd(lost, `${key}@${version}`);
  }
  return lost;
}
