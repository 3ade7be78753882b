import type { Report } from "../report.js";
import type { SearchOutcome } from "../strategy.js";
import { DEFAULT_RUNS, DEFAULT_WALK_DEPTH, type RandomOutcome } from "./options.js";

/**
 * The lines that repeat a random run: the seed repeats the whole search (with
 * the same walk budget), the path replays the counterexample without searching.
 * `spec` is how the command names the spec (default: its catalogue name).
 * @example
 * replayHint(report)
 * // search: interleave check two-phase-commit --variant commit-without-all-prepared --strategy random --seed 1
 * // replay: interleave check two-phase-commit --variant commit-without-all-prepared --strategy random --seed 1
 * //   --replay-path 0:3:0:5 (one line)
 */
export function replayHint(r: RandomReport, spec: string = r.spec): string {
  const params = Object.entries(r.params).map(([k, v]) => ` --param ${k}=${String(v)}`);
  const base = `interleave check ${spec}${r.variant === "default" ? "" : ` --variant ${r.variant}`}${params.join("")} --strategy random --seed ${r.seed}`;
  const budget = `${r.runs === DEFAULT_RUNS ? "" : ` --runs ${r.runs}`}${r.walkDepth === DEFAULT_WALK_DEPTH ? "" : ` --max-depth ${r.walkDepth}`}`;
  const search = `search: ${base}${budget}`;
  const replay = `replay: ${base} --replay-path ${r.replayPath}`;
  if (r.mode === "replay") return r.replayPath === null ? "replay: the path ends with no violation" : replay;
  return r.replayPath === null ? search : `${search}\n${replay}`;
}

/** The `--json` report of a random search: the common report plus what repeats it. */
export interface RandomReport extends Report {
  /** `search`: random walks; `replay`: one given path (`--replay-path`). */
  readonly mode: "search" | "replay";
  /** Repeats the whole search: `--strategy random --seed N`. */
  readonly seed: number;
  /** Replays the (shrunk) counterexample without searching: `--replay-path P`; null without a violation. */
  readonly replayPath: string | null;
  readonly walks: number;
  /** The walk budget: `--runs` and `--max-depth`. */
  readonly runs: number;
  readonly walkDepth: number;
  readonly steps: number;
  readonly stepsPerSecond: number;
  /** Steps of the counterexample as first found, before shrinking; null without a violation. */
  readonly foundSteps: number | null;
}

/** Whether a search outcome came from the random strategy. */
export function isRandomOutcome<S>(outcome: SearchOutcome<S>): outcome is RandomOutcome<S> {
  return typeof (outcome as Partial<RandomOutcome<S>>).seed === "number";
}

/** Adds the random search's seed, replay path and walk counts to its report. */
export function randomReport(report: Report, outcome: RandomOutcome<unknown>): RandomReport {
  const seconds = outcome.durationMs / 1000;
  return {
    ...report,
    mode: outcome.mode,
    seed: outcome.seed,
    replayPath: outcome.replayPath,
    walks: outcome.walks,
    runs: outcome.runs,
    walkDepth: outcome.walkDepth,
    steps: outcome.steps,
    stepsPerSecond: seconds > 0 ? Math.round(outcome.steps / seconds) : 0,
    foundSteps: outcome.foundSteps,
  };
}
