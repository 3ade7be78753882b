/**
 * The exhaustive explorer shared by BFS and DFS: they differ only in which
 * frontier state is expanded next. This is the checker's hot loop.
 */
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import { isLiveness, type ActionActivity, type Model, type PropertyKind, type Trace } from "../src/index.js";
import { deepFreeze, inUserCode, realNow, trapNondeterminism, UserCodeError } from "../src/user-code.js";
import { Expander, type CoverageRow, type Found, type GuardOptions } from "./expander.js";
import { EdgeLog, type LivenessProperty } from "./edge-log.js";
import { Frontier, type FrontierOrder } from "./frontier.js";
import { collectGarbage, queueBytes, SpillArea, SpillTally, type QueueBudget, type SpillPolicy } from "./disk-queue.js";
import { findLasso, type Lasso } from "./liveness.js";
import { traceOf } from "./path.js";
import { collisionProbability, StateStore } from "./store.js";
import type { Limit, SearchOptions, SearchOutcome } from "./strategy.js";

export type { FrontierOrder };

/**
 * The memory a search may use when no `--max-memory` is given: half of the
 * physical memory, or of the container's limit when that is lower. The
 * fingerprint store lives outside V8's heap, so the resident set is what
 * counts.
 */
export function defaultMemoryLimit(): number {
  const physical = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const limit = constrained > 0 && constrained < physical ? constrained : physical;
  return Math.floor(limit / 2);
}

/**
 * Watches time, memory and interruption during a search.
 *
 * Memory has two limits. `maxMemory` (`--max-memory`, by default half the
 * physical memory) is the search's own data: the fingerprint store (with a
 * liveness check's edge log) plus the waiting states kept in memory. The
 * queue spills to disk to stay within it; only a store that alone exceeds
 * it stops the search. It is counted in bytes, not read from the resident
 * set, whose baseline (Node itself, about 60 MB, and the spec's code) is
 * not the search's and would make a small budget stop before the first
 * state. The process as a whole is only a safety net: its resident set may
 * reach the larger of the default limit and its size at the start plus
 * `maxMemory`, and V8's heap keeps a third free, so a search ends with a
 * report rather than an out-of-memory crash.
 */
export class Budget {
  private readonly start = realNow();
  private readonly deadline: number;
  /** The search's data budget in bytes (`--max-memory`, or the default). */
  readonly maxMemory: number;
  private readonly chosen: boolean;
  /** The resident set the process may reach: the default limit, or more if the data budget asks for more. */
  private readonly maxRss: number;
  // Whatever the budget, stop before V8's heap limit: an out-of-memory crash would lose the report.
  // V8 gives up ("ineffective mark-compacts") well before its nominal limit:
  // stop while a third of the heap is still available.
  private readonly heapReserve = getHeapStatistics().heap_size_limit * 0.33;
  private readonly signal: AbortSignal | undefined;
  peakRss = process.memoryUsage.rss();
  /** Which memory ran out, once one did (for the report). */
  memoryNote: string | undefined;

  constructor(options: SearchOptions) {
    this.deadline = options.timeoutMs === undefined ? Infinity : this.start + options.timeoutMs;
    this.chosen = options.maxMemoryBytes !== undefined;
    this.maxMemory = options.maxMemoryBytes ?? defaultMemoryLimit();
    this.maxRss = Math.max(defaultMemoryLimit(), this.peakRss + this.maxMemory);
    this.signal = options.signal;
  }

  get elapsedMs(): number {
    return realNow() - this.start;
  }

  /**
   * The process's memory is getting short (resident set past 60% of its
   * limit, or half the JavaScript heap in use): time to move the queue to
   * disk even if the data budget is not spent.
   */
  get pressed(): boolean {
    return this.lastRss > this.maxRss * 0.6 || getHeapStatistics().total_available_size < this.heapReserve * 1.5;
  }

  private lastRss = 0;

  /** The limit reached, if any; `memory` also reads the RSS (a system call). */
  exceeded(memory: boolean): Limit | undefined {
    if (this.signal?.aborted) return "interrupted";
    if (realNow() > this.deadline) return "timeout";
    // Stop with room to spare: the report and trace still need memory.
    if (getHeapStatistics().total_available_size < this.heapReserve)
      return this.outOfMemory("V8's JavaScript heap is two-thirds full (the spec's states and caches live there)");
    if (!memory) return undefined;
    const rss = process.memoryUsage.rss();
    this.lastRss = rss;
    if (rss > this.peakRss) this.peakRss = rss;
    if (rss > this.maxRss * 0.9)
      return this.outOfMemory(`the process's resident memory neared ${mebibytes(this.maxRss)} MiB`);
    return undefined;
  }

  /**
   * The search's data against `maxMemory`: `max-memory` once what cannot go
   * to disk (`store.bytes` for `store.states` states: the fingerprint store,
   * and `store.what` names it) alone exceeds it.
   */
  storeExceeded(store: { readonly bytes: number; readonly states: number; readonly what: string }): Limit | undefined {
    if (store.bytes <= this.maxMemory) return undefined;
    const budget = this.chosen
      ? `--max-memory (${mebibytes(this.maxMemory)} MiB)`
      : `the default memory budget (${mebibytes(this.maxMemory)} MiB, half the physical memory; --max-memory sets it)`;
    return this.outOfMemory(
      `${store.what} alone needs ${mebibytes(store.bytes)} MiB for ${store.states.toLocaleString("en-US")} states, more than ${budget}; the queue spills to disk, the store cannot: raise --max-memory`,
    );
  }

  /**
   * The limits read afresh once memory was freed: a reading under them lets the search go on, and the note of the
   * reading before is dropped (the report gives the reason of the limit that stops the search).
   */
  recheck(): Limit | undefined {
    this.memoryNote = undefined;
    return this.exceeded(true);
  }

  /** Memory ran out: keeps the first `why` for the report and gives the limit. */
  outOfMemory(why: string): "max-memory" {
    this.memoryNote ??= why;
    return "max-memory";
  }
}

/** Bytes as MiB with two decimals (a budget of 1 MiB and a store of 1.02 must read differently). */
function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

/**
 * One exhaustive search, run in slices so that an asynchronous caller can
 * let the event loop breathe (Ctrl-C, progress) between them.
 */
class Exploration<S> {
  private readonly budget: Budget;
  private readonly store = new StateStore();
  private readonly frontier: Frontier<S>;
  private readonly expander: Expander<S>;
  private readonly maxDepth: number;
  private readonly progressEvery: number;
  private nextProgress: number;
  private limit: Limit | undefined;
  private expanded = 0;
  private done = false;
  private readonly release: () => void;
  private readonly spill: SpillPolicy<S> | undefined;
  /** Edges and predicate bits, when the model has liveness properties. */
  private readonly edges: EdgeLog<S> | undefined;

  constructor(
    private readonly model: Model<S>,
    order: FrontierOrder,
    private readonly options: SearchOptions = {},
  ) {
    this.budget = new Budget(options);
    this.maxDepth = options.maxDepth ?? Infinity;
    this.progressEvery = options.progressIntervalMs ?? 1000;
    this.nextProgress = this.progressEvery;
    this.spill =
      order === "fifo"
        ? spillPolicy(model, {
            ...guardOptions(options),
            budgetBytes: queueBytes(queueBudget(options, this.budget), () => this.dataBytes()),
          })
        : undefined;
    const frontier = new Frontier<S>(order, this.spill, model.codec);
    this.frontier = frontier;
    const live = model.properties.filter((p): p is LivenessProperty<S> => isLiveness(p.kind));
    this.edges =
      live.length > 0
        ? new EdgeLog<S>(live, model.fairness ? (label) => model.fairness!(label) : undefined)
        : undefined;
    const store = this.store;
    this.expander = new Expander(
      model,
      store,
      (s, index, hi, lo, depth) => frontier.push(s, index, hi, lo, depth),
      options.maxStates,
      {
        ...guardOptions(options),
        ...(this.edges ? { edges: this.edges } : {}),
      },
    );
    this.release = options.guards === false ? () => {} : trapNondeterminism();
    try {
      this.expander.addInitial();
    } catch (error) {
      this.release();
      this.spill?.area.dispose();
      throw error;
    }
  }

  /** Expands states for about `sliceMs`; true when the search is over. */
  run(sliceMs = Infinity): boolean {
    if (this.done) return true;
    const { expander, frontier, budget } = this;
    const sliceEnd = sliceMs === Infinity ? Infinity : realNow() + sliceMs;
    try {
      while (!expander.violation && !expander.full && !this.limit) {
        if (!frontier.take()) {
          this.done = true;
          return true;
        }
        if (frontier.depth >= this.maxDepth) {
          this.limit = "max-depth";
          break;
        }
        expander.expand(frontier.state, frontier.index, frontier.hi, frontier.lo, frontier.depth);
        if ((++this.expanded & 1023) === 0) {
          // Reading the RSS costs a system call: every 16K expansions is enough.
          const memory = (this.expanded & 16383) === 0;
          this.limit = budget.exceeded(memory);
          // The queue goes to disk before the search stops for memory: only the fingerprint store (and edge log) may
          // stop it.
          if (memory && budget.pressed) this.limit = this.spillForMemory();
          this.limit ??= budget.storeExceeded({
            bytes: this.dataBytes(),
            states: this.store.size,
            what: this.edges ? "the fingerprint store with the liveness check's edge log" : "the fingerprint store",
          });
          const elapsed = budget.elapsedMs;
          if (this.options.onProgress && elapsed >= this.nextProgress) {
            this.nextProgress = elapsed + this.progressEvery;
            this.options.onProgress({
              distinctStates: this.store.size,
              generatedStates: expander.generated,
              queue: frontier.length,
              depth: expander.deepest,
              elapsedMs: elapsed,
            });
          }
          if (realNow() > sliceEnd && !this.limit) return false;
        }
      }
    } catch (error) {
      // Typed arrays that cannot grow: the machine's memory is the limit.
      if (
        !(error instanceof RangeError) ||
        !/allocation|Invalid typed array length|Array buffer/i.test(error.message)
      ) {
        this.release();
        this.spill?.area.dispose();
        throw error;
      }
      this.limit = this.budget.outOfMemory(`the machine refused more memory (${error.message})`);
    }
    this.done = true;
    return true;
  }

  /** Bytes of the search's data that cannot go to disk: the fingerprint store and the edge log. */
  private dataBytes(): number {
    return this.store.bytes + (this.edges?.bytes ?? 0);
  }

  /**
   * Memory is short: moves the queue to disk (once) and, when the budget is
   * exceeded with the queue already there, collects the garbage it left
   * before deciding. Returns the limit as it stands after that.
   */
  private spillForMemory(): Limit | undefined {
    if (!this.spill) return this.limit;
    const started = !this.frontier.spilling;
    if (started) this.frontier.startSpilling();
    if (!started && this.limit !== "max-memory") return this.limit;
    collectGarbage();
    return this.budget.recheck();
  }

  /** The outcome of the search (call once `run` returned true). */
  finish(): SearchOutcome<S> {
    try {
      const { expander, store } = this;
      if (expander.full) this.limit = "max-states";
      if (!this.limit && this.options.signal?.aborted) this.limit = "interrupted";
      // Liveness needs the whole graph: only a complete search without a safety violation gets there.
      const complete = !expander.violation && !this.limit && expander.unreached.length === 0;
      const lasso = complete && this.edges ? findLasso(this.edges as EdgeLog<unknown>, store.size) : undefined;
      const result = outcome(
        this.model,
        { ...pickExpander(expander), ...(lasso ? { lasso } : {}) },
        this.limit,
        this.budget,
        {
          distinct: Math.min(store.size, this.options.maxStates ?? Infinity),
          bytesPerState: store.bytesPerState,
          pathTo: (i) => store.pathTo(i),
          ordinal: (i) => store.ordinal(i),
          fingerprints: (indices) => store.fingerprints(indices),
        },
      );
      const queue = this.frontier.spillStats;
      return queue === undefined ? result : { ...result, queue };
    } finally {
      this.release();
      this.spill?.area.dispose();
    }
  }
}

/** The queue's budget: `maxQueueBytes` when given, else what the data budget leaves after the store. */
export function queueBudget(options: SearchOptions, budget: Budget): QueueBudget {
  return options.maxQueueBytes === undefined
    ? { kind: "after-store", memoryBytes: budget.maxMemory }
    : { kind: "fixed", bytes: options.maxQueueBytes };
}

/**
 * How a BFS queue spills: past `budgetBytes()` of waiting states (by default
 * what `--max-memory` leaves after the fingerprint store), or when the
 * process's memory gets short, to a temporary directory. States read back are adopted by the model and, with
 * the guards on, frozen again like every stored state.
 */
export function spillPolicy<S>(
  model: Model<S>,
  options: GuardOptions & { readonly budgetBytes: () => number },
  area = new SpillArea(),
  prefix?: string,
): SpillPolicy<S> {
  const freeze = options.guards === false ? undefined : model.freeze ? (s: S) => model.freeze!(s) : deepFreeze;
  const adopt = model.adopt ? (s: S) => model.adopt!(s) : (s: S) => s;
  return {
    budgetBytes: options.budgetBytes,
    area,
    tally: new SpillTally(),
    revive: freeze
      ? (s) => {
          const state = adopt(s);
          freeze(state);
          return state;
        }
      : adopt,
    ...(prefix === undefined ? {} : { prefix }),
  };
}

function pickExpander<S>(expander: Expander<S>): Parameters<typeof outcome>[1] {
  return {
    violation: expander.violation,
    generated: expander.generated,
    deepest: expander.deepest,
    unreached: expander.unreached,
    coverage: expander.coverage,
  };
}

/** The guard and coverage options of a search. */
export function guardOptions(options: SearchOptions): GuardOptions {
  return {
    ...(options.guards === undefined ? {} : { guards: options.guards }),
    ...(options.coverage ? { coverage: true } : {}),
  };
}

/** Explores every reachable state of `model`, expanding in `order`. */
export function explore<S>(model: Model<S>, order: FrontierOrder, options: SearchOptions = {}): SearchOutcome<S> {
  const search = new Exploration(model, order, options);
  search.run();
  return search.finish();
}

/** The same search, yielding to the event loop about every 100 ms (so Ctrl-C and progress work). */
export async function exploreAsync<S>(
  model: Model<S>,
  order: FrontierOrder,
  options: SearchOptions = {},
): Promise<SearchOutcome<S>> {
  const search = new Exploration(model, order, options);
  while (!search.run(100)) await new Promise((resolve) => setImmediate(resolve));
  return search.finish();
}

/** What a finished search hands to `outcome`. */
export interface StoreView {
  readonly distinct: number;
  readonly bytesPerState: number;
  pathTo(index: number): number[];
  ordinal(index: number): number;
  /** The stored fingerprints of these states, as `[hi, lo]` words normalised by `fingerprintWord`. */
  fingerprints(indices: readonly number[]): Map<number, readonly [number, number]>;
}

export { fingerprintWord } from "./path.js";

/** Builds the strategy-independent outcome, replaying the trace of a violation. */
export function outcome<S>(
  model: Model<S>,
  expander: Pick<Expander<S>, "violation" | "generated" | "deepest" | "unreached"> & {
    readonly coverage?: ReadonlyMap<string, CoverageRow>;
    readonly lasso?: Lasso;
  },
  limit: Limit | undefined,
  budget: Budget,
  store: StoreView,
  activity: ReadonlyMap<string, ActionActivity> | undefined = model.activity?.(),
): SearchOutcome<S> {
  budget.exceeded(true);
  const coverage = expander.coverage && expander.coverage.size > 0 ? [...expander.coverage.values()] : undefined;
  const memory = limit === "max-memory" && budget.memoryNote !== undefined ? [budget.memoryNote] : [];
  const base = {
    ...(coverage ? { coverage } : {}),
    warnings: expander.violation
      ? []
      : [...memory, ...vacuityWarnings(model, expander.generated, limit === undefined ? activity : undefined)],
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
    let trace: Trace<S>;
    try {
      trace = rebuildTrace(model, store, v);
    } catch (error) {
      if (!(error instanceof UserCodeError)) throw error;
      return { ...base, result: "error", fault: error.fault };
    }
    if (v.fault) {
      return v.kind === "error"
        ? { ...base, result: "error", fault: v.fault, trace }
        : {
            ...base,
            result: "violation",
            fault: v.fault,
            violation: { property: v.property, kind: "invariant", trace },
          };
    }
    return { ...base, result: "violation", violation: { property: v.property, kind: v.kind as PropertyKind, trace } };
  }
  if (limit) return { ...base, result: "incomplete", limit };
  const unreached = expander.unreached;
  if (unreached.length > 0)
    return { ...base, result: "violation", violation: { property: unreached[0]!, kind: "sometimes", trace: [] } };
  const lasso = expander.lasso;
  if (lasso) {
    try {
      const trace = rebuildLasso(model, store, lasso);
      return {
        ...base,
        warnings: [],
        result: "violation",
        violation: { property: lasso.property, kind: lasso.kind, trace, loopStart: lasso.loopStart },
      };
    } catch (error) {
      if (!(error instanceof UserCodeError)) throw error;
      return { ...base, result: "error", fault: error.fault };
    }
  }
  return { ...base, result: "ok" };
}

/**
 * Replays a lasso from its initial state, checking each state's fingerprint
 * against the stored one (so the cycle's last state is the entry's).
 */
function rebuildLasso<S>(model: Model<S>, store: StoreView, lasso: Lasso): Trace<S> {
  const stored = store.fingerprints(lasso.states);
  const expected = lasso.states.map((i) => stored.get(i));
  return inUserCode(() => traceOf(model, { init: store.ordinal(lasso.states[0]!), steps: lasso.ordinals }, expected));
}

/**
 * What makes a passing check suspicious: nothing to check, or actions that
 * never happened (only after a complete search: `activity` is undefined when a
 * limit stopped it, since the action may be enabled beyond it).
 */
function vacuityWarnings<S>(
  model: Model<S>,
  generated: number,
  activity: ReadonlyMap<string, ActionActivity> | undefined,
): string[] {
  const warnings: string[] = [];
  if (generated === 0) warnings.push("init returned no initial states: nothing was checked");
  if (model.properties.length === 0 && !model.deadlock)
    warnings.push("the spec has no properties (or none selected): the search only counts states");
  for (const [name, a] of activity ?? []) {
    if (a.enabled === 0 && a.tried > 0) warnings.push(`${name} was never enabled: is its guard always false?`);
  }
  return warnings;
}

/**
 * Replays the stored path to a state, with action labels, from the model's
 * initial states, checking every state's fingerprint against the one the
 * search stored. Empty when the fault came before any state was stored.
 */
function rebuildTrace<S>(model: Model<S>, store: StoreView, v: Found): Trace<S> {
  if (v.index < 0) {
    if (v.initOrdinal === undefined) return [];
    return inUserCode(() => traceOf(model, { init: v.initOrdinal!, steps: [] }));
  }
  const indices = store.pathTo(v.index);
  const steps = indices.slice(1).map((i) => store.ordinal(i));
  if (v.ordinal !== undefined) steps.push(v.ordinal);
  const stored = store.fingerprints(indices);
  const expected = indices.map((i) => stored.get(i));
  return inUserCode(() => traceOf(model, { init: store.ordinal(indices[0]!), steps }, expected));
}
