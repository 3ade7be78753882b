/**
 * Symmetry reduction for protocols: when the nodes of a role are
 * interchangeable (the RMs of two-phase commit, Raft's servers), every state
 * is fingerprinted as the canonical representative of its orbit under
 * renaming those node ids, so the checker stores one state per orbit.
 *
 * Canonical form: each symmetric node gets a signature, the hash of the
 * whole state with that node's id masked as "self" and the other ids of its
 * set masked as "other" (renaming-invariant by construction); nodes are
 * ordered by signature, and ties (nodes indistinguishable so far) are broken
 * by trying every order within the tie and keeping the smallest fingerprint.
 *
 * What it assumes, as TLC's SYMMETRY does: the spec treats those ids only as
 * names. Arrays of strings and numbers that are strictly sorted are taken to
 * be sets (the documented canonical set form) and hashed without order.
 * The network, timers and crashed-node lists are multisets.
 */
import { fingerprint, fmix32, type Fingerprint } from "./fingerprint.js";
import type { NodeId, ProtocolState } from "./protocol.js";
import { compareElements, type SetElement } from "./sets.js";

type Rename = ReadonlyMap<string, string>;

const MAX_CANDIDATES = 40_320;

function add(a: Fingerprint, b: Fingerprint): void {
  a.hi = (a.hi + b.hi) | 0;
  a.lo = (a.lo + b.lo) | 0;
}

function leaf(v: unknown, rename: Rename): Fingerprint {
  return fingerprint(typeof v === "string" ? (rename.get(v) ?? v) : v);
}

function isSortedSet(a: readonly unknown[]): boolean {
  if (a.length < 2) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "string" && typeof x !== "number") return false;
    if (i > 0 && compareElements(a[i - 1] as SetElement, x) >= 0) return false;
  }
  return true;
}

/** Hash of a plain-data value with ids renamed; sorted primitive arrays hash as sets. */
function hashRenamed(v: unknown, rename: Rename): Fingerprint {
  if (typeof v !== "object" || v === null) return leaf(v, rename);
  if (Array.isArray(v)) return isSortedSet(v) ? hashBag(v, rename, 0x5e7) : hashSequence(v, rename);
  const sum = { hi: 0x0b1ec7, lo: 0x0b1ec7 };
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const key = leaf(k, rename);
    const value = hashRenamed(x, rename);
    add(sum, {
      hi: fmix32(Math.imul(key.hi, 0x2127599b) ^ value.hi),
      lo: fmix32(Math.imul(key.lo, 0x6c62272e) ^ value.lo),
    });
  }
  return { hi: fmix32(sum.hi), lo: fmix32(sum.lo ^ 0x1234567) };
}

function hashSequence(a: readonly unknown[], rename: Rename): Fingerprint {
  let h1 = 0x5e90 ^ a.length;
  let h2 = 0x77 + a.length;
  for (const x of a) {
    const e = hashRenamed(x, rename);
    h1 = Math.imul((h1 << 5) | (h1 >>> 27), 0x9e3779b1) ^ e.hi;
    h2 = Math.imul((h2 << 7) | (h2 >>> 25), 0x85ebca77) ^ e.lo;
  }
  return { hi: fmix32(h1), lo: fmix32(h2) };
}

function hashBag(a: readonly unknown[], rename: Rename, tag: number): Fingerprint {
  const sum = { hi: tag, lo: tag ^ a.length };
  for (const x of a) {
    const e = hashRenamed(x, rename);
    add(sum, { hi: fmix32(e.hi ^ 0x3c6ef372), lo: fmix32(e.lo ^ 0x27d4eb2f) });
  }
  return { hi: fmix32(sum.hi), lo: fmix32(sum.lo) };
}

/** The state's hash under a renaming: nodes by (renamed) id, network/timers/down as multisets. */
function hashState(s: ProtocolState, rename: Rename): Fingerprint {
  const total = hashRenamed(s.nodes, rename);
  const parts = [
    hashBag(s.network, rename, 0x4e7),
    hashBag(s.timers, rename, 0x713),
    hashBag(s.down, rename, 0xd0),
    hashRenamed(s.faults, rename),
    hashSequence(s.history, rename),
  ];
  for (const [k, p] of parts.entries())
    add(total, { hi: fmix32(p.hi ^ (k + 1)), lo: fmix32(p.lo ^ Math.imul(k + 1, 0x9e3779b1)) });
  return { hi: total.hi >>> 0, lo: total.lo >>> 0 };
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

/**
 * Fingerprints the canonical representative of `state`'s orbit under
 * renaming the ids within each set of `symmetric` node ids.
 */
export function canonicalFingerprint(
  state: ProtocolState,
  symmetric: readonly (readonly NodeId[])[],
  out: Fingerprint,
): void {
  const mask = new Map<string, string>();
  symmetric.forEach((set, k) => {
    for (const id of set) mask.set(id, `\u0000other${k}`);
  });
  // Per set: ids grouped by signature, groups in signature order.
  const groupsPerSet = symmetric.map((set) => {
    const signed = set.map((id) => {
      const rename = new Map(mask);
      rename.set(id, "\u0000self");
      const sig = hashState(state, rename);
      return { id, sig };
    });
    signed.sort((a, b) => a.sig.hi - b.sig.hi || a.sig.lo - b.sig.lo);
    const groups: NodeId[][] = [];
    signed.forEach((x, i) => {
      const prev = signed[i - 1];
      if (prev && prev.sig.hi === x.sig.hi && prev.sig.lo === x.sig.lo) groups[groups.length - 1]!.push(x.id);
      else groups.push([x.id]);
    });
    return groups;
  });
  // Candidate orders: every order within each tie group, while that stays affordable,
  // except for groups the state is invariant under (the common case: nodes in
  // the same situation), where every order gives the same representative.
  const identity = hashState(state, new Map());
  let candidates: NodeId[][][] = [[]];
  for (const groups of groupsPerSet) {
    let orders: NodeId[][] = [[]];
    for (const group of groups) {
      const interchangeable = group.length < 2 || isInvariantUnder(state, group, identity);
      const options =
        !interchangeable && orders.length * factorial(group.length) * candidates.length <= MAX_CANDIDATES
          ? permutations(group)
          : [group];
      orders = orders.flatMap((o) => options.map((p) => [...o, ...p]));
    }
    candidates = candidates.flatMap((c) => orders.map((o) => [...c, o]));
  }
  let best: Fingerprint | undefined;
  for (const candidate of candidates) {
    const rename = new Map<string, string>();
    candidate.forEach((order, k) => order.forEach((id, i) => rename.set(id, symmetric[k]![i]!)));
    const h = hashState(state, rename);
    if (!best || h.hi < best.hi || (h.hi === best.hi && h.lo < best.lo)) best = h;
  }
  out.hi = best!.hi;
  out.lo = best!.lo;
}

/**
 * True when swapping the group's first id with each other one leaves the state unchanged (those swaps generate every
 * permutation).
 */
function isInvariantUnder(state: ProtocolState, group: readonly NodeId[], identity: Fingerprint): boolean {
  const first = group[0]!;
  for (const other of group.slice(1)) {
    const h = hashState(
      state,
      new Map([
        [first, other],
        [other, first],
      ]),
    );
    if (h.hi !== identity.hi || h.lo !== identity.lo) return false;
  }
  return true;
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}
