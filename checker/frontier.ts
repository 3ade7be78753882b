/**
 * The states waiting to be expanded, in structure-of-arrays form: one JS
 * array of states and typed arrays for their store index, fingerprint and
 * depth. Allocation-free per state (an object per entry cost about a tenth
 * of the run time in garbage collection on two-phase commit with 7 RMs).
 *
 * Given the model's codec, the states wait as words in one typed array
 * (entry k's from `starts[k]` to the next entry's start), decoded when
 * taken. A waiting state object outlives the young generation and is
 * copied twice on its way to the old one; as words it is a few dozen bytes
 * outside the JS heap. A state the codec declines waits as an object.
 *
 * A queue given a spill policy moves what exceeds its memory budget to disk
 * (checker/disk-queue.ts): once spilling, new entries collect in a batch
 * that is written as a segment when full, and the queue refills from the
 * oldest segment when its in-memory part runs dry, so the order is kept.
 * Segments keep encoded states as words.
 */
import type { StateCodec } from "../src/index.js";
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
  /** With a codec: where each entry's words start (an entry kept as an object has none). */
  private starts = new Int32Array(1024);
  private words = new Int32Array(0);
  /** End of the words in use. */
  private wordEnd = 0;

  /** The entry last taken. */
  state!: S;
  index = 0;
  hi = 0;
  lo = 0;
  depth = 0;

  /** Segments on disk, once spilling started. */
  private disk: DiskSegments<Segment<S>> | undefined;
  /** The newest entries while spilling, written to disk as one segment when full. */
  private back: Frontier<S> | undefined;
  private batchSize = 0;
  private pushes = 0;

  /**
   * `spill`: a memory budget past which a FIFO queue moves entries to disk (not for LIFO stacks);
   * `codec`: the model's, to hold the states as words.
   */
  constructor(
    private readonly order: FrontierOrder,
    private readonly spill?: SpillPolicy<S>,
    private readonly codec?: StateCodec<S>,
  ) {
    if (spill && order !== "fifo") throw new Error("only a FIFO frontier can spill to disk");
  }

  /** Number of waiting states, on disk included. */
  get length(): number {
    return this.tail - this.head + (this.disk?.length ?? 0) + (this.back?.length ?? 0);
  }

  /**
   * Empties a frontier whose entries were all taken, keeping its arrays for
   * the next level (growing them again, level after level, cost each worker
   * a few percent of a search in zero-filling and copying).
   */
  reuse(): this {
    if (this.length !== 0) throw new Error("only an empty frontier is reused");
    this.head = 0;
    this.tail = 0;
    this.wordEnd = 0;
    this.states.length = 0;
    this.disk = undefined;
    this.back = undefined;
    this.pushes = 0;
    return this;
  }

  /** Whether entries are being written to disk. */
  get spilling(): boolean {
    return this.back !== undefined;
  }

  push(state: S, index: number, hi: number, lo: number, depth: number): void {
    if (this.back !== undefined) {
      this.back.put(state, index, hi, lo, depth);
      if (this.back.tail - this.back.head >= this.batchSize) this.disk!.write(this.back.cutSegment(this.batchSize));
      return;
    }
    this.put(state, index, hi, lo, depth);
    if (this.spill !== undefined && (++this.pushes & 255) === 0) this.watch();
  }

  private put(state: S, index: number, hi: number, lo: number, depth: number): void {
    const t = this.entry(index, hi, lo, depth);
    const codec = this.codec;
    if (codec !== undefined) {
      const n = codec.size(state);
      if (n >= 0) {
        this.makeWordRoom(n);
        if (codec.encode(state, this.words, this.wordEnd)) {
          this.wordEnd += n;
          return;
        }
      }
    }
    this.states[t] = state;
  }

  /** Adds an entry's index, fingerprint and depth (its state is the caller's to add); returns its position. */
  private entry(index: number, hi: number, lo: number, depth: number): number {
    if (this.tail === this.indices.length) this.makeRoom();
    const t = this.tail++;
    this.starts[t] = this.wordEnd;
    this.indices[t] = index;
    this.his[t] = hi;
    this.los[t] = lo;
    this.depths[t] = depth;
    return t;
  }

  /** Takes the next entry into `state`, `index`, ... Returns false when empty. */
  take(): boolean {
    if (this.tail === this.head && !this.refill()) return false;
    const k = this.order === "fifo" ? this.head++ : --this.tail;
    this.state = this.stateAt(k);
    if (this.order === "lifo") this.wordEnd = this.starts[k]!;
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
    this.disk = new DiskSegments<Segment<S>>(spill.area, spill.prefix ?? "segment", tally);
    this.back = new Frontier<S>(this.order, undefined, this.codec);
    const rest = this.cutSegment(Math.max(0, this.tail - this.head - this.batchSize));
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
      for (let k = from; k < this.tail; k++) {
        const state = this.states[k];
        // An encoded state: its words and its start.
        bytes += state !== undefined ? estimateHeapBytes(state, seen) : 4 * (this.endOf(k) - this.starts[k]!) + 4;
      }
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
        ? segment
        : this.back!.tail > this.back!.head
          ? this.back!.cutSegment(this.back!.tail - this.back!.head)
          : undefined;
    if (batch === undefined) return false;
    this.head = 0;
    this.tail = 0;
    this.wordEnd = 0;
    this.states.length = 0;
    // States that went to disk as objects are plain copies, for the model to adopt; those from `back` are its own.
    const revive = segment !== undefined ? this.spill!.revive : undefined;
    const { indices, his, los, depths, words } = batch;
    forEachEntry(batch, (k, state, from, to) => {
      if (state !== undefined) this.put(revive ? revive(state) : state, indices[k]!, his[k]!, los[k]!, depths[k]!);
      else {
        this.entry(indices[k]!, his[k]!, los[k]!, depths[k]!);
        this.append(words!, from, to);
      }
    });
    return true;
  }

  /** A segment read back from disk as states, the ones stored as objects adopted by the model. */
  private revived(segment: Segment<S>): FrontierBatch<S> {
    const revive = this.spill!.revive;
    const states: S[] = [];
    forEachEntry(segment, (_, state, from, to) =>
      states.push(state !== undefined ? revive(state) : this.codec!.decode(segment.words!, from, to)),
    );
    return { ...segment, states };
  }

  /** Removes up to `count` in-memory entries from the back, as states. */
  private cut(count: number): FrontierBatch<S> {
    const from = this.backFrom(count);
    const states: S[] = [];
    for (let k = from; k < this.tail; k++) states.push(this.stateAt(k));
    return this.cutEntries(from, states);
  }

  /** Removes up to `count` in-memory entries from the back, encoded states as words (to write to disk). */
  private cutSegment(count: number): Segment<S> {
    const from = this.backFrom(count);
    // Dense, its length the entry count: an encoded entry's slot holds undefined, not a hole.
    const states = Array.from({ length: this.tail - from }, (_, k) => this.states[from + k]);
    this.states.length = Math.min(this.states.length, from);
    if (this.codec === undefined || from === this.tail) return this.cutEntries(from, states);
    const first = this.starts[from]!;
    const starts = this.starts.slice(from, this.tail).map((s) => s - first);
    const words = this.words.slice(first, this.wordEnd);
    return { ...this.cutEntries(from, states), words, starts };
  }

  /** Where the last `count` in-memory entries (or all of them, if fewer) start. */
  private backFrom(count: number): number {
    return this.tail - Math.max(0, Math.min(count, this.tail - this.head));
  }

  /** Removes the entries from `from` on, whose states are `states`. */
  private cutEntries<T>(from: number, states: T[]): Omit<FrontierBatch<S>, "states"> & { states: T[] } {
    const batch = {
      states,
      indices: this.indices.slice(from, this.tail),
      his: this.his.slice(from, this.tail),
      los: this.los.slice(from, this.tail),
      depths: this.depths.slice(from, this.tail),
    };
    if (from < this.tail) this.wordEnd = this.starts[from]!;
    this.tail = from;
    return batch;
  }

  /** Entry k's state, its slot then cleared (its words stay until overwritten). */
  private stateAt(k: number): S {
    const state = this.states[k];
    if (state !== undefined || this.codec === undefined) {
      this.states[k] = undefined;
      return state as S;
    }
    return this.codec.decode(this.words, this.starts[k]!, this.endOf(k));
  }

  /** Where entry k's words end. */
  private endOf(k: number): number {
    return k + 1 < this.tail ? this.starts[k + 1]! : this.wordEnd;
  }

  /** Appends `source[from, to)` to the words of the newest entry. */
  private append(source: Int32Array, from: number, to: number): void {
    this.makeWordRoom(to - from);
    // A loop, not `set(source.subarray(...))`: an entry is a dozen words, and a view per entry costs more than the
    // copy.
    const words = this.words;
    let at = this.wordEnd;
    for (let k = from; k < to; k++) words[at++] = source[k]!;
    this.wordEnd = at;
  }

  /** Makes room for `n` more words after `wordEnd`. */
  private makeWordRoom(n: number): void {
    if (this.wordEnd + n > this.words.length) {
      // The waiting entries' words start at the oldest one's (the words of a queue's taken entries are free).
      const first = this.starts[this.head]!;
      const live = this.wordEnd - first;
      const words =
        first > 0 && (live + n) * 2 <= this.words.length ? this.words : new Int32Array(2 * (live + n) + 1024);
      words.set(this.words.subarray(first, this.wordEnd));
      this.words = words;
      for (let k = this.head; k < this.tail; k++) this.starts[k]! -= first;
      this.wordEnd = live;
    }
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
      this.states.length = Math.min(this.states.length, live);
      this.indices.copyWithin(0, this.head, this.tail);
      this.his.copyWithin(0, this.head, this.tail);
      this.los.copyWithin(0, this.head, this.tail);
      this.depths.copyWithin(0, this.head, this.tail);
      this.starts.copyWithin(0, this.head, this.tail);
      this.head = 0;
      this.tail = live;
      return;
    }
    const size = this.indices.length * 2;
    this.indices = grow(this.indices, new Int32Array(size));
    this.his = grow(this.his, new Uint32Array(size));
    this.los = grow(this.los, new Uint32Array(size));
    this.depths = grow(this.depths, new Int32Array(size));
    this.starts = grow(this.starts, new Int32Array(size));
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

/**
 * Entries as a frontier writes them to disk: with a codec, an encoded
 * state's slot in `states` is undefined and its words are
 * `words[starts[k], starts[k + 1])` (the last one's, to the end).
 */
interface Segment<S> extends Omit<FrontierBatch<S>, "states"> {
  readonly states: (S | undefined)[];
  readonly words?: Int32Array;
  readonly starts?: Int32Array;
}

/** Where entry k's words start in a segment (its end past the last entry; 0 without words). */
function wordAt(segment: Segment<unknown>, k: number): number {
  const { words, starts } = segment;
  if (words === undefined || starts === undefined) return 0;
  return k < starts.length ? starts[k]! : words.length;
}

/** Calls `visit` with each entry of a segment: its state if kept as an object, and where its words are. */
function forEachEntry<S>(
  segment: Segment<S>,
  visit: (k: number, state: S | undefined, from: number, to: number) => void,
): void {
  for (let k = 0; k < segment.states.length; k++)
    visit(k, segment.states[k], wordAt(segment, k), wordAt(segment, k + 1));
}

/** Entries `[from, to)` of a batch or segment. */
function slice<B extends Segment<unknown>>(batch: B, from: number, to: number): B {
  return {
    ...batch,
    states: batch.states.slice(from, to),
    indices: batch.indices.slice(from, to),
    his: batch.his.slice(from, to),
    los: batch.los.slice(from, to),
    depths: batch.depths.slice(from, to),
    ...sliceWords(batch, from, to),
  };
}

/** The words of entries `[from, to)` of a segment, their starts rebased to 0 (nothing for a batch without words). */
function sliceWords(segment: Segment<unknown>, from: number, to: number): Pick<Segment<unknown>, "words" | "starts"> {
  const { words, starts } = segment;
  if (words === undefined || starts === undefined) return {};
  const first = wordAt(segment, from);
  return { words: words.slice(first, wordAt(segment, to)), starts: starts.slice(from, to).map((s) => s - first) };
}

function grow<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
