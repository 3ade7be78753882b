/**
 * Checking a spec programmatically: pick a variant and parameters, run a
 * strategy, get a report. The CLI is a thin shell around this.
 */
import {
  deriveModel,
  isLiveness,
  OptionError,
  selectProperties,
  type Model,
  type ParamRecord,
  type AnySpec,
} from "../src/index.js";
import { deepFreeze, inUserCode, trapNondeterminism, userCode, UserCodeError } from "../src/user-code.js";
import { bfs } from "./bfs.js";
import { dfs } from "./dfs.js";
import { isRandomOutcome, random, randomReport, type RandomOptions, type RandomReport } from "./random.js";
import { loadSpecSource, type SourcedSpec, type SpecSource } from "./spec-source.js";
import { UsageError } from "./usage-error.js";
import { parallelSearch } from "./parallel.js";
import { distributedSearch, type DistributedOptions } from "./distributed/coordinator.js";
import { swarmSearch } from "./swarm.js";
import { buildReport, type Report } from "./report.js";
import { StatsCollector } from "./stats.js";
import type { SearchOutcome, Strategy } from "./strategy.js";
import { isFinding, NO_REDUCER_THROWS } from "../src/user-code.js";

/** The strategies by name: exhaustive (bfs, dfs) and random simulation. */
export const strategies: Readonly<Record<string, Strategy>> = { bfs, dfs, random };

/** What to check and how (`seed`, `runs`, `replayPath` apply to the random strategy). */
export interface CheckOptions extends RandomOptions {
  readonly variant?: string;
  readonly params?: ParamRecord;
  /**
   * `bfs` (default, shortest traces), `dfs`, `random` (random walks; never proves ok) or `swarm` (diversified searches
   * on worker threads: `checkSpecSource` only).
   */
  readonly strategy?: "bfs" | "dfs" | "random" | "swarm";
  /** Store one state per orbit under renaming the spec's symmetric nodes (traces stay concrete). */
  readonly symmetry?: boolean;
  /** Check only these properties (as a TLC config lists its invariants); default: all. */
  readonly properties?: readonly string[];
  /** Collect per-action counts, the depth histogram and the largest states (bfs and dfs; see stats.ts). */
  readonly stats?: boolean;
}

/**
 * Checks every property of one variant of a spec.
 * @example
 * const report = checkSpec(twoPhaseCommit, { params: { rms: 5 } });
 * report.distinctStates // 8832
 */
export function checkSpec(spec: AnySpec, options: CheckOptions & { readonly strategy: "random" }): RandomReport;
export function checkSpec(spec: AnySpec, options?: CheckOptions): Report;
export function checkSpec(spec: AnySpec, options: CheckOptions = {}): Report {
  if (options.strategy === "swarm")
    throw new UsageError("--strategy swarm runs on worker threads: call checkSpecSource");
  const strategy = strategies[options.strategy ?? "bfs"]!;
  const { model, warning, stats } = searchedModel(spec, strategy, options);
  // BFS and DFS guard the spec's code themselves; random walks get the same guards from a wrapper.
  const guard = strategy === random && options.guards !== false;
  const release = guard ? trapNondeterminism() : () => {};
  let outcome: SearchOutcome<unknown>;
  try {
    outcome = guardedSearch(() => strategy.search(guard ? guardedModel(model) : model, options));
  } finally {
    release();
  }
  const report = reportOf(spec, model, strategy.name, outcome, { warning, stats });
  return isRandomOutcome(outcome) ? randomReport(report, outcome) : report;
}

/** The model a strategy searches: liveness scoped to what it can judge, wrapped for `--stats` when asked. */
function searchedModel(
  spec: AnySpec,
  strategy: Strategy,
  options: CheckByNameOptions,
): { model: Model<unknown>; warning?: string | undefined; stats?: StatsCollector | undefined } {
  const stats = statsFor(strategy, options);
  const { model, warning } = livenessScope(modelOf(spec, options), options, { strategy: strategy.name });
  return { model: stats ? stats.wrap(model) : model, warning, stats };
}

/** The report of a search, with the liveness warning and the `--stats` figures when there are any. */
function reportOf(
  spec: AnySpec,
  model: Model<unknown>,
  strategy: string,
  outcome: SearchOutcome<unknown>,
  extra: { readonly warning?: string | undefined; readonly stats?: StatsCollector | undefined },
): Report {
  const report = buildReport(
    { spec: spec.name, variant: model.variant, params: model.params, strategy, sets: spec.sets },
    outcome,
    extra.stats?.result(),
  );
  return extra.warning === undefined ? report : { ...report, warnings: [...report.warnings, extra.warning] };
}

/** A collector when `--stats` asks for one; random walks expand states many times, so they have none. */
function statsFor(strategy: Strategy, options: CheckOptions): StatsCollector | undefined {
  if (!options.stats) return undefined;
  if (strategy === random)
    throw new UsageError("--stats applies to --strategy bfs and dfs, which expand each distinct state once");
  return new StatsCollector();
}

/**
 * Liveness needs the whole concrete graph on one thread: with symmetry
 * reduction (a cycle of orbits need not be a cycle of states, so a lasso
 * could be spurious and a proof unsound), random walks (no complete graph)
 * or several workers (no shared edge log), liveness properties are refused
 * when selected by name, and otherwise left out with a warning.
 */
function livenessScope<S>(
  model: Model<S>,
  options: CheckByNameOptions,
  how: { readonly strategy: string },
): { model: Model<S>; warning?: string } {
  const live = model.properties.filter((p) => isLiveness(p.kind)).map((p) => p.name);
  const why =
    options.symmetry === true
      ? "with --symmetry (a cycle of orbits need not be a cycle of states, so lassos could be spurious)"
      : options.distributed
        ? "with --distributed (the edges the liveness check needs are recorded in one process)"
        : how.strategy === "random"
          ? "by random walks (liveness needs the complete graph; use --strategy bfs)"
          : (options.workers ?? 1) > 1
            ? "with --workers above 1 (the edges the liveness check needs are recorded on one thread)"
            : undefined;
  if (live.length === 0 || why === undefined) return { model };
  const names = live.map((n) => `"${n}"`).join(", ");
  if (options.properties?.some((name) => live.includes(name)))
    throw new OptionError(`liveness properties (${names}) are not checked ${why}`);
  return {
    model: deriveModel(model, { properties: model.properties.filter((p) => !isLiveness(p.kind)) }),
    warning: `liveness properties ${names} were not checked ${why}`,
  };
}

/**
 * The same model with stored states frozen and the spec's code run with the
 * nondeterminism traps armed (for strategies other than the explorer, which
 * does this itself).
 */
function guardedModel<S>(model: Model<S>): Model<S> {
  return deriveModel(model, {
    properties: model.properties.map(
      (p) => ({ ...p, check: (...args: [S, S]) => inUserCode(() => p.check(...args)) }) as typeof p,
    ),
    initStates: () => {
      const states = inUserCode(() => model.initStates());
      for (const s of states) deepFreeze(s);
      return states;
    },
    withinConstraint: (state) => inUserCode(() => model.withinConstraint(state)),
    successors: (state, fp, sink) =>
      inUserCode(() =>
        model.successors(state, fp, {
          labels: sink.labels,
          push(next, nextFp, label, fault) {
            deepFreeze(next);
            userCode.running = false;
            try {
              sink.push(next, nextFp, label, fault);
            } finally {
              userCode.running = true;
            }
          },
        }),
      ),
  });
}

/** The model of one variant, with only the selected properties. */
function modelOf(spec: AnySpec, options: CheckOptions): Model<unknown> {
  const model = spec.instantiate(instantiateOptions(options));
  return options.properties && options.properties.length > 0 ? selectProperties(model, options.properties) : model;
}

function instantiateOptions(options: CheckOptions) {
  return {
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.symmetry ? { symmetry: true } : {}),
  };
}

/**
 * A strategy that lets a fault of the user's code escape (the random walks
 * do) still ends in a report: the fault, without a trace.
 */
function guardedSearch<T extends SearchOutcome<unknown>>(search: () => T): T | SearchOutcome<unknown> {
  try {
    return search();
  } catch (error) {
    if (!(error instanceof UserCodeError)) throw error;
    const fault = error.fault;
    const base = {
      distinctStates: 0,
      generatedStates: 0,
      maxDepth: 0,
      durationMs: 0,
      bytesPerState: 0,
      collisionProbability: 0,
      peakRssBytes: 0,
      fault,
    };
    return isFinding(fault)
      ? { ...base, result: "violation", violation: { property: NO_REDUCER_THROWS, kind: "invariant", trace: [] } }
      : { ...base, result: "error" };
  }
}

/** What to check, and with how many worker threads or processes. */
export interface CheckByNameOptions extends CheckOptions {
  /** Worker threads for breadth-first search (default 1); the counts do not depend on it. */
  readonly workers?: number;
  /** Search with worker processes that exchange states through a broker (`workers` of them, one per partition). */
  readonly distributed?: Omit<DistributedOptions, "workers">;
}

/**
 * Checks the spec a source names, on `workers` threads when more than one
 * (each imports the source's module: see spec-source.ts). Parallel search is
 * breadth-first and reports the same distinct and generated counts as one
 * worker. The CLI's `checkSpecByName` (`interleave-check/cli`) takes a
 * catalogue name or a path instead.
 * @example
 * const source = { module: new URL("./lock-spec.js", import.meta.url).href, exportName: "lock" };
 * const report = await checkSpecSource(source, { workers: 2 });
 */
export async function checkSpecSource(source: SpecSource, options: CheckByNameOptions = {}): Promise<Report> {
  return checkSourcedSpec({ spec: await loadSpecSource(source), source }, options);
}

/** {@link checkSpecSource} for a spec already loaded from its source (as the CLI has it). */
export async function checkSourcedSpec(sourced: SourcedSpec, options: CheckByNameOptions = {}): Promise<Report> {
  const { spec } = sourced;
  if (options.strategy === "swarm") {
    if (options.stats)
      throw new UsageError("--stats applies to --strategy bfs and dfs, which expand each distinct state once");
    return swarmSearch(spec, sourced.source, options, options.workers ?? 2, checkSpec);
  }
  const workers = options.workers ?? 1;
  if (options.distributed) return checkDistributed(sourced, options, { ...options.distributed, workers });
  if (workers <= 1) {
    const strategy = strategies[options.strategy ?? "bfs"]!;
    if (!strategy.searchAsync) return checkSpec(spec, options);
    const { model, warning, stats } = searchedModel(spec, strategy, options);
    const outcome = await strategy.searchAsync(model, options);
    return reportOf(spec, model, strategy.name, outcome, { warning, stats });
  }
  if (options.stats)
    throw new UsageError("--stats needs one worker (it counts in the search's thread); drop --workers");
  if ((options.strategy ?? "bfs") !== "bfs")
    throw new UsageError("--workers above 1 runs breadth-first search; drop --strategy or use --strategy bfs");
  const instantiate = instantiateOptions(options);
  const { model, warning } = livenessScope(modelOf(spec, options), options, { strategy: "bfs" });
  const outcome = await parallelSearch(sourced, instantiate, options, workers);
  return reportOf(spec, model, `bfs/${workers} workers`, outcome, { warning });
}

/** A breadth-first search by worker processes through a broker (see distributed/coordinator.ts). */
async function checkDistributed(
  { spec, source }: SourcedSpec,
  options: CheckByNameOptions,
  dist: DistributedOptions,
): Promise<Report> {
  if (options.stats || options.coverage)
    throw new UsageError("--stats and --coverage count in one process; drop them with --distributed");
  if ((options.strategy ?? "bfs") !== "bfs")
    throw new UsageError("--distributed runs breadth-first search; drop --strategy or use --strategy bfs");
  const { model, warning } = livenessScope(modelOf(spec, options), options, { strategy: "bfs" });
  // The workers load the spec themselves, from its source.
  const outcome = await distributedSearch(source, instantiateOptions(options), model, options, dist);
  return reportOf(spec, model, `bfs/distributed ${dist.workers} workers`, outcome, { warning });
}
