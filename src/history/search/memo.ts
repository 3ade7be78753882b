/**
 * The set of configurations a search has visited: (definite operations
 * linearized, unknown-outcome operations applied, state). Stored in flat typed
 * arrays (hand-rolled for speed and for exact memory accounting).
 *
 * The definite set is stored compactly: every operation before the first
 * unlinearized one is linearized, so only the words from there to the last
 * linearized one are kept (the window of concurrency), which makes an entry a
 * few words long even in a history of thousands of operations.
 *
 * Entries start "open" (the configuration is on the search stack) and become
 * "failed" when the search has explored everything after them, which lets the
 * search prune configurations that a failed one subsumes.
 */
export class ConfigMemo {
  private cap = 256;
  private count = 0;
  private stateOf = new Int32Array(this.cap);
  private hashOf = new Int32Array(this.cap);
  private nextOf = new Int32Array(this.cap);
  private fromOf = new Int32Array(this.cap);
  private lengthOf = new Int32Array(this.cap);
  private offsetOf = new Int32Array(this.cap);
  private failed = new Uint8Array(this.cap);
  private epochOf = new Int32Array(this.cap);
  /** Open entries of earlier runs (abandoned by a restart) count as absent. */
  private epoch = 0;
  private arena = new Uint32Array(1024);
  private top = 0;
  private buckets = new Int32Array(256).fill(-1);
  private mask = 255;

  constructor(private readonly uWords: number) {}

  get size(): number {
    return this.count;
  }

  /** Bytes held by the tables. */
  memoryBytes(): number {
    return this.cap * 33 + this.arena.length * 4 + this.buckets.length * 4;
  }

  /**
   * Whether exactly this configuration was visited; with `failedOnly`,
   * whether it was visited and fully explored without success.
   */
  has(d: DefiniteSet, u: Uint32Array, state: number, hash: number, failedOnly = false): boolean {
    const from = d.fromWord();
    const length = d.toWord() - from;
    const uw = this.uWords;
    const arena = this.arena;
    const words = d.words;
    for (let e = this.buckets[mix(hash) & this.mask]!; e !== -1; e = this.nextOf[e]!) {
      if (
        this.hashOf[e] !== hash ||
        this.stateOf[e] !== state ||
        this.fromOf[e] !== from ||
        this.lengthOf[e] !== length
      )
        continue;
      if (this.failed[e] !== 1 && (failedOnly || this.epochOf[e] !== this.epoch)) continue;
      const base = this.offsetOf[e]!;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (arena[base + i] !== words[from + i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (let i = 0; i < uw; i++) {
        if (arena[base + length + i] !== u[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** Adds an open entry and returns its index. */
  add(d: DefiniteSet, u: Uint32Array, state: number, hash: number): number {
    if (this.count === this.cap) this.grow();
    if (this.count >= this.buckets.length) this.rehash();
    const from = d.fromWord();
    const length = d.toWord() - from;
    const size = length + this.uWords;
    if (this.top + size > this.arena.length) {
      let bigger = this.arena.length * 2;
      while (this.top + size > bigger) bigger *= 2;
      const arena = new Uint32Array(bigger);
      arena.set(this.arena);
      this.arena = arena;
    }
    const e = this.count++;
    this.epochOf[e] = this.epoch;
    this.stateOf[e] = state;
    this.hashOf[e] = hash;
    this.fromOf[e] = from;
    this.lengthOf[e] = length;
    this.offsetOf[e] = this.top;
    // Word loops, not `set(subarray)`: a subarray view per entry cost 7% of the search's time (kv c50-ok, 230,000
    // entries).
    const arena = this.arena;
    const words = d.words;
    const top = this.top;
    for (let i = 0; i < length; i++) arena[top + i] = words[from + i]!;
    for (let i = 0; i < this.uWords; i++) arena[top + length + i] = u[i]!;
    this.top = top + size;
    const b = mix(hash) & this.mask;
    this.nextOf[e] = this.buckets[b]!;
    this.buckets[b] = e;
    return e;
  }

  /**
   * Starts a new search over the same partition: what earlier searches fully
   * explored stays (it failed whatever the order), what they left open is
   * forgotten.
   */
  newEpoch(): void {
    this.epoch++;
  }

  /** Marks an entry as fully explored without success. */
  markFailed(e: number): void {
    this.failed[e] = 1;
  }

  private grow(): void {
    const cap = this.cap * 2;
    this.stateOf = extend(this.stateOf, cap);
    this.hashOf = extend(this.hashOf, cap);
    this.nextOf = extend(this.nextOf, cap);
    this.fromOf = extend(this.fromOf, cap);
    this.lengthOf = extend(this.lengthOf, cap);
    this.offsetOf = extend(this.offsetOf, cap);
    this.epochOf = extend(this.epochOf, cap);
    const failed = new Uint8Array(cap);
    failed.set(this.failed);
    this.failed = failed;
    this.cap = cap;
  }

  private rehash(): void {
    const size = this.buckets.length * 2;
    this.buckets = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      const b = mix(this.hashOf[e]!) & this.mask;
      this.nextOf[e] = this.buckets[b]!;
      this.buckets[b] = e;
    }
  }
}

/**
 * The set of definite operations linearized, as a bitset that also tracks
 * its first unset bit and one past its last set bit (so the memo stores only
 * the words in between) and a Zobrist hash (updated in O(1) per change).
 */
export class DefiniteSet {
  readonly words: Uint32Array;
  /** The first operation not in the set. */
  private low = 0;
  /** One past the last operation in the set. */
  private high = 0;
  hash = 0;

  constructor(
    private readonly size: number,
    private readonly zobrist: Int32Array,
  ) {
    this.words = new Uint32Array(Math.max(1, (size + 31) >>> 5));
  }

  has(b: number): boolean {
    return (this.words[b >>> 5]! & (1 << (b & 31))) !== 0;
  }

  toggle(b: number): void {
    this.words[b >>> 5]! ^= 1 << (b & 31);
    this.hash ^= this.zobrist[b]!;
    if (this.has(b)) {
      if (b === this.low) while (this.low < this.size && this.has(this.low)) this.low++;
      if (b >= this.high) this.high = b + 1;
    } else {
      if (b < this.low) this.low = b;
      if (b + 1 === this.high) while (this.high > 0 && !this.has(this.high - 1)) this.high--;
    }
  }

  /** First word holding an operation not in the set (all words before are full). */
  fromWord(): number {
    return this.low >>> 5;
  }

  /** One past the last word holding an operation in the set (all words after are empty). */
  toWord(): number {
    const from = this.low >>> 5;
    return this.high <= this.low ? from : Math.max(from, ((this.high - 1) >>> 5) + 1);
  }
}

function extend(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h;
}

/**
 * Deterministic pseudo-random 32-bit words for Zobrist hashing of operation
 * sets (the first `n` of one shared sequence, computed once).
 */
export function zobristTable(n: number): Int32Array {
  if (shared.length < n) {
    const bigger = new Int32Array(Math.max(n, shared.length * 2, 1024));
    bigger.set(shared);
    let x = (0x9e3779b9 + Math.imul(shared.length, 0x6d2b79f5)) | 0;
    for (let i = shared.length; i < bigger.length; i++) {
      x = (x + 0x6d2b79f5) | 0;
      let t = Math.imul(x ^ (x >>> 15), 1 | x);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      bigger[i] = t ^ (t >>> 14);
    }
    shared = bigger;
  }
  return shared.subarray(0, n);
}

let shared = new Int32Array(0);

/** Combines an operation-set hash with a state id. */
export function configHash(setHash: number, state: number): number {
  return (setHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
}
