/**
 * The states waiting to be expanded, in structure-of-arrays form: one JS
 * array of states and typed arrays for their store index, fingerprint and
 * depth. Allocation-free per state (an object per entry cost about a tenth
 * of the run time in garbage collection on two-phase commit with 7 RMs).
 */

/** Which waiting state is expanded next: the oldest (BFS) or the newest (DFS). */
export type FrontierOrder = "fifo" | "lifo";

/** A queue or stack of states with their index, fingerprint and depth. */
export class Frontier<S> {
  private states: (S | undefined)[] = [];
  private indices = new Int32Array(1024);
  private his = new Uint32Array(1024);
  private los = new Uint32Array(1024);
  private depths = new Int32Array(1024);
  private head = 0;
  private tail = 0;

  /** The entry last taken. */
  state!: S;
  index = 0;
  hi = 0;
  lo = 0;
  depth = 0;

  constructor(private readonly order: FrontierOrder) {}

  /** Number of waiting states. */
  get length(): number {
    return this.tail - this.head;
  }

  push(state: S, index: number, hi: number, lo: number, depth: number): void {
    if (this.tail === this.indices.length) this.makeRoom();
    const t = this.tail++;
    this.states[t] = state;
    this.indices[t] = index;
    this.his[t] = hi;
    this.los[t] = lo;
    this.depths[t] = depth;
  }

  /** Takes the next entry into `state`, `index`, ... Returns false when empty. */
  take(): boolean {
    if (this.tail === this.head) return false;
    const k = this.order === "fifo" ? this.head++ : --this.tail;
    this.state = this.states[k]!;
    this.states[k] = undefined;
    this.index = this.indices[k]!;
    this.hi = this.his[k]!;
    this.lo = this.los[k]!;
    this.depth = this.depths[k]!;
    return true;
  }

  /** Removes up to `count` entries from the back, for another worker. */
  drain(count: number): FrontierBatch<S> {
    const n = Math.min(count, this.length);
    const from = this.tail - n;
    const batch: FrontierBatch<S> = {
      states: this.states.slice(from, this.tail) as S[],
      indices: this.indices.slice(from, this.tail),
      his: this.his.slice(from, this.tail),
      los: this.los.slice(from, this.tail),
      depths: this.depths.slice(from, this.tail),
    };
    for (let k = from; k < this.tail; k++) this.states[k] = undefined;
    this.tail = from;
    return batch;
  }

  /** Adds entries drained from another frontier. */
  pushAll(batch: FrontierBatch<S>): void {
    batch.states.forEach((state, k) => this.push(state, batch.indices[k]!, batch.his[k]!, batch.los[k]!, batch.depths[k]!));
  }

  private makeRoom(): void {
    const live = this.tail - this.head;
    if (this.head > 0 && live * 2 <= this.indices.length) {
      // Slide the live part of a queue to the front instead of growing.
      this.states.copyWithin(0, this.head, this.tail);
      this.states.length = live;
      this.indices.copyWithin(0, this.head, this.tail);
      this.his.copyWithin(0, this.head, this.tail);
      this.los.copyWithin(0, this.head, this.tail);
      this.depths.copyWithin(0, this.head, this.tail);
      this.head = 0;
      this.tail = live;
      return;
    }
    const size = this.indices.length * 2;
    this.indices = grow(this.indices, new Int32Array(size));
    this.his = grow(this.his, new Uint32Array(size));
    this.los = grow(this.los, new Uint32Array(size));
    this.depths = grow(this.depths, new Int32Array(size));
  }
}

/** Entries moved between frontiers (structured-cloneable). */
export interface FrontierBatch<S> {
  readonly states: S[];
  readonly indices: Int32Array;
  readonly his: Uint32Array;
  readonly los: Uint32Array;
  readonly depths: Int32Array;
}

function grow<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
