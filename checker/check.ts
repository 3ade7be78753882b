/**
 * Checking a spec programmatically: pick a variant and parameters, run a
 * strategy, get a report. The CLI is a thin shell around this.
 */
import type { ParamRecord, Spec } from "../src/index.js";
import { bfs } from "./bfs.js";
import { dfs } from "./dfs.js";
import { buildReport, type Report } from "./report.js";
import type { SearchOptions, Strategy } from "./strategy.js";

/** The exhaustive strategies by name. */
export const strategies: Readonly<Record<string, Strategy>> = { bfs, dfs };

/** What to check and how. */
export interface CheckOptions extends SearchOptions {
  readonly variant?: string;
  readonly params?: ParamRecord;
  /** `bfs` (default, shortest traces) or `dfs`. */
  readonly strategy?: "bfs" | "dfs";
}

/**
 * Checks every property of one variant of a spec.
 * @example
 * const report = checkSpec(twoPhaseCommit, { params: { rms: 5 } });
 * report.distinctStates // 8832
 */
export function checkSpec(spec: Spec<any>, options: CheckOptions = {}): Report {
  const strategy = strategies[options.strategy ?? "bfs"]!;
  const model = spec.instantiate({
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    ...(options.params === undefined ? {} : { params: options.params }),
  });
  const outcome = strategy.search(model, options);
  return buildReport({ spec: spec.name, variant: model.variant, params: model.params, strategy: strategy.name }, outcome);
}
