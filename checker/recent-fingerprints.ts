/**
 * A small direct-mapped cache of fingerprints known to be in a state store,
 * checked before the store's table.
 *
 * Most successors are known states, and a lookup in a big table is a cache
 * miss: on two-phase commit it was the parallel workers' largest cost (a
 * fifth of their time with 9 RMs). A state's known successors are mostly
 * the ones its siblings, expanded just before it, generated or found, so
 * the last fingerprints seen answer most lookups from the CPU's cache: 3 in
 * 4 of a 2-worker run's lookups with 8 RMs (512 KB per thread; 2 in 3 with
 * 128 KB). A fingerprint enters only once it is stored, and stores never
 * forget one, so a hit is always right; a miss goes to the table.
 */

/** Entries (a power of two), two words each: 512 KB. */
const BITS = 16;

/** The last fingerprints stored or found, one per slot. */
export class RecentFingerprints {
  private readonly words = new Int32Array(2 << BITS);

  constructor() {
    // An empty slot must match no fingerprint: (0, 0) belongs in slot 0 only, so slot 0 starts with one that does not.
    this.words[1] = -1;
  }

  /** True when (hi, lo) was added (false says nothing). */
  has(hi: number, lo: number): boolean {
    const at = slotOf(hi, lo);
    return this.words[at] === (lo | 0) && this.words[at + 1] === (hi | 0);
  }

  /** Remembers a stored fingerprint, replacing the one in its slot. */
  add(hi: number, lo: number): void {
    const at = slotOf(hi, lo);
    this.words[at] = lo;
    this.words[at + 1] = hi;
  }
}

function slotOf(hi: number, lo: number): number {
  // The table's slot comes from the low bits of one mix; the cache's from the high bits of another.
  return ((Math.imul(lo, 0x85ebca6b) ^ hi) >>> (32 - BITS)) << 1;
}
