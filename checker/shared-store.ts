/**
 * The visited-state set shared by parallel workers: the same open-addressing
 * table as StateStore, in SharedArrayBuffers, with lock-free insertion.
 *
 * A slot is three words: fingerprint low word (0 = empty), high word (0 = not
 * yet published) and the state's global index. An inserter claims a slot by
 * compare-and-swap on the low word, writes the index and links, then
 * publishes the high word; a reader that meets a claimed slot with its low
 * word waits for the high word. Fingerprint words of 0 are stored as 1 (one
 * value in 2^32 lost per word). The table only grows between pauses, on the
 * main thread, while no worker touches it.
 */
import type { FingerprintSet } from "./expander.js";
import { RecentFingerprints } from "./recent-fingerprints.js";

/** The shared memory of a store, as posted to workers. */
export interface SharedStoreBuffers {
  readonly slots: SharedArrayBuffer;
  readonly parents: SharedArrayBuffer;
  readonly ordinals: SharedArrayBuffer;
  /** [count] */
  readonly counter: SharedArrayBuffer;
}

const LOAD_TO_PAUSE = 0.7;
/** Slots (12 bytes each) up to which the table grows fourfold: 2^24, 192 MiB. */
const QUADRUPLE_UNTIL = 1 << 24;

/** A fingerprint set in shared memory. */
export class SharedStateStore implements FingerprintSet {
  private slots!: Int32Array;
  private parents!: Int32Array;
  private ordinals!: Int32Array;
  private counter!: Int32Array;
  private mask = 0;
  private pauseAt = 0;
  /** This thread's last fingerprints stored or found (each worker opens its own view of the store). */
  private readonly recent = new RecentFingerprints();

  private constructor(buffers: SharedStoreBuffers) {
    this.attach(buffers);
  }

  /** A new store with room for about `states` states before it must grow. */
  static create(states: number): SharedStateStore {
    return new SharedStateStore(allocate(states, new SharedArrayBuffer(4)));
  }

  /** A worker's view of a store created elsewhere. */
  static open(buffers: SharedStoreBuffers): SharedStateStore {
    return new SharedStateStore(buffers);
  }

  get buffers(): SharedStoreBuffers {
    return {
      slots: this.slots.buffer as SharedArrayBuffer,
      parents: this.parents.buffer as SharedArrayBuffer,
      ordinals: this.ordinals.buffer as SharedArrayBuffer,
      counter: this.counter.buffer as SharedArrayBuffer,
    };
  }

  /** Switches to (grown) buffers. */
  attach(buffers: SharedStoreBuffers): void {
    this.slots = new Int32Array(buffers.slots);
    this.parents = new Int32Array(buffers.parents);
    this.ordinals = new Int32Array(buffers.ordinals);
    this.counter = new Int32Array(buffers.counter);
    const capacity = this.slots.length / 3;
    this.mask = capacity - 1;
    this.pauseAt = Math.floor(capacity * LOAD_TO_PAUSE);
  }

  get size(): number {
    return Atomics.load(this.counter, 0);
  }

  /** True when workers should pause so the table can grow. */
  get needsRoom(): boolean {
    return this.size >= this.pauseAt;
  }

  get bytesPerState(): number {
    const n = this.size;
    return n === 0 ? 0 : (this.slots.byteLength + this.parents.byteLength + this.ordinals.byteLength) / n;
  }

  insert(hi: number, lo: number, parent: number, ordinal: number): number {
    const slots = this.slots;
    const low = lo | 0 || 1;
    const high = hi | 0 || 1;
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = 3 * slot;
      let seen = Atomics.load(slots, at);
      if (seen === 0) {
        seen = Atomics.compareExchange(slots, at, 0, low);
        if (seen === 0) {
          const index = Atomics.add(this.counter, 0, 1);
          if (index >= this.parents.length)
            throw new Error("shared store overflow: workers did not pause to let it grow");
          this.parents[index] = parent;
          this.ordinals[index] = ordinal;
          slots[at + 2] = index;
          Atomics.store(slots, at + 1, high);
          this.recent.add(hi, lo);
          return index;
        }
      }
      if (seen === low) {
        let h = Atomics.load(slots, at + 1);
        while (h === 0) h = Atomics.load(slots, at + 1);
        if (h === high) {
          this.recent.add(hi, lo);
          return -1;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  has(hi: number, lo: number): boolean {
    if (this.recent.has(hi, lo)) return true;
    const slots = this.slots;
    const low = lo | 0 || 1;
    const high = hi | 0 || 1;
    let slot = (low ^ Math.imul(high, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = 3 * slot;
      const seen = Atomics.load(slots, at);
      if (seen === 0) return false;
      if (seen === low) {
        let h = Atomics.load(slots, at + 1);
        while (h === 0) h = Atomics.load(slots, at + 1);
        if (h === high) {
          this.recent.add(hi, lo);
          return true;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /**
   * A larger table, its slots and links empty, for the workers to fill with
   * `rehash` (main thread, workers paused): four times as large up to
   * QUADRUPLE_UNTIL slots, then twice. Quadrupling moves a third as many
   * fingerprints as doubling, in half as many pauses (9 RMs: 3.9M moved in
   * 4 rehashes, not 11.7M in 8), for at most 3 * QUADRUPLE_UNTIL / 4 slots
   * that doubling would not have made yet.
   */
  larger(): SharedStoreBuffers {
    const capacity = this.slots.length / 3;
    const factor = capacity * 4 <= QUADRUPLE_UNTIL ? 4 : 2;
    return allocate(Math.floor(capacity * factor * LOAD_TO_PAUSE), this.counter.buffer as SharedArrayBuffer);
  }

  /**
   * Moves share `part` of `parts` of this table's slots and links into the
   * (larger) table `next`. The workers move their shares at once, claiming
   * slots by compare-and-swap: done on the main thread, the rehash left
   * every worker waiting (a tenth of a 2-worker run), and so did copying
   * the links there (0.9 s of a 2-worker run with 9 RMs).
   */
  rehash(next: SharedStoreBuffers, part: number, parts: number): void {
    const stored = Math.min(this.size, this.parents.length);
    const from = Math.floor((stored * part) / parts);
    const until = Math.floor((stored * (part + 1)) / parts);
    new Int32Array(next.parents).set(this.parents.subarray(from, until), from);
    new Int32Array(next.ordinals).set(this.ordinals.subarray(from, until), from);
    const old = this.slots;
    const slots = new Int32Array(next.slots);
    const mask = slots.length / 3 - 1;
    const capacity = old.length / 3;
    const to = 3 * Math.floor((capacity * (part + 1)) / parts);
    for (let at = 3 * Math.floor((capacity * part) / parts); at < to; at += 3) {
      const low = old[at]!;
      if (low === 0) continue;
      const high = old[at + 1]!;
      let slot = (low ^ Math.imul(high, 0x9e3779b1)) & mask;
      // Every fingerprint is moved once: a claimed slot is someone else's, never a duplicate.
      while (slots[3 * slot] !== 0 || Atomics.compareExchange(slots, 3 * slot, 0, low) !== 0) slot = (slot + 1) & mask;
      slots[3 * slot + 1] = high;
      slots[3 * slot + 2] = old[at + 2]!;
    }
  }

  pathTo(index: number): number[] {
    const path: number[] = [];
    for (let i = index; i >= 0; i = this.parents[i]!) path.push(i);
    return path.reverse();
  }

  /** The fingerprints of some stored states, as `[hi, lo]` (see StateStore.fingerprints). */
  fingerprints(indices: readonly number[]): Map<number, readonly [number, number]> {
    const wanted = new Set(indices);
    const found = new Map<number, readonly [number, number]>();
    const slots = this.slots;
    for (let at = 0; at < slots.length && found.size < wanted.size; at += 3) {
      if (slots[at] === 0) continue;
      const index = slots[at + 2]!;
      if (wanted.has(index)) found.set(index, [slots[at + 1]!, slots[at]!]);
    }
    return found;
  }

  ordinal(index: number): number {
    return this.ordinals[index]!;
  }
}

function allocate(states: number, counter: SharedArrayBuffer): SharedStoreBuffers {
  let capacity = 1024;
  while (capacity * LOAD_TO_PAUSE < states) capacity *= 2;
  // Links for up to 90% load: workers pause at 70%, so a few expansions in flight still fit.
  const links = Math.ceil(capacity * 0.9);
  return {
    slots: new SharedArrayBuffer(capacity * 3 * 4),
    parents: new SharedArrayBuffer(links * 4),
    ordinals: new SharedArrayBuffer(links * 4),
    counter,
  };
}
