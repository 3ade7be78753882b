import { getHeapStatistics } from "node:v8";
import type { Budget, UnknownReason } from "../result.js";

/** Default memory limit for the search tables: a quarter of the heap limit, at most 1 GiB. */
export function defaultMaxMemoryBytes(): number {
  defaultBytes ??= Math.min(1 << 30, Math.floor(getHeapStatistics().heap_size_limit / 4));
  return defaultBytes;
}

let defaultBytes: number | undefined;

/** A running budget shared by the partitions of one check. */
export class BudgetClock {
  readonly start = performance.now();
  private readonly deadline: number;
  readonly maxBytes: number;

  constructor(budget: Budget = {}) {
    this.deadline = budget.timeoutMs === undefined ? Infinity : this.start + budget.timeoutMs;
    this.maxBytes = budget.maxMemoryBytes ?? defaultMaxMemoryBytes();
  }

  /** Why to stop now, given the bytes currently held, or `null` to go on. */
  exceeded(bytes: number): UnknownReason | null {
    if (bytes > this.maxBytes) return "memory";
    if (this.deadline !== Infinity && performance.now() > this.deadline) return "timeout";
    // A guard whatever the estimate says: stop well before V8 runs out of heap.
    if (++this.checks % 16 === 0) {
      const heap = getHeapStatistics();
      if (heap.used_heap_size > heap.heap_size_limit * 0.75) return "memory";
    }
    return null;
  }

  private checks = 0;

  elapsedMs(): number {
    return performance.now() - this.start;
  }
}
