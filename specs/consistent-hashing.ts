/**
 * Partitioning by consistent hashing (Karger et al., "Consistent Hashing and
 * Random Trees", STOC 1997; the ring of Dynamo, Cassandra and most caches).
 * Node names and keys hash to points of a ring of `size` positions; each node
 * takes `vnodes` points (virtual nodes, to even out the arcs), and a key
 * belongs to the node of the first point at or clockwise after the key's
 * position, wrapping past the top of the ring to the first point.
 *
 * What the scheme buys is monotonicity: when a node joins, the only keys that
 * move are the ones it takes over, and when a node leaves only its own keys
 * move, to the nodes that follow its points. `hash(key) mod N` moves almost
 * every key whenever N changes, between nodes that were there all along.
 *
 * The model: the cluster starts empty; nodes join and leave (a bounded number
 * of membership changes, at least one node staying), clients write keys, and
 * every change of membership hands the keys whose owner changed to their new
 * owner. The hash is FNV-1a taken modulo a small ring, so the state space is
 * small and exact; the ring functions take any size (2^32 in production).
 */
import { produce } from "immer";
import {
  choose,
  defineSpec,
  int,
  invariant,
  numberedIds,
  onEveryStep,
  setAdd,
  setHas,
  type NodeId,
} from "../src/index.js";

/** The name of a key the cluster stores. */
export type KeyId = string;

/** A point on the ring: a position and the node (one of its virtual nodes) that sits there. */
export interface RingPoint {
  readonly position: number;
  readonly node: NodeId;
}

/**
 * A hash ring: its number of positions and its points, sorted by position
 * and, at one position, by node (the first of them takes the keys there).
 */
export interface Ring {
  readonly size: number;
  readonly points: readonly RingPoint[];
}

/**
 * The position of `name` on a ring of `size` positions: FNV-1a (32 bits) of
 * the name, modulo `size`.
 * @example ringPosition("k1", 32) // 1
 */
export function ringPosition(name: string, size: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % size;
}

/** A ring of `size` positions with no node on it. */
export function emptyRing(size: number): Ring {
  return { size, points: [] };
}

function comparePoints(a: RingPoint, b: RingPoint): number {
  return a.position - b.position || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}

/**
 * The ring with `node` added at `vnodes` points: the positions of
 * `node#0` .. `node#(vnodes-1)`. Adding a node already on the ring changes nothing.
 * @example
 * addNode(emptyRing(32), "n1", { vnodes: 2 }) // points at 11 and 24, both n1
 */
export function addNode(ring: Ring, node: NodeId, options: { readonly vnodes: number }): Ring {
  if (ring.points.some((p) => p.node === node)) return ring;
  const added: RingPoint[] = [];
  for (let v = 0; v < options.vnodes; v++) {
    const position = ringPosition(`${node}#${v}`, ring.size);
    if (!added.some((p) => p.position === position)) added.push({ position, node });
  }
  return { size: ring.size, points: [...ring.points, ...added].sort(comparePoints) };
}

/** The ring without `node`'s points. */
export function removeNode(ring: Ring, node: NodeId): Ring {
  return { size: ring.size, points: ring.points.filter((p) => p.node !== node) };
}

/** The nodes on the ring, sorted. */
export function nodesOf(ring: Ring): readonly NodeId[] {
  const nodes: NodeId[] = [];
  for (const p of ring.points) if (!nodes.includes(p.node)) nodes.push(p.node);
  return nodes.sort();
}

/** The index of the first point at or after `position`, or `points.length` when every point is before it. */
function firstPointAtOrAfter(points: readonly RingPoint[], position: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The node that owns `key`: the node of the first point at or clockwise
 * after the key's position, past the top of the ring back to the first
 * point; null only when the ring is empty.
 * @example
 * const ring = addNode(addNode(emptyRing(32), "n1", { vnodes: 2 }), "n2", { vnodes: 2 });
 * ownerOf(ring, "k1") // "n1": k1 is at 1, and the first point after it is n1's at 11
 * ownerOf(ring, "k3") // "n1": k3 is at 27, past the last point (n2's at 26), so it wraps to 11
 */
export function ownerOf(ring: Ring, key: KeyId): NodeId | null {
  if (ring.points.length === 0) return null;
  const i = firstPointAtOrAfter(ring.points, ringPosition(key, ring.size));
  return (ring.points[i] ?? ring.points[0]!).node;
}

/** Where keys live: each node on the ring with the sorted set of keys it stores. */
export type Stores = Readonly<Record<NodeId, readonly KeyId[]>>;

/** A key handed from one node to another; `to` is null when no node took it (the key is lost). */
export interface KeyMove {
  readonly key: KeyId;
  readonly from: NodeId;
  readonly to: NodeId | null;
}

/** What `rebalance` returns: the stores after the handoff, and the moves it made. */
export interface Rebalanced {
  readonly stores: Stores;
  readonly moves: readonly KeyMove[];
}

type Lookup = (ring: Ring, key: KeyId) => NodeId | null;

function rebalanceWith(lookup: Lookup) {
  return (stores: Stores, ring: Ring): Rebalanced => {
    const next: Record<NodeId, readonly KeyId[]> = Object.fromEntries(nodesOf(ring).map((n) => [n, []]));
    const moves: KeyMove[] = [];
    for (const [node, keys] of Object.entries(stores).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const key of keys) {
        const owner = lookup(ring, key);
        if (owner !== node) moves.push({ key, from: node, to: owner });
        if (owner !== null) next[owner] = setAdd(next[owner]!, key);
      }
    }
    return { stores: next, moves };
  };
}

/**
 * After a membership change (`ring` is the new ring), hands every key to its
 * owner on the new ring; nodes no longer on the ring end up with nothing
 * (and on an empty ring every key is lost: its move goes `to: null`). The
 * moves are what a service streams between nodes.
 * @example
 * const one = addNode(emptyRing(32), "n1", { vnodes: 2 });
 * const two = addNode(one, "n3", { vnodes: 2 });
 * rebalance({ n1: ["k1", "k2"] }, two) // k1 (at 1) and k2 (at 8) go to n3, whose point at 10 now comes first
 */
export const rebalance: (stores: Stores, ring: Ring) => Rebalanced = rebalanceWith(ownerOf);

/**
 * The owner by definition, the slow way: walks the ring from the key's
 * position one position at a time until it meets a point. The properties
 * hold the fast lookup and the handoffs to this.
 */
export function firstNodeClockwise(ring: Ring, key: KeyId): NodeId | null {
  const start = ringPosition(key, ring.size);
  for (let d = 0; d < ring.size; d++) {
    const position = (start + d) % ring.size;
    const here = ring.points
      .filter((p) => p.position === position)
      .map((p) => p.node)
      .sort();
    if (here.length > 0) return here[0]!;
  }
  return null;
}

/** The state of the model. */
export interface HashingState {
  readonly ring: Ring;
  /** The keys each node on the ring stores. */
  readonly stores: Stores;
  /** Ghost: the keys clients have written (and expect to read back). */
  readonly written: readonly KeyId[];
  /** Membership changes so far (model bound). */
  readonly changes: number;
}

/** Parameter values of the spec. */
export interface HashingParams {
  readonly nodes: number;
  readonly vnodes: number;
  readonly ringSize: number;
  readonly keys: number;
  readonly changes: number;
}

type MembershipChange = (ring: Ring, node: NodeId, p: HashingParams) => Ring;

const nodeIds = (p: HashingParams): readonly NodeId[] => numberedIds("n", p.nodes);
const keyIds = (p: HashingParams): readonly KeyId[] => numberedIds("k", p.keys);

/** The members storing `key` (exactly one when all is well), sorted. */
function holdersOf(s: HashingState, key: KeyId, members: readonly NodeId[] = nodesOf(s.ring)): readonly NodeId[] {
  return members.filter((n) => setHas(s.stores[n] ?? [], key));
}

/** Join(n): n takes its points on the ring, and the keys whose owner changed move to their new owner. */
function joinWith(options: { readonly add: MembershipChange; readonly lookup: Lookup; readonly handoff: boolean }) {
  return choose(
    (_: HashingState, p: HashingParams) => nodeIds(p),
    (s: HashingState, n: NodeId, p: HashingParams) => {
      if (nodesOf(s.ring).includes(n)) return undefined;
      const ring = options.add(s.ring, n, p);
      const stores = options.handoff ? rebalanceWith(options.lookup)(s.stores, ring).stores : { ...s.stores, [n]: [] };
      return { ...s, ring, stores, changes: s.changes + 1 };
    },
  );
}

/** Leave(n): n hands its keys to their new owners and leaves the ring; one node always stays. */
function leaveWith(options: { readonly remove: MembershipChange; readonly lookup: Lookup }) {
  return choose(
    (_: HashingState, p: HashingParams) => nodeIds(p),
    (s: HashingState, n: NodeId, p: HashingParams) => {
      const members = nodesOf(s.ring);
      if (!members.includes(n) || members.length === 1) return undefined;
      const ring = options.remove(s.ring, n, p);
      return { ...s, ring, stores: rebalanceWith(options.lookup)(s.stores, ring).stores, changes: s.changes + 1 };
    },
  );
}

/** Put(k): a client writes k; the owner the lookup names stores it (if the lookup names none, the write is lost). */
function putWith(lookup: Lookup) {
  return choose(
    (_: HashingState, p: HashingParams) => keyIds(p),
    (s: HashingState, k: KeyId) => {
      if (s.ring.points.length === 0 || setHas(s.written, k)) return undefined;
      const owner = lookup(s.ring, k);
      return produce(s, (d) => {
        d.written = setAdd(s.written, k) as KeyId[];
        if (owner !== null) d.stores[owner] = setAdd(s.stores[owner]!, k) as KeyId[];
      });
    },
  );
}

const addWithVnodes: MembershipChange = (ring, node, p) => addNode(ring, node, { vnodes: p.vnodes });
const removeFromRing: MembershipChange = (ring, node) => removeNode(ring, node);

/**
 * hash(key) mod N as a ring: N positions, the members in order at 0..N-1, so
 * the first point at or after hash mod N is member number hash mod N. Every
 * membership change rebuilds it at a new size.
 */
function moduloRing(members: readonly NodeId[]): Ring {
  return { size: members.length, points: [...members].sort().map((node, position) => ({ position, node })) };
}

const moduloAdd: MembershipChange = (ring, node) => moduloRing([...nodesOf(ring), node]);
const moduloRemove: MembershipChange = (ring, node) => moduloRing(nodesOf(ring).filter((n) => n !== node));

/** The lookup that forgets the ring is a ring: a key past the last point has no owner. */
const ownerWithoutWraparound: Lookup = (ring, key) =>
  ring.points[firstPointAtOrAfter(ring.points, ringPosition(key, ring.size))]?.node ?? null;

/** The members a step added and removed. */
function membershipDelta(
  prev: HashingState,
  next: HashingState,
): { readonly joined: readonly NodeId[]; readonly left: readonly NodeId[] } {
  const before = nodesOf(prev.ring);
  const after = nodesOf(next.ring);
  return { joined: after.filter((n) => !before.includes(n)), left: before.filter((n) => !after.includes(n)) };
}

/** The written keys whose holders differ between two states. */
function movedKeys(prev: HashingState, next: HashingState): readonly KeyId[] {
  const before = nodesOf(prev.ring);
  const after = nodesOf(next.ring);
  return prev.written.filter((k) => holdersOf(prev, k, before).join() !== holdersOf(next, k, after).join());
}

/** Consistent hashing with virtual nodes: keys on a ring, nodes joining and leaving. */
export const consistentHashing = defineSpec({
  name: "consistent-hashing",
  description:
    "a hash ring with virtual nodes: every key has one owner, the first node clockwise, and joins and leaves move only the keys they must",
  params: {
    nodes: int(4, { min: 1, max: 5, description: "nodes that may join the ring" }),
    vnodes: int(2, { min: 1, max: 4, description: "points (virtual nodes) per node" }),
    ringSize: int(32, { min: 1, max: 1024, description: "positions on the ring (the hash is taken modulo this)" }),
    keys: int(5, { min: 1, max: 6, description: "keys clients may write" }),
    changes: int(4, { min: 1, max: 6, description: "joins and leaves per run (model bound)" }),
  },
  init: (p) => [{ ring: emptyRing(p.ringSize), stores: {}, written: [], changes: 0 }],
  actions: {
    Join: joinWith({ add: addWithVnodes, lookup: ownerOf, handoff: true }),
    Leave: leaveWith({ remove: removeFromRing, lookup: ownerOf }),
    Put: putWith(ownerOf),
  },
  constraint: (s, p) => s.changes < p.changes,
  properties: {
    everyKeyHasExactlyOneOwner: invariant<HashingState>((s) => {
      const members = nodesOf(s.ring);
      return s.written.every((k) => holdersOf(s, k, members).length === 1);
    }, "every key a client wrote is stored on exactly one node of the ring: none lost, none left behind as a second copy"),
    ownerIsFirstNodeClockwise: invariant<HashingState>(
      (s) => nodesOf(s.ring).every((n) => (s.stores[n] ?? []).every((k) => firstNodeClockwise(s.ring, k) === n)),
      "a node stores only keys whose first point at or clockwise after them is its own: a lookup finds every key where it is",
    ),
    joinMovesKeysOnlyToTheJoiningNode: onEveryStep<HashingState>((prev, next) => {
      const { joined, left } = membershipDelta(prev, next);
      if (joined.length !== 1 || left.length !== 0) return true;
      return movedKeys(prev, next).every((k) => holdersOf(next, k).join() === joined[0]);
    }, "monotonicity: when a node joins, every key that moves, moves to the joining node (no key moves between nodes that were there)"),
    leaveMovesOnlyTheLeavingNodesKeys: onEveryStep<HashingState>((prev, next) => {
      const { joined, left } = membershipDelta(prev, next);
      if (left.length !== 1 || joined.length !== 0) return true;
      return movedKeys(prev, next).every((k) => holdersOf(prev, k).join() === left[0]);
    }, "when a node leaves, the only keys that move are the ones it stored"),
  },
  variants: {
    "modulo-hashing": {
      description:
        "owner = hash(key) mod the number of nodes: when a third node joins, keys move between the two that were there",
      violates: "joinMovesKeysOnlyToTheJoiningNode",
      actions: {
        Join: joinWith({ add: moduloAdd, lookup: ownerOf, handoff: true }),
        Leave: leaveWith({ remove: moduloRemove, lookup: ownerOf }),
      },
    },
    "no-wraparound": {
      description:
        "the lookup takes the first point at or after the key and forgets to wrap: a key past the last point gets no owner and its write is lost",
      violates: "everyKeyHasExactlyOneOwner",
      actions: {
        Join: joinWith({ add: addWithVnodes, lookup: ownerWithoutWraparound, handoff: true }),
        Leave: leaveWith({ remove: removeFromRing, lookup: ownerWithoutWraparound }),
        Put: putWith(ownerWithoutWraparound),
      },
    },
    "join-without-handoff": {
      description:
        "a node joins the ring without streaming the keys it takes over (bootstrap skipped): they stay on the old owner, where no lookup looks",
      violates: "ownerIsFirstNodeClockwise",
      actions: { Join: joinWith({ add: addWithVnodes, lookup: ownerOf, handoff: false }) },
    },
  },
});
