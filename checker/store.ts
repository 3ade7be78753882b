/**
 * The set of visited states: 64-bit fingerprints in an open-addressing hash
 * table of typed arrays, with a parent link and successor ordinal per state
 * so a trace can be rebuilt by replaying from an initial state.
 *
 * Hand-rolled for speed and memory: a `Set<string>` of JSON keys costs about
 * 100 bytes and a string per state; this costs 32 bytes per state and no
 * allocation per lookup.
 */

const EMPTY = 0;

/** Fingerprint store with trace links; state indices are dense from 0. */
export class StateStore {
  private mask: number;
  private slotHi: Uint32Array;
  private slotLo: Uint32Array;
  /** State index + 1 per slot; 0 marks an empty slot. */
  private slotIndex: Int32Array;
  private parents: Int32Array;
  private ordinals: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 1024;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slotHi = new Uint32Array(capacity);
    this.slotLo = new Uint32Array(capacity);
    this.slotIndex = new Int32Array(capacity);
    this.parents = new Int32Array(initialCapacity);
    this.ordinals = new Int32Array(initialCapacity);
  }

  /** Number of distinct states stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the store's arrays, per stored state (reported by the checker). */
  get bytesPerState(): number {
    const bytes = this.slotHi.byteLength + this.slotLo.byteLength + this.slotIndex.byteLength + this.parents.byteLength + this.ordinals.byteLength;
    return this.count === 0 ? 0 : bytes / this.count;
  }

  /**
   * Adds a state. Returns its new index, or -1 when the fingerprint is known.
   * `parent` is the index of the state it was reached from (-1 for an initial
   * state) and `ordinal` its position among that parent's successors.
   */
  insert(hi: number, lo: number, parent: number, ordinal: number): number {
    const mask = this.mask;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const index = this.slotIndex[slot]!;
      if (index === EMPTY) break;
      if (this.slotLo[slot] === lo && this.slotHi[slot] === hi) return -1;
      slot = (slot + 1) & mask;
    }
    const index = this.count++;
    this.slotHi[slot] = hi;
    this.slotLo[slot] = lo;
    this.slotIndex[slot] = index + 1;
    if (index >= this.parents.length) this.growLinks();
    this.parents[index] = parent;
    this.ordinals[index] = ordinal;
    if (this.count * 2 > mask) this.growTable();
    return index;
  }

  /** The chain of (state index) from an initial state to `index`, inclusive. */
  pathTo(index: number): number[] {
    const path: number[] = [];
    for (let i = index; i >= 0; i = this.parents[i]!) path.push(i);
    return path.reverse();
  }

  /** The successor ordinal by which `index` was first reached (the init ordinal for initial states). */
  ordinal(index: number): number {
    return this.ordinals[index]!;
  }

  private growLinks(): void {
    const size = this.parents.length * 2;
    const parents = new Int32Array(size);
    parents.set(this.parents);
    const ordinals = new Int32Array(size);
    ordinals.set(this.ordinals);
    this.parents = parents;
    this.ordinals = ordinals;
  }

  private growTable(): void {
    const oldHi = this.slotHi;
    const oldLo = this.slotLo;
    const oldIndex = this.slotIndex;
    const capacity = oldIndex.length * 2;
    this.mask = capacity - 1;
    this.slotHi = new Uint32Array(capacity);
    this.slotLo = new Uint32Array(capacity);
    this.slotIndex = new Int32Array(capacity);
    for (let s = 0; s < oldIndex.length; s++) {
      const index = oldIndex[s]!;
      if (index === EMPTY) continue;
      const hi = oldHi[s]!;
      const lo = oldLo[s]!;
      let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
      while (this.slotIndex[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slotHi[slot] = hi;
      this.slotLo[slot] = lo;
      this.slotIndex[slot] = index;
    }
  }
}
