/**
 * What every search strategy takes and returns. Reports are built from a
 * SearchOutcome, so they do not depend on the strategy.
 */
import type { Model, PropertyKind, Trace } from "../src/index.js";
import type { UserFault } from "../src/user-code.js";
import type { CoverageRow } from "./expander.js";
import type { SpillStats } from "./disk-queue.js";

/** Limits and hooks for one search. */
export interface SearchOptions {
  /** Stop (result `incomplete`) once this many distinct states are stored. */
  readonly maxStates?: number;
  /** Do not expand states deeper than this many steps (result `incomplete` if any is cut off). */
  readonly maxDepth?: number;
  /** Stop (result `incomplete`) after this many milliseconds. */
  readonly timeoutMs?: number;
  /**
   * The search's data budget (`--max-memory`, default half the physical
   * memory): the fingerprint store and edge log plus the BFS queue in
   * memory. The queue spills to stay within it; a store that alone exceeds
   * it stops the search (result `incomplete`). See `Budget` in explore.ts.
   */
  readonly maxMemoryBytes?: number;
  /**
   * Estimated bytes the BFS queue may hold in memory before the rest goes
   * to disk (default what `maxMemoryBytes` leaves after the store; the
   * queue also spills when the process's memory runs short). A knob for
   * tests and tuning: users set `--max-memory`.
   */
  readonly maxQueueBytes?: number;
  /** Called about every `progressIntervalMs` (default 1000) during the search. */
  readonly onProgress?: (progress: Progress) => void;
  readonly progressIntervalMs?: number;
  /**
   * Purity guards (default on): stored states are frozen, time and
   * randomness are trapped in the spec's code, and a sample of states is
   * expanded twice. Off: `--no-guards`.
   */
  readonly guards?: boolean;
  /** Count per action how often it was enabled and how many new states it found. */
  readonly coverage?: boolean;
  /** Ends the search early with the partial report (limit `interrupted`), e.g. on Ctrl-C. */
  readonly signal?: AbortSignal;
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
export type Limit = "max-states" | "max-depth" | "timeout" | "max-memory" | "interrupted";

/** The property a search found violated. */
export interface Violation<S> {
  readonly property: string;
  readonly kind: PropertyKind;
  /**
   * From an initial state to the violating state (for action properties, to
   * the violating step's target); empty for a `sometimes` property never
   * reached and for a fault before any state was stored.
   */
  readonly trace: Trace<S>;
  /**
   * Liveness: the trace is a lasso, and from this step on it repeats forever
   * (its last state is the state at `loopStart`; when `loopStart` is the last
   * step, the behaviour stays in that state forever).
   */
  readonly loopStart?: number;
}

/** What every search counts, whatever it found. */
export interface SearchCounters {
  /** With `coverage`: per action, successors produced and new states found. */
  readonly coverage?: readonly CoverageRow[];
  /** Actions never enabled (and other signs of a vacuous model), found without `coverage` too. */
  readonly warnings?: readonly string[];
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
  /** Breadth-first searches: what the queue spilled to disk (none when it fit in memory). */
  readonly queue?: SpillStats;
}

/** Every property holds in every state the search could reach. */
export interface SearchOk {
  readonly result: "ok";
}

/** A property is violated. */
export interface SearchViolation<S> {
  readonly result: "violation";
  readonly violation: Violation<S>;
  /** With the `noReducerThrows` violation: what the user's code threw. */
  readonly fault?: UserFault;
}

/** The search stopped before it covered every state, with no violation found. */
export interface SearchIncomplete {
  readonly result: "incomplete";
  /** The limit reached; absent only when a random search used up its walks. */
  readonly limit?: Limit;
}

/** The spec's own code is wrong (a throwing property, an in-place change...): exit 2. */
export interface SearchError<S> {
  readonly result: "error";
  /** What the user's code did wrong. */
  readonly fault: UserFault;
  /** The trace to the state the fault happened in, when there is one. */
  readonly trace?: Trace<S>;
}

/**
 * What a search found: narrow on `result` to read the violation, the limit
 * or the fault.
 * @example
 * const outcome = bfs.search(model);
 * if (outcome.result === "violation") console.log(outcome.violation.property);
 */
export type SearchOutcome<S> = SearchCounters & (SearchOk | SearchViolation<S> | SearchIncomplete | SearchError<S>);

/** A search strategy: one file each (bfs, dfs, ...). */
export interface Strategy {
  readonly name: string;
  search<S>(model: Model<S>, options?: SearchOptions): SearchOutcome<S>;
  /** The same search yielding to the event loop now and then (Ctrl-C, progress). */
  searchAsync?<S>(model: Model<S>, options?: SearchOptions): Promise<SearchOutcome<S>>;
}

/**
 * The violation an outcome reports, or undefined for any other result: for
 * callers that only ask which property broke (tests, summaries).
 * @example
 * expect(violationOf(bfs.search(model))?.property).toBe("atMostOneLeader");
 */
export function violationOf<S>(outcome: SearchOutcome<S>): Violation<S> | undefined {
  return outcome.result === "violation" ? outcome.violation : undefined;
}
