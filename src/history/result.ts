import type { Operation } from "./operations.js";

/** The consistency models the checkers decide. */
export type Consistency = "linearizable" | "sequential" | "causal" | "session";

/** Limits on one check. When one is reached the result is `unknown`, never a crash. */
export interface Budget {
  /** Wall-clock limit in milliseconds. Default: none. */
  readonly timeoutMs?: number;
  /**
   * Limit on the memory held by the search tables, in bytes. Default: a
   * quarter of the V8 heap limit, at most 1 GiB.
   */
  readonly maxMemoryBytes?: number;
  /**
   * Limit on the whole process's resident memory, in bytes, read every few
   * checks (a system call). Default: none (the CLI sets half the physical
   * memory). Reaching it gives `unknown` with reason `memory`.
   */
  readonly maxResidentBytes?: number;
  /** Called during a long check, at most every `progressIntervalMs` (default 250). */
  readonly onProgress?: (progress: CheckProgress) => void;
  readonly progressIntervalMs?: number;
}

/** How far a running check has come, for a progress line. */
export interface CheckProgress {
  readonly elapsedMs: number;
  /** Configurations (search nodes) visited so far, over all partitions and phases. */
  readonly configurations: number;
  /** The bytes held by the search tables at the last report. */
  readonly tableBytes: number;
}

/** Why a check ended without a verdict. */
export type UnknownReason = "timeout" | "memory";

/** How one partition (one key, or the whole history) fared. */
export interface PartitionSummary {
  /** The partition key, or `null` when the history was checked as a whole. */
  readonly partition: string | null;
  /** Operations checked in this partition (after leaving out ignored ones). */
  readonly operations: number;
  readonly result: "ok" | "violation" | "unknown";
  /** Configurations the search visited. */
  readonly configurations: number;
}

/**
 * Why a history is not consistent, for one partition: the longest partial
 * linearization (serialization) found, the state it leads to, and the
 * operations that could not be placed after it.
 */
export interface Violation {
  readonly partition: string | null;
  /** A one-paragraph explanation. */
  readonly message: string;
  /** The longest prefix of a linearization the search found, in order. */
  readonly prefix: readonly Operation[];
  /** The model state after `prefix`, described. */
  readonly state: string;
  /** Operations that had to come next but could not be placed after `prefix`. */
  readonly stuck: readonly Operation[];
}

interface ReportBase {
  readonly consistency: Consistency;
  /** The model's name (`register`, `kv`, a user model's name) or `read-write` for causal and session checks. */
  readonly model: string;
  /** Operations in the history. */
  readonly operations: number;
  /** Partitions checked separately (1 when not partitioned). */
  readonly partitions: number;
  /** Configurations visited over all partitions. */
  readonly configurations: number;
  readonly durationMs: number;
  readonly partitionSummaries: readonly PartitionSummary[];
}

/** The history satisfies the consistency model; `result` names it. */
export interface SatisfiedReport extends ReportBase {
  readonly result: Consistency;
  /** For linearizability and sequential consistency: one witness order per partition. */
  readonly witness: readonly (readonly Operation[])[];
}

/** The history does not satisfy the consistency model. */
export interface ViolationReport extends ReportBase {
  readonly result: "violation";
  /** One entry per violating partition (at least one). */
  readonly violations: readonly Violation[];
}

/** The budget ran out first; `configurations` tells what was explored. */
export interface UnknownReport extends ReportBase {
  readonly result: "unknown";
  readonly reason: UnknownReason;
  readonly message: string;
}

/** The outcome of a consistency check: narrow on `result`. */
export type CheckReport = SatisfiedReport | ViolationReport | UnknownReport;
