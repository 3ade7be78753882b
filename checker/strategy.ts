/**
 * What every search strategy takes and returns. Reports are built from a
 * SearchOutcome, so they do not depend on the strategy.
 */
import type { Model, PropertyKind, Trace } from "../src/index.js";

/** Limits and hooks for one search. */
export interface SearchOptions {
  /** Stop (result `incomplete`) once this many distinct states are stored. */
  readonly maxStates?: number;
  /** Do not expand states deeper than this many steps (result `incomplete` if any is cut off). */
  readonly maxDepth?: number;
  /** Stop (result `incomplete`) after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Stop (result `incomplete`) when the process's resident memory nears this many bytes. */
  readonly maxMemoryBytes?: number;
  /** Called about every `progressIntervalMs` (default 1000) during the search. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
}

/** A snapshot of a running search. */
export interface Progress {
  readonly distinctStates: number;
  readonly generatedStates: number;
  readonly queue: number;
  readonly depth: number;
  readonly elapsedMs: number;
}

/** Why a search ended early. */
export type Limit = "max-states" | "max-depth" | "timeout" | "max-memory";

/** The property a search found violated. */
export interface Violation<S> {
  readonly property: string;
  readonly kind: PropertyKind;
  /** From an initial state to the violating state (for action properties, to the violating step's target). */
  readonly trace: Trace<S>;
}

/** What a search found. */
export interface SearchOutcome<S> {
  readonly result: "ok" | "violation" | "incomplete";
  readonly violation?: Violation<S>;
  readonly limit?: Limit;
  readonly distinctStates: number;
  readonly generatedStates: number;
  /** The largest number of steps from an initial state to a stored state. */
  readonly maxDepth: number;
  readonly durationMs: number;
  /** Bytes the fingerprint store holds per distinct state. */
  readonly bytesPerState: number;
  /** Estimated probability that a fingerprint collision hid a state (as TLC reports). */
  readonly collisionProbability: number;
  /** Peak resident set size seen during the search, in bytes. */
  readonly peakRssBytes: number;
}

/** A search strategy: one file each (bfs, dfs, ...). */
export interface Strategy {
  readonly name: string;
  search<S>(model: Model<S>, options?: SearchOptions): SearchOutcome<S>;
}
