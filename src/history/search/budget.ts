import { constrainedMemory, memoryUsage } from "node:process";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import type { Budget, CheckProgress, UnknownReason } from "../result.js";

/** Default memory limit for the search tables: a quarter of the heap limit, at most 1 GiB. */
function defaultMaxMemoryBytes(): number {
  defaultBytes ??= Math.min(1 << 30, Math.floor(getHeapStatistics().heap_size_limit / 4));
  return defaultBytes;
}

let defaultBytes: number | undefined;

/**
 * Default limit on the process's resident memory: half the physical memory,
 * or the memory the process is confined to (a container's cgroup limit,
 * `process.constrainedMemory()`) when that is smaller.
 */
export function defaultMaxResidentBytes(): number {
  const half = Math.floor(totalmem() / 2);
  const constrained = constrainedMemory();
  return constrained !== undefined && constrained > 0 ? Math.min(half, constrained) : half;
}

/** How often the clock reads the resident memory (a system call): every this many checks. */
const RESIDENT_EVERY = 16;

/** A running budget shared by the partitions (and phases) of one check. */
export class BudgetClock {
  readonly start = performance.now();
  private readonly deadline: number;
  readonly maxBytes: number;
  private readonly maxResident: number;
  private readonly onProgress: ((p: CheckProgress) => void) | undefined;
  private readonly progressEveryMs: number;
  private nextProgress: number;
  private configurations = 0;
  private bytes = 0;

  constructor(budget: Budget = {}) {
    this.deadline = budget.timeoutMs === undefined ? Infinity : this.start + budget.timeoutMs;
    this.maxBytes = budget.maxMemoryBytes ?? defaultMaxMemoryBytes();
    this.maxResident = budget.maxResidentBytes ?? Infinity;
    this.onProgress = budget.onProgress;
    this.progressEveryMs = budget.progressIntervalMs ?? 250;
    this.nextProgress = this.start + this.progressEveryMs;
  }

  /**
   * Why to stop now, given the bytes the caller's tables hold, or `null` to
   * go on. `configurations` is how many the caller visited since its last
   * call (for progress). Every phase of a check calls it, so the limits hold
   * in each: a phase that holds no tables of its own passes 0 bytes and is
   * still bounded by the resident memory and the heap.
   */
  exceeded(bytes: number, configurations = 0): UnknownReason | null {
    this.configurations += configurations;
    this.bytes = bytes;
    if (bytes > this.maxBytes) return "memory";
    const now = this.deadline !== Infinity || this.onProgress !== undefined ? performance.now() : 0;
    if (now > this.deadline) return "timeout";
    if (this.onProgress !== undefined && now >= this.nextProgress) {
      this.nextProgress = now + this.progressEveryMs;
      this.onProgress(this.progress(now));
    }
    // A guard whatever the estimate says: stop well before V8 runs out of heap,
    // or the process passes its resident-memory limit.
    if (++this.checks % RESIDENT_EVERY === 0) {
      const heap = getHeapStatistics();
      if (heap.used_heap_size > heap.heap_size_limit * 0.75) return "memory";
      if (this.maxResident !== Infinity && memoryUsage.rss() > this.maxResident) return "memory";
    }
    return null;
  }

  private checks = 0;

  private progress(now: number): CheckProgress {
    return { elapsedMs: now - this.start, configurations: this.configurations, tableBytes: this.bytes };
  }

  elapsedMs(): number {
    return performance.now() - this.start;
  }
}
