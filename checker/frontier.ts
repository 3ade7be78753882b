/**
 * The states waiting to be expanded, in structure-of-arrays form: one JS
 * array of states and typed arrays for their store index, fingerprint and
 * depth. Allocation-free per state (an object per entry cost about a tenth
 * of the run time in garbage collection on two-phase commit with 7 RMs).
 *
 * A queue given a spill policy moves what exceeds its memory budget to disk
 * (checker/disk-queue.ts): once spilling, new entries collect in a batch
 * that is written as a segment when full, and the queue refills from the
 * oldest segment when its in-memory part runs dry, so the order is kept.
 */
import { DiskSegments, estimateHeapBytes, type SpillPolicy, type SpillStats } from "./disk-queue.js";

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

  /** Segments on disk, once spilling started. */
  private disk: DiskSegments<S> | undefined;
  /** The newest entries while spilling, written to disk as one segment when full. */
  private back: Frontier<S> | undefined;
  private batchSize = 0;
  private pushes = 0;

  /** `spill`: a memory budget past which a FIFO queue moves entries to disk (not for LIFO stacks). */
  constructor(
    private readonly order: FrontierOrder,
    private readonly spill?: SpillPolicy<S>,
  ) {
    if (spill && order !== "fifo") throw new Error("only a FIFO frontier can spill to disk");
  }

  /** Number of waiting states, on disk included. */
  get length(): number {
    return this.tail - this.head + (this.disk?.length ?? 0) + (this.back?.length ?? 0);
  }

  /** Whether entries are being written to disk. */
  get spilling(): boolean {
    return this.back !== undefined;
  }

  push(state: S, index: number, hi: number, lo: number, depth: number): void {
    if (this.back !== undefined) {
      this.back.put(state, index, hi, lo, depth);
      if (this.back.tail - this.back.head >= this.batchSize) this.disk!.write(this.back.cut(this.batchSize));
      return;
    }
    this.put(state, index, hi, lo, depth);
    if (this.spill !== undefined && (++this.pushes & 255) === 0) this.watch();
  }

  private put(state: S, index: number, hi: number, lo: number, depth: number): void {
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
    if (this.tail === this.head && !this.refill()) return false;
    const k = this.order === "fifo" ? this.head++ : --this.tail;
    this.state = this.states[k]!;
    this.states[k] = undefined;
    this.index = this.indices[k]!;
    this.hi = this.his[k]!;
    this.lo = this.los[k]!;
    this.depth = this.depths[k]!;
    return true;
  }

  /**
   * Removes up to `count` entries from the back, for another worker (a
   * level's order does not matter to the parallel search, so a spilled
   * queue gives its newest segment first).
   */
  drain(count: number): FrontierBatch<S> {
    if (this.back !== undefined && this.back.tail > this.back.head) return this.back.cut(count);
    const segment = this.disk?.read({ newest: true });
    if (segment !== undefined) {
      const revived = this.revived(segment);
      if (revived.states.length <= count) return revived;
      const keep = revived.states.length - count;
      this.disk!.write(slice(revived, 0, keep));
      return slice(revived, keep, revived.states.length);
    }
    return this.cut(count);
  }

  /**
   * Starts spilling: every in-memory entry past the first batch goes to
   * disk now, in order, and new entries follow them there.
   */
  startSpilling(): void {
    const spill = this.spill;
    if (spill === undefined || this.back !== undefined) return;
    const tally = spill.tally;
    const entry = tally.memoryBytesPerState;
    this.batchSize = Math.max(64, Math.min(16384, Math.floor(spill.budgetBytes() / 4 / entry)));
    this.disk = new DiskSegments<S>(spill.area, spill.prefix ?? "segment", tally);
    this.back = new Frontier<S>(this.order);
    const rest = this.cut(Math.max(0, this.tail - this.head - this.batchSize));
    for (let from = 0; from < rest.states.length; from += this.batchSize) {
      this.disk.write(slice(rest, from, Math.min(rest.states.length, from + this.batchSize)));
    }
  }

  /** What this frontier's search spilled so far (shared by the frontiers of one search), or undefined. */
  get spillStats(): SpillStats | undefined {
    return this.spill?.tally.stats();
  }

  /** Samples the newest states' size now and then; starts spilling when the in-memory queue exceeds the budget. */
  private watch(): void {
    const tally = this.spill!.tally;
    if ((this.pushes & 4095) === 0 || tally.samples === 0) {
      // Consecutive states share structure: measure a run of them together.
      const seen = new Set<object>();
      const from = Math.max(this.head, this.tail - 16);
      let bytes = 0;
      for (let k = from; k < this.tail; k++) bytes += estimateHeapBytes(this.states[k], seen);
      tally.sample(bytes / (this.tail - from));
    }
    if ((this.tail - this.head) * tally.memoryBytesPerState > this.spill!.budgetBytes()) this.startSpilling();
  }

  /** Loads the oldest spilled entries when the in-memory part is empty. */
  private refill(): boolean {
    if (this.disk === undefined) return false;
    const segment = this.disk.read({ newest: false });
    const batch =
      segment !== undefined
        ? this.revived(segment)
        : this.back!.tail > this.back!.head
          ? this.back!.cut(this.back!.tail - this.back!.head)
          : undefined;
    if (batch === undefined) return false;
    this.head = 0;
    this.tail = 0;
    this.states.length = 0;
    const { states, indices, his, los, depths } = batch;
    for (let k = 0; k < states.length; k++) this.put(states[k]!, indices[k]!, his[k]!, los[k]!, depths[k]!);
    return true;
  }

  private revived(batch: FrontierBatch<S>): FrontierBatch<S> {
    const revive = this.spill!.revive;
    return { ...batch, states: batch.states.map((s) => revive(s)) };
  }

  /** Removes up to `count` in-memory entries from the back. */
  private cut(count: number): FrontierBatch<S> {
    const n = Math.max(0, Math.min(count, this.tail - this.head));
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

  /** Adds entries drained from another frontier (to disk, when spilling). */
  pushAll(batch: FrontierBatch<S>): void {
    batch.states.forEach((state, k) =>
      this.push(state, batch.indices[k]!, batch.his[k]!, batch.los[k]!, batch.depths[k]!),
    );
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

function slice<S>(batch: FrontierBatch<S>, from: number, to: number): FrontierBatch<S> {
  return {
    states: batch.states.slice(from, to),
    indices: batch.indices.slice(from, to),
    his: batch.his.slice(from, to),
    los: batch.los.slice(from, to),
    depths: batch.depths.slice(from, to),
  };
}

function grow<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
