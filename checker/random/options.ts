import type { SearchCounters, SearchIncomplete, SearchOptions, SearchViolation } from "../strategy.js";

/** Options of a random search (the limits of `SearchOptions` apply too). */
export interface RandomOptions extends SearchOptions {
  /** Seed of the walks; the same seed gives the same walks, violation and trace. Default: a random seed, reported. */
  readonly seed?: number;
  /** Number of walks (default {@link DEFAULT_RUNS}); `maxDepth` bounds each (default {@link DEFAULT_WALK_DEPTH}). */
  readonly runs?: number;
  /**
   * Instead of searching, replay this path (`"0:3:1"`: the initial state's
   * ordinal, then each step's ordinal among its source's successors) and
   * check the properties along it.
   */
  readonly replayPath?: string;
  /** `"fast-check"` (default): shrink a violation; `"none"`: report the walk as found. */
  readonly shrink?: "fast-check" | "none";
}

/**
 * What a random search found, with what replays it: a violation, or
 * `incomplete` (random walks never prove a property; the spec's own faults
 * are thrown, not reported).
 */
export type RandomOutcome<S> = SearchCounters & (SearchViolation<S> | SearchIncomplete) & RandomRun;

/** How a random search ran, and what repeats it. */
export interface RandomRun {
  /** `search`: random walks; `replay`: one given path (`replayPath` option). */
  readonly mode: "search" | "replay";
  readonly seed: number;
  /** The path that replays the (shrunk) counterexample with `--replay-path`, or null. */
  readonly replayPath: string | null;
  /** Walks started. */
  readonly walks: number;
  /** The walk budget: walks allowed, and steps per walk. */
  readonly runs: number;
  readonly walkDepth: number;
  /** Steps taken by the walks (successor picks), the throughput measure. */
  readonly steps: number;
  /** Steps of the counterexample as the walk found it, before shrinking, or null. */
  readonly foundSteps: number | null;
}

/** Walks per search when `runs` is not given. */
export const DEFAULT_RUNS = 10_000;
/** Steps per walk when `maxDepth` is not given. */
export const DEFAULT_WALK_DEPTH = 100;
