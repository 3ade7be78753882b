/**
 * Interning and hashing for the protocol model. Node states, messages and
 * timers are interned (one object per distinct value) so the model can key
 * memo tables by identity; a global state's fingerprint is a wrapping sum of
 * per-component hashes (see model.ts), so a successor's fingerprint is the
 * parent's with the changed components' hashes swapped.
 */
import { deepEqual, fingerprintInto, fmix32, type Fingerprint } from "../fingerprint.js";
import type { Envelope, ProtocolState } from "./api.js";
import type { HistoryEvent } from "../history/types.js";

/** What the model knows of one distinct envelope or timer entry. */
export interface ItemInfo {
  readonly item: object;
  readonly c1: number;
  readonly c2: number;
  /** Channel hash (fifo ordering) or 0. */
  readonly channel: number;
  /** For an envelope: its receivers' node indices (-1 for an unknown id), set by the model when first delivered. */
  receivers?: Int32Array;
}

/** Canonical objects by value: equal values intern to one object. */
export class Interner {
  private readonly buckets = new Map<number, object[]>();
  private readonly fp: Fingerprint = { hi: 0, lo: 0 };

  /** Returns the canonical object equal to `value`, with its fingerprint in `this.last`. */
  intern<T>(value: T): T {
    fingerprintInto(value, this.fp);
    const key = this.fp.hi * 0x100000 + (this.fp.lo & 0xfffff);
    const bucket = this.buckets.get(key);
    if (bucket) {
      for (const candidate of bucket) if (candidate === value || deepEqual(candidate, value)) return candidate as T;
      bucket.push(value as object);
    } else {
      this.buckets.set(key, [value as object]);
    }
    return value;
  }

  get last(): Fingerprint {
    return this.fp;
  }
}

/** Salts that keep the components' hashes apart. */
export const C_NETWORK = 0x2545f491;
export const C_TIMER = 0x7f4a7c15;
const C_DOWN = 0x4f1bbcdc;
const C_FAULT = 0x6b43a9b5;
const C_HISTORY = 0x1d8e4e27;

/** Mixes `b` into `a` (32 bits). */
export function mix(a: number, b: number): number {
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/** The hash of node `index` being down, in fingerprint lane 1 or 2. */
export function downHash(index: number, lane: number): number {
  return mix(C_DOWN + index, lane);
}

/** The hash of the fault counters (0 while no fault happened, so fault-free protocols keep their fingerprints). */
export function faultHash(f: ProtocolState["faults"], lane: number): number {
  const corrupted = f.corrupted ?? 0;
  if (f.lost === 0 && f.duplicated === 0 && f.crashed === 0 && corrupted === 0) return 0;
  const h = mix(mix(mix(C_FAULT ^ lane, f.lost), f.duplicated), f.crashed);
  return corrupted === 0 ? h : mix(h, corrupted);
}

/** The history's hash: lane 1 returned and in `out.hi`, lane 2 in `out.lo`. */
export function historyHash(history: readonly HistoryEvent[], out: Fingerprint): number {
  if (history.length === 0) {
    out.hi = 0;
    out.lo = 0;
    return 0;
  }
  fingerprintInto(history, out);
  out.hi = mix(out.hi, C_HISTORY);
  out.lo = mix(out.lo, C_HISTORY ^ 1);
  return out.hi;
}

/** The hash of an envelope's (sender, receiver) channel. */
export function channelHash(env: Envelope): number {
  return mix(hashText(env.from), hashText(String(env.to)));
}

function hashText(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The order of items in the state's sorted lists: by hash. */
function order(a: ItemInfo, b: ItemInfo): number {
  return a.c1 !== b.c1 ? (a.c1 < b.c1 ? -1 : 1) : a.c2 < b.c2 ? -1 : a.c2 > b.c2 ? 1 : 0;
}

/** Inserts into a list sorted by item hash, keeping one copy (set semantics). */
export function insertUnique<T extends object>(
  list: readonly T[],
  item: T,
  items: Map<object, ItemInfo>,
): readonly T[] {
  const info = items.get(item)!;
  let k = 0;
  while (k < list.length) {
    const c = order(items.get(list[k]!)!, info);
    if (c === 0 && list[k] === item) return list;
    if (c > 0) break;
    k++;
  }
  return insertAt(list, k, item);
}

/** Inserts into a list sorted by item hash, keeping duplicates (multiset semantics). */
export function insertSorted<T extends object>(
  list: readonly T[],
  item: T,
  items: Map<object, ItemInfo>,
): readonly T[] {
  const info = items.get(item)!;
  let k = 0;
  while (k < list.length && order(items.get(list[k]!)!, info) <= 0) k++;
  return insertAt(list, k, item);
}

// The two copies below are hand-rolled: every new state's network is built
// by them, and the spread of two slices allocated three arrays per call
// (garbage collection was a tenth of two-phase commit's run time).

/** The list with `item` inserted before element `k`. */
export function insertAt<T>(list: readonly T[], k: number, item: T): T[] {
  // Sized once: these arrays live as long as their state, and pushing into [] reserves 17 slots.
  const n = list.length;
  const out = new Array<T>(n + 1);
  for (let j = 0; j < k; j++) out[j] = list[j]!;
  out[k] = item;
  for (let j = k; j < n; j++) out[j + 1] = list[j]!;
  return out;
}

/** The list without its element `k`. */
export function removeAt<T>(list: readonly T[], k: number): readonly T[] {
  const n = list.length - 1;
  const out = new Array<T>(n);
  for (let j = 0; j < k; j++) out[j] = list[j]!;
  for (let j = k; j < n; j++) out[j] = list[j + 1]!;
  return out;
}
