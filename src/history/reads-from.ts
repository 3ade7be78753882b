/**
 * The search causal consistency and the session guarantees share: choose,
 * for every read, the write it reads from (reads with the fewest candidates
 * first), then ask the consistency model whether the complete choice is
 * consistent. Subclasses prune choices early and judge complete ones.
 */
import type { Operation } from "./operations.js";
import { readCandidates, type ReadWriteHistory, type RwOp } from "./readwrite.js";
import type { CheckReport, Violation } from "./result.js";
import type { BudgetClock } from "./search/budget.js";

/** How many steps of the reads-from search run between two looks at the budget clock. */
const CLOCK_EVERY = 1024;

/** How a reads-from search ended. */
export type ReadsFromOutcome =
  { kind: "ok" } | { kind: "violation"; violation: Violation } | { kind: "unknown"; reason: "timeout" | "memory" };

/** A violation with no partial linearization: a message and the operations involved. */
export function plainViolation(message: string, ops: readonly Operation[]): Violation {
  return { partition: null, message, prefix: [], state: "", stuck: ops };
}

/** `read(x) -> 3 by process 2 (operation 7)` */
export function describe(rw: RwOp): string {
  const key = rw.key === "" ? "" : `[${rw.key}]`;
  const what = rw.kind === "read" ? `read${key} -> ${rw.value}` : `write${key}(${rw.value})`;
  return `${what} by process ${String(rw.op.process)} (operation ${rw.op.id + 1})`;
}

/** Backtracking over reads-from choices. */
export abstract class ReadsFromSearch {
  configurations = 0;
  /** Configurations already counted by the clock (for progress). */
  private reported = 0;
  protected readonly candidates: Map<number, number[]>;
  protected readonly reads: number[];
  /** rf[read] = write index, -1 for the initial value, -2 unassigned. */
  protected readonly rf: Int32Array;
  /** How many reads currently read from each write. */
  protected readonly readers: Int32Array;
  protected firstFailure: Violation | undefined;
  protected stopped: "timeout" | "memory" | undefined;

  constructor(
    protected readonly h: ReadWriteHistory,
    protected readonly clock: BudgetClock,
  ) {
    this.candidates = readCandidates(h);
    this.reads = [...this.candidates.keys()].sort(
      (a, b) => this.candidates.get(a)!.length - this.candidates.get(b)!.length,
    );
    this.rf = new Int32Array(h.ops.length).fill(-2);
    this.readers = new Int32Array(h.ops.length);
  }

  run(): ReadsFromOutcome {
    for (const r of this.reads) {
      if (this.candidates.get(r)!.length === 0) {
        const op = this.h.ops[r]!;
        return {
          kind: "violation",
          violation: plainViolation(`${describe(op)} observes a value that no operation wrote`, [op.op]),
        };
      }
    }
    if (this.assign()) return { kind: "ok" };
    if (this.stopped !== undefined) return { kind: "unknown", reason: this.stopped };
    return { kind: "violation", violation: this.firstFailure ?? plainViolation(this.noChoiceWorks, []) };
  }

  /** Runs the search and reports it for `operations` paired operations. */
  report(operations: number): CheckReport {
    const outcome = this.run();
    const base = {
      consistency: this.consistency,
      model: "read-write",
      operations,
      partitions: 1,
      configurations: this.configurations,
      durationMs: this.clock.elapsedMs(),
      partitionSummaries: [
        {
          partition: null,
          operations: this.h.ops.length,
          result: outcome.kind,
          configurations: this.configurations,
        },
      ],
    };
    if (outcome.kind === "ok") return { ...base, result: this.consistency, witness: [] };
    if (outcome.kind === "unknown") {
      return {
        ...base,
        result: "unknown",
        reason: outcome.reason,
        message: `stopped at the ${outcome.reason === "timeout" ? "time" : "memory"} limit after ${this.configurations} ${this.unit}`,
      };
    }
    return { ...base, result: "violation", violations: [outcome.violation] };
  }

  /** The consistency model checked, as reports name it. */
  protected abstract readonly consistency: "causal" | "session";

  /** What `configurations` counts, for the message of an unknown result. */
  protected abstract readonly unit: string;

  /** What to report when no choice is consistent and no particular failure was noted. */
  protected abstract readonly noChoiceWorks: string;

  /** Whether the complete choice in `rf` is consistent (note a failure when not). */
  protected abstract consistent(): boolean;

  /** Whether read `r` may read from write `w` given the choices so far; false prunes at once. */
  protected mayRead(_r: number, _w: number): boolean {
    return true;
  }

  /** The budget clock's answer, given the bytes held; it also counts the configurations since the last look. */
  protected look(bytes: number): "timeout" | "memory" | null {
    const reason = this.clock.exceeded(bytes, this.configurations - this.reported);
    this.reported = this.configurations;
    return reason;
  }

  protected noteFailure(make: () => Violation): void {
    if (this.firstFailure === undefined) this.firstFailure = make();
  }

  /**
   * Tries every reads-from choice, depth-first, in the order of `reads`.
   * Iterative (a history has thousands of reads: recursion would overflow
   * the stack), and it consults the budget clock itself: a search that
   * prunes every choice early never reaches {@link consistent}, and once
   * spent all its time here without looking at the clock.
   */
  private assign(): boolean {
    const n = this.reads.length;
    /** next[k]: the index of the next candidate to try for read k. */
    const next = new Int32Array(n + 1);
    let steps = 0;
    let k = 0;
    for (;;) {
      if (this.stopped !== undefined) return false;
      // A complete choice costs a consistency judgement (quadratic or worse in the history): look at the clock after
      // each.
      if (++steps === CLOCK_EVERY || k === n) {
        steps = 0;
        const reason = this.look(0);
        if (reason !== null) {
          this.stopped = reason;
          return false;
        }
      }
      if (k === n) {
        if (this.consistent()) return true;
        if (--k < 0) return false;
        this.undo(k);
        continue;
      }
      const r = this.reads[k]!;
      const candidates = this.candidates.get(r)!;
      let chosen = false;
      while (!chosen && next[k]! < candidates.length) {
        const w = candidates[next[k]!++]!;
        this.rf[r] = w;
        if (w >= 0) this.readers[w]!++;
        chosen = this.mayRead(r, w);
        if (!chosen && w >= 0) this.readers[w]!--;
      }
      if (chosen) {
        next[++k] = 0;
        continue;
      }
      // Every candidate of read k failed: back to read k - 1's next candidate.
      this.rf[r] = -2;
      if (--k < 0) return false;
      this.undo(k);
    }
  }

  /** Takes back read k's current choice (its next candidate comes next). */
  private undo(k: number): void {
    const w = this.rf[this.reads[k]!]!;
    if (w >= 0) this.readers[w]!--;
  }
}
