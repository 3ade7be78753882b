/**
 * The checker's public API: run a spec's model through a search strategy and
 * get a report (the CLI is a thin shell around `checkSpec`). The CLI itself,
 * which names catalogue specs, is `interleave-check/cli`.
 */
export { checkSpec, checkSpecSource, strategies, type CheckByNameOptions, type CheckOptions } from "./check.js";
export { isSpec, loadSpecSource, type SourcedSpec, type SpecSource } from "./spec-source.js";
export { UsageError } from "./usage-error.js";
export { LostWorkerError } from "./lost-worker.js";
export { parallelSearch } from "./parallel.js";
export { bfs } from "./bfs.js";
export { dfs } from "./dfs.js";
export {
  DEFAULT_RUNS,
  DEFAULT_WALK_DEPTH,
  random,
  randomSearch,
  replayHint,
  shrinkPath,
  type RandomOptions,
  type RandomOutcome,
  type RandomReport,
} from "./random.js";
export { formatPath, parsePath, ReplayPathError, traceOf, type Counterexample, type Path } from "./path.js";
export { explore, type FrontierOrder } from "./explore.js";
export { StateStore } from "./store.js";
export { buildReport, exitCodeOf, formatReportText, summaryLine, type Report } from "./report.js";
export { violationOf } from "./strategy.js";
export type { Limit, Progress, SearchOptions, SearchOutcome, Strategy, Violation } from "./strategy.js";
export { onlyProperty } from "../src/index.js";
