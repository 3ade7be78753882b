/**
 * TLC's disk queue: when the BFS queue would outgrow what `--max-memory`
 * leaves after the fingerprint store, batches of waiting states are written
 * to append-only segment files in a temporary directory and read back
 * oldest first, so the search keeps its order (and so its counts and
 * shortest traces) and finishes instead of stopping at the memory limit.
 *
 * A segment is one batch in V8's structured-clone format (`v8.serialize`,
 * the encoding `postMessage` uses to hand states to parallel workers): the
 * states as plain data, or as the words of the model's codec, plus their
 * index, fingerprint and depth arrays. States read back as plain copies
 * are adopted by the model to be expandable again (protocols intern node
 * states).
 */
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * What the waiting states may take in memory: a fixed number of bytes (a
 * knob for tests and benchmarks), or what `--max-memory` leaves after the
 * search's fingerprint store (and a liveness check's edge log), so the two
 * together stay within it and the queue gives way first.
 */
export type QueueBudget =
  { readonly kind: "fixed"; readonly bytes: number } | { readonly kind: "after-store"; readonly memoryBytes: number };

/**
 * The bytes one of `share` frontiers may hold in memory now, given how many
 * the store takes (read each time: the store grows during the search).
 */
export function queueBytes(budget: QueueBudget, storeBytes: () => number, share = 1): () => number {
  if (budget.kind === "fixed") return () => budget.bytes / share;
  return () => (budget.memoryBytes - storeBytes()) / share;
}

/** How a frontier spills: its memory budget, where segments go and how states come back. */
export interface SpillPolicy<S> {
  /** Spill once the waiting states' estimated size in memory exceeds this many bytes (asked now and then). */
  readonly budgetBytes: () => number;
  readonly area: SpillArea;
  /** Makes a state read back from disk expandable (the model's `adopt`, then the guards' freeze). */
  readonly revive: (state: S) => S;
  /** Counts shared by every frontier of one search (a parallel worker makes one per level). */
  readonly tally: SpillTally;
  /** Segment file names start with this (parallel workers share a directory). */
  readonly prefix?: string;
}

/** What a frontier spilled, for the report. */
export interface SpillStats {
  /**
   * States written to disk (a segment split to hand work to another parallel worker is written, and counted, again).
   */
  readonly spilledStates: number;
  /** Bytes written to disk per spilled state (segment files, index arrays included). */
  readonly diskBytesPerState: number;
  /** Estimated bytes a waiting state holds in memory (its object graph plus its queue entry). */
  readonly memoryBytesPerState: number;
}

/** What a search's frontiers spilled, and the sampled size of a waiting state. */
export class SpillTally {
  spilledStates = 0;
  bytesWritten = 0;
  private sampledBytes = 0;
  samples = 0;

  /** Records the estimated heap size of one waiting state. */
  sample(bytes: number): void {
    this.sampledBytes += bytes;
    this.samples++;
  }

  /**
   * Estimated bytes per waiting state in memory: the sampled mean plus its queue entry (a pointer and four 32-bit
   * words).
   */
  get memoryBytesPerState(): number {
    return (this.samples === 0 ? 0 : this.sampledBytes / this.samples) + 24;
  }

  stats(): SpillStats {
    return {
      spilledStates: this.spilledStates,
      diskBytesPerState: this.spilledStates === 0 ? 0 : this.bytesWritten / this.spilledStates,
      memoryBytesPerState: this.memoryBytesPerState,
    };
  }

  /** Adds another tally's counts (a parallel worker's), keeping the larger size estimate's samples. */
  add(other: SpillStats): void {
    this.spilledStates += other.spilledStates;
    this.bytesWritten += other.diskBytesPerState * other.spilledStates;
    if (other.memoryBytesPerState > this.memoryBytesPerState) {
      this.sampledBytes = other.memoryBytesPerState - 24;
      this.samples = 1;
    }
  }
}

/**
 * A temporary directory for segment files, made on first use and removed
 * by `dispose` (and on process exit, so Ctrl-C twice or an error leaves
 * nothing behind).
 */
export class SpillArea {
  private path: string | undefined;
  private sequence = 0;
  private readonly onExit = () => this.dispose();

  /** `path`: an existing directory to write into (a parallel worker's, made by the coordinator). */
  constructor(path?: string) {
    this.path = path;
  }

  /** The directory, made now if it was not. */
  get directory(): string {
    if (this.path === undefined) {
      this.path = mkdtempSync(join(tmpdir(), "interleave-queue-"));
      process.on("exit", this.onExit);
    }
    return this.path;
  }

  /** A fresh segment file name in the directory. */
  nextFile(prefix = "segment"): string {
    return join(this.directory, `${prefix}-${this.sequence++}.bin`);
  }

  /** Removes the directory and every segment in it. */
  dispose(): void {
    if (this.path === undefined) return;
    rmSync(this.path, { recursive: true, force: true });
    this.path = undefined;
    process.off("exit", this.onExit);
  }
}

/** The segment files of one frontier, oldest first: batches of entries, `states` one slot per entry. */
export class DiskSegments<B extends { readonly states: readonly unknown[] }> {
  private readonly files: { readonly file: string; readonly count: number }[] = [];
  private first = 0;
  /** States waiting on disk. */
  length = 0;

  constructor(
    private readonly area: SpillArea,
    private readonly prefix: string,
    private readonly tally: SpillTally,
  ) {}

  get segments(): number {
    return this.files.length - this.first;
  }

  /** Appends a batch as a new segment (the newest). */
  write(batch: B): void {
    if (batch.states.length === 0) return;
    const bytes = serialize(batch);
    const file = this.area.nextFile(this.prefix);
    writeFileSync(file, bytes);
    this.files.push({ file, count: batch.states.length });
    this.length += batch.states.length;
    this.tally.spilledStates += batch.states.length;
    this.tally.bytesWritten += bytes.byteLength;
  }

  /**
   * Reads and deletes the oldest segment (FIFO), or the newest (`newest: true`, for handing work to another worker).
   */
  read(where: { readonly newest: boolean }): B | undefined {
    if (this.segments === 0) return undefined;
    const entry = where.newest ? this.files.pop()! : this.files[this.first++]!;
    if (this.first > 1024 && this.first * 2 > this.files.length) {
      this.files.splice(0, this.first);
      this.first = 0;
    }
    const batch = deserialize(readFileSync(entry.file)) as B;
    unlinkSync(entry.file);
    this.length -= entry.count;
    return batch;
  }
}

/**
 * A rough size of plain-data values in V8's heap (64-bit): object and array
 * headers, 8 bytes per field or element, heap numbers for non-integers.
 * Objects met before (in `seen`: substructure that consecutive states share,
 * as immer's structural sharing makes them) count once; strings count as
 * their pointer, as most are the spec's literals, shared by every state.
 */
export function estimateHeapBytes(value: unknown, seen: Set<object> = new Set(), depth = 0): number {
  if (typeof value === "number") return Number.isInteger(value) && Math.abs(value) < 2 ** 30 ? 0 : 16;
  if (typeof value !== "object" || value === null || depth > 64 || seen.has(value)) return 0;
  seen.add(value);
  if (Array.isArray(value)) {
    let n = 32 + 8 * value.length;
    for (const x of value) n += estimateHeapBytes(x, seen, depth + 1);
    return n;
  }
  let n = 24;
  for (const key in value) n += 8 + estimateHeapBytes((value as Record<string, unknown>)[key], seen, depth + 1);
  return n;
}

let gc: (() => void) | undefined;

/**
 * Runs a full garbage collection, so the memory of states just written to
 * disk goes back to the system before the resident set is read again (V8
 * would otherwise keep the dead queue until its next major collection, and
 * the search would stop at `--max-memory` with the queue already on disk).
 * `gc` is exposed at run time, the documented way without a command-line flag.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
