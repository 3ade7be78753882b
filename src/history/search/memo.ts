/**
 * The set of configurations a search has visited: (definite operations
 * linearized, unknown-outcome operations applied, state). Stored in flat typed
 * arrays (hand-rolled for speed and for exact memory accounting).
 *
 * Entries start "open" (the configuration is on the search stack) and become
 * "failed" when the search has explored everything after them, which lets the
 * search prune configurations that a failed one subsumes.
 */
export class ConfigMemo {
  private cap = 1024;
  private count = 0;
  private stateOf = new Int32Array(this.cap);
  private hashOf = new Int32Array(this.cap);
  private nextOf = new Int32Array(this.cap);
  private failed = new Uint8Array(this.cap);
  private words: Uint32Array;
  private buckets: Int32Array;
  private mask: number;
  private readonly width: number;

  constructor(
    private readonly dWords: number,
    private readonly uWords: number,
  ) {
    this.width = dWords + uWords;
    this.words = new Uint32Array(this.cap * this.width);
    this.buckets = new Int32Array(2048).fill(-1);
    this.mask = 2047;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the tables. */
  memoryBytes(): number {
    return this.cap * (13 + 4 * this.width) + this.buckets.length * 4;
  }

  /**
   * Whether exactly this configuration was visited; with `failedOnly`,
   * whether it was visited and fully explored without success.
   */
  has(d: Uint32Array, u: Uint32Array, state: number, hash: number, failedOnly = false): boolean {
    const dw = this.dWords;
    const uw = this.uWords;
    const words = this.words;
    for (let e = this.buckets[mix(hash) & this.mask]!; e !== -1; e = this.nextOf[e]!) {
      if (this.hashOf[e] !== hash || this.stateOf[e] !== state) continue;
      if (failedOnly && this.failed[e] !== 1) continue;
      const base = e * this.width;
      let same = true;
      for (let i = 0; i < dw; i++) {
        if (words[base + i] !== d[i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (let i = 0; i < uw; i++) {
        if (words[base + dw + i] !== u[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  /** Adds an open entry and returns its index. */
  add(d: Uint32Array, u: Uint32Array, state: number, hash: number): number {
    if (this.count === this.cap) this.grow();
    if (this.count >= this.buckets.length) this.rehash();
    const e = this.count++;
    this.stateOf[e] = state;
    this.hashOf[e] = hash;
    const base = e * this.width;
    this.words.set(d, base);
    if (this.uWords > 0) this.words.set(u, base + this.dWords);
    const b = mix(hash) & this.mask;
    this.nextOf[e] = this.buckets[b]!;
    this.buckets[b] = e;
    return e;
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
    const failed = new Uint8Array(cap);
    failed.set(this.failed);
    this.failed = failed;
    const words = new Uint32Array(cap * this.width);
    words.set(this.words);
    this.words = words;
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

/** Deterministic pseudo-random 32-bit words for Zobrist hashing of operation sets. */
export function zobristTable(n: number, seed = 0x9e3779b9): Int32Array {
  const out = new Int32Array(n);
  let x = seed | 0;
  for (let i = 0; i < n; i++) {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), 1 | x);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = t ^ (t >>> 14);
  }
  return out;
}

/** Combines an operation-set hash with a state id. */
export function configHash(setHash: number, state: number): number {
  return (setHash ^ Math.imul(state + 1, 0x9e3779b1)) | 0;
}
