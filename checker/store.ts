/**
 * The set of visited states: 64-bit fingerprints in an open-addressing hash
 * table of typed arrays, with a parent link and successor ordinal per state
 * so a trace can be rebuilt by replaying from an initial state.
 *
 * Hand-rolled for speed and memory: a `Set<string>` of JSON keys costs about
 * 100 bytes and a string per state; this costs 23 to 40 bytes per state and
 * no allocation per lookup. Layout: each slot holds the fingerprint's two
 * words and the state's index (12 bytes, one cache line per probe run); the
 * parent and ordinal live in per-state arrays (6 bytes).
 */

import { RecentFingerprints } from "./recent-fingerprints.js";

const EMPTY = -1;
const MAX_LOAD = 0.7;

/** Fingerprint store with trace links; state indices are dense from 0. */
export class StateStore {
  private mask: number;
  /** Triples (fingerprint low word, high word, state index or EMPTY). */
  private slots: Int32Array;
  private parents: Int32Array;
  private ordinals: Uint16Array;
  /** Ordinals that do not fit 16 bits (states with more than 65,534 successors). */
  private readonly bigOrdinals = new Map<number, number>();
  private count = 0;
  private limit: number;
  private readonly recent = new RecentFingerprints();

  constructor(initialCapacity = 1 << 14) {
    let capacity = 1024;
    while (capacity * MAX_LOAD < initialCapacity) capacity *= 2;
    this.mask = capacity - 1;
    this.limit = Math.floor(capacity * MAX_LOAD);
    this.slots = new Int32Array(capacity * 3).fill(EMPTY);
    this.parents = new Int32Array(initialCapacity);
    this.ordinals = new Uint16Array(initialCapacity);
  }

  /** Number of distinct states stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the store's arrays. */
  get bytes(): number {
    return this.slots.byteLength + this.parents.byteLength + this.ordinals.byteLength;
  }

  /** Bytes held per stored state. */
  get bytesPerState(): number {
    return this.count === 0 ? 0 : this.bytes / this.count;
  }

  /**
   * Adds a state. Returns its new index, or -1 when the fingerprint is known.
   * `parent` is the index of the state it was reached from (-1 for an initial
   * state) and `ordinal` its position among that parent's successors.
   */
  insert(hi: number, lo: number, parent: number, ordinal: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const low = lo | 0;
    const high = hi | 0;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const at = 3 * slot;
      if (slots[at + 2] === EMPTY) break;
      if (slots[at] === low && slots[at + 1] === high) {
        this.recent.add(hi, lo);
        return -1;
      }
      slot = (slot + 1) & mask;
    }
    this.recent.add(hi, lo);
    const index = this.count++;
    const at = 3 * slot;
    slots[at] = low;
    slots[at + 1] = high;
    slots[at + 2] = index;
    if (index >= this.parents.length) this.growLinks();
    this.parents[index] = parent;
    if (ordinal < 0xffff) {
      this.ordinals[index] = ordinal;
    } else {
      this.ordinals[index] = 0xffff;
      this.bigOrdinals.set(index, ordinal);
    }
    if (this.count > this.limit) this.growTable();
    return index;
  }

  /** The index of a stored fingerprint, or -1. */
  indexOf(hi: number, lo: number): number {
    const slots = this.slots;
    const low = lo | 0;
    const high = hi | 0;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = 3 * slot;
      const index = slots[at + 2]!;
      if (index === EMPTY) return -1;
      if (slots[at] === low && slots[at + 1] === high) return index;
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * Whether a fingerprint is stored: one cache line per probe run, the high
   * word beside the low one (kept per state, it was a second cache miss on
   * every known successor, most of a big table's lookups).
   */
  has(hi: number, lo: number): boolean {
    if (this.recent.has(hi, lo)) return true;
    const slots = this.slots;
    const low = lo | 0;
    const high = hi | 0;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = 3 * slot;
      if (slots[at + 2] === EMPTY) return false;
      if (slots[at] === low && slots[at + 1] === high) {
        this.recent.add(hi, lo);
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The chain of state indices from an initial state to `index`, inclusive. */
  pathTo(index: number): number[] {
    const path: number[] = [];
    for (let i = index; i >= 0; i = this.parents[i]!) path.push(i);
    return path.reverse();
  }

  /**
   * The fingerprints of some stored states, as `[hi, lo]` with words of 0
   * read as 1 (as the shared store keeps them). Scans the table once: it is
   * only used to check a counterexample's replay.
   */
  fingerprints(indices: readonly number[]): Map<number, readonly [number, number]> {
    const wanted = new Set(indices);
    const found = new Map<number, readonly [number, number]>();
    for (let at = 0; at < this.slots.length && found.size < wanted.size; at += 3) {
      const index = this.slots[at + 2]!;
      if (index !== EMPTY && wanted.has(index)) found.set(index, [this.slots[at + 1]! || 1, this.slots[at]! || 1]);
    }
    return found;
  }

  /** The successor ordinal by which `index` was first reached (the init ordinal for initial states). */
  ordinal(index: number): number {
    const small = this.ordinals[index]!;
    return small === 0xffff ? this.bigOrdinals.get(index)! : small;
  }

  private growLinks(): void {
    // 1.5x keeps the slack (and so bytes per state) low on big runs.
    const size = Math.ceil(this.parents.length * 1.5) + 16;
    const parents = new Int32Array(size);
    parents.set(this.parents);
    const ordinals = new Uint16Array(size);
    ordinals.set(this.ordinals);
    this.parents = parents;
    this.ordinals = ordinals;
  }

  private growTable(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const mask = capacity - 1;
    this.mask = mask;
    this.limit = Math.floor(capacity * MAX_LOAD);
    const slots = new Int32Array(capacity * 3).fill(EMPTY);
    // A sequential read of the old table (the high word used to be read per state, a cache miss each).
    for (let from = 0; from < old.length; from += 3) {
      const index = old[from + 2]!;
      if (index === EMPTY) continue;
      const lo = old[from]!;
      const hi = old[from + 1]!;
      let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
      while (slots[3 * slot + 2] !== EMPTY) slot = (slot + 1) & mask;
      const to = 3 * slot;
      slots[to] = lo;
      slots[to + 1] = hi;
      slots[to + 2] = index;
    }
    this.slots = slots;
  }
}

/**
 * The probability that some two of `n` distinct states share a 64-bit
 * fingerprint, so that one was wrongly skipped (TLC reports the same
 * estimate): about n^2 / 2^65.
 */
export function collisionProbability(n: number): number {
  return n < 2 ? 0 : -Math.expm1((-n * (n - 1)) / 2 / 2 ** 64);
}
