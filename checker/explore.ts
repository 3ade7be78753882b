/**
 * The exhaustive explorer shared by BFS and DFS: they differ only in which
 * frontier state is expanded next. This is the checker's hot loop.
 */
import { getHeapStatistics } from "node:v8";
import type { Fingerprint, Model, Trace, TraceStep } from "../src/index.js";
import { Expander, type Found } from "./expander.js";
import { Frontier, type FrontierOrder } from "./frontier.js";
import { collisionProbability, StateStore } from "./store.js";
import type { Limit, SearchOptions, SearchOutcome } from "./strategy.js";

export type { FrontierOrder };

/** Watches time and memory during a search. */
export class Budget {
  private readonly start = performance.now();
  private readonly deadline: number;
  private readonly maxMemory: number;
  // Whatever the budget, stop before V8's heap limit: an out-of-memory crash would lose the report.
  private readonly heapLimit = getHeapStatistics().heap_size_limit * 0.85;
  peakRss = process.memoryUsage.rss();

  constructor(options: SearchOptions) {
    this.deadline = options.timeoutMs === undefined ? Infinity : this.start + options.timeoutMs;
    this.maxMemory = options.maxMemoryBytes ?? Infinity;
  }

  get elapsedMs(): number {
    return performance.now() - this.start;
  }

  /** The limit reached, if any; `memory` also reads the RSS (a system call). */
  exceeded(memory: boolean): Limit | undefined {
    if (performance.now() > this.deadline) return "timeout";
    if (!memory) return undefined;
    const rss = process.memoryUsage.rss();
    if (rss > this.peakRss) this.peakRss = rss;
    // Stop with room to spare: the report and trace still need memory.
    if (rss > this.maxMemory * 0.9 || getHeapStatistics().used_heap_size > this.heapLimit) return "max-memory";
    return undefined;
  }
}

/** Explores every reachable state of `model`, expanding in `order`. */
export function explore<S>(model: Model<S>, order: FrontierOrder, options: SearchOptions = {}): SearchOutcome<S> {
  const budget = new Budget(options);
  const store = new StateStore();
  const maxDepth = options.maxDepth ?? Infinity;
  const progressEvery = options.progressIntervalMs ?? 1000;
  let nextProgress = progressEvery;
  const frontier = new Frontier<S>(order);
  const expander = new Expander(model, store, (s, index, hi, lo, depth) => frontier.push(s, index, hi, lo, depth), options.maxStates);
  let limit: Limit | undefined;

  expander.addInitial();
  let expanded = 0;
  while (!expander.violation && !expander.full && !limit) {
    if (!frontier.take()) break;
    if (frontier.depth >= maxDepth) {
      limit = "max-depth";
      break;
    }
    expander.expand(frontier.state, frontier.index, frontier.hi, frontier.lo, frontier.depth);
    if ((++expanded & 1023) === 0) {
      // Reading the RSS costs a system call: every 16K expansions is enough.
      limit = budget.exceeded((expanded & 16383) === 0);
      const elapsed = budget.elapsedMs;
      if (options.onProgress && elapsed >= nextProgress) {
        nextProgress = elapsed + progressEvery;
        options.onProgress({ distinctStates: store.size, generatedStates: expander.generated, queue: frontier.length, depth: expander.deepest, elapsedMs: elapsed });
      }
    }
  }
  if (expander.full) limit = "max-states";
  return outcome(model, expander, limit, budget, {
    distinct: Math.min(store.size, options.maxStates ?? Infinity),
    bytesPerState: store.bytesPerState,
    pathTo: (i) => store.pathTo(i),
    ordinal: (i) => store.ordinal(i),
  });
}

/** What a finished search hands to `outcome`. */
export interface StoreView {
  readonly distinct: number;
  readonly bytesPerState: number;
  pathTo(index: number): number[];
  ordinal(index: number): number;
}

/** Builds the strategy-independent outcome, replaying the trace of a violation. */
export function outcome<S>(
  model: Model<S>,
  expander: Pick<Expander<S>, "violation" | "generated" | "deepest">,
  limit: Limit | undefined,
  budget: Budget,
  store: StoreView,
): SearchOutcome<S> {
  budget.exceeded(true);
  const base = {
    distinctStates: store.distinct,
    generatedStates: expander.generated,
    maxDepth: expander.deepest,
    durationMs: budget.elapsedMs,
    bytesPerState: store.bytesPerState,
    collisionProbability: collisionProbability(store.distinct),
    peakRssBytes: budget.peakRss,
  };
  const v = expander.violation;
  if (v) {
    const trace = rebuildTrace(model, store, v);
    return { ...base, result: "violation", violation: { property: v.property, kind: v.kind, trace } };
  }
  if (limit) return { ...base, result: "incomplete", limit };
  return { ...base, result: "ok" };
}

/** Replays the stored path to a state, with action labels, from the model's initial states. */
function rebuildTrace<S>(model: Model<S>, store: StoreView, v: Found): Trace<S> {
  const path = store.pathTo(v.index);
  const ordinals = path.slice(1).map((i) => store.ordinal(i));
  if (v.ordinal !== undefined) ordinals.push(v.ordinal);
  return replayOrdinals(model, store.ordinal(path[0]!), ordinals);
}

/**
 * Rebuilds a trace from the ordinal of its initial state and the ordinal of
 * each step among its source's successors (deterministic reducers make this exact).
 */
export function replayOrdinals<S>(model: Model<S>, initOrdinal: number, ordinals: readonly number[]): Trace<S> {
  const init = model.initStates()[initOrdinal];
  if (init === undefined) throw new Error(`no initial state #${initOrdinal}`);
  const steps: TraceStep<S>[] = [{ action: null, state: init }];
  const fp: Fingerprint = { hi: 0, lo: 0 };
  let state: S = init;
  for (const want of ordinals) {
    model.fingerprint(state, fp);
    let k = 0;
    const box: { found?: TraceStep<S> } = {};
    model.successors(state, fp, {
      labels: true,
      push(next, _fp, label) {
        if (k++ === want) box.found = { action: label, state: next };
      },
    });
    const found = box.found;
    if (!found) throw new Error(`replay diverged: state has no successor #${want} (is a reducer nondeterministic?)`);
    steps.push(found);
    state = found.state;
  }
  return steps;
}
