/**
 * Parallel breadth-first search on worker_threads, level by level.
 *
 * Every worker expands its share of the current level against one
 * fingerprint set in shared memory (checker/shared-store.ts); a state belongs
 * to the worker that inserted it first. Levels are barriers: the coordinator
 * grows the shared table when it fills, and as a level starts it evens out
 * the workers' shares (see {@link startLevel}).
 * So each state is stored once and expanded once — the distinct and generated
 * counts equal one worker's — and a violation is found at the same (shortest)
 * depth as by the single-threaded BFS.
 */
import type { Worker } from "node:worker_threads";
import type { InstantiateOptions } from "../src/index.js";
import { selectProperties, type ActionActivity } from "../src/index.js";
import { trapNondeterminism } from "../src/user-code.js";
import { Budget, guardOptions, outcome, queueBudget } from "./explore.js";
import type { CoverageRow, Found } from "./expander.js";
import { SharedStateStore } from "./shared-store.js";
import type { SourcedSpec } from "./spec-source.js";
import { SpillArea, SpillTally } from "./disk-queue.js";
import type { Limit, SearchOptions, SearchOutcome } from "./strategy.js";
import type { WorkerReport, WorkerRequest, WorkerSetup } from "./worker.js";
import { startWorkerThread, workerEntry } from "./worker-thread.js";

interface Pending {
  resolve(r: WorkerReport): void;
  reject(e: Error): void;
}

class WorkerHandle {
  private readonly worker: Worker;
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  private stopping = false;
  last!: WorkerReport;
  readonly ready: Promise<WorkerReport>;

  constructor(setup: WorkerSetup, k: number) {
    this.ready = new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
    this.worker = startWorkerThread(
      workerEntry(new URL("./worker.js", import.meta.url)),
      setup,
      k,
      "the parallel search",
      () => this.stopping,
      (e) => {
        this.failure = e;
        for (const p of this.pending.splice(0)) p.reject(e);
      },
    );
    this.worker.on("message", (r: WorkerReport) => {
      this.last = r;
      this.pending.shift()?.resolve(r);
    });
  }

  ask(request: WorkerRequest): Promise<WorkerReport> {
    if (this.failure) return Promise.reject(this.failure);
    const answer = new Promise<WorkerReport>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.worker.postMessage(request);
    return answer;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}

/**
 * Checks `sourced.spec` with `workers` threads, each loading it from
 * `sourced.source`. Same counts as `bfs`; progress is reported per level.
 */
export async function parallelSearch(
  sourced: SourcedSpec,
  instantiate: InstantiateOptions,
  options: SearchOptions & { readonly properties?: readonly string[] },
  workers: number,
): Promise<SearchOutcome<unknown>> {
  const budget = new Budget(options);
  const deadline = options.timeoutMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + options.timeoutMs;
  const properties = options.properties ?? [];
  const instantiated = sourced.spec.instantiate(instantiate);
  const model = properties.length > 0 ? selectProperties(instantiated, properties) : instantiated;
  const store = SharedStateStore.create(1 << 16);
  const stop = new SharedArrayBuffer(4);
  // Each worker's queue spills past its share of what the budget leaves after the store, into one directory removed at
  // the end.
  const area = new SpillArea();
  const interrupt = () => Atomics.store(new Int32Array(stop), 0, 1);
  options.signal?.addEventListener("abort", interrupt);
  const setup = (k: number): WorkerSetup => ({
    spec: sourced.source,
    instantiate,
    buffers: store.buffers,
    guards: guardOptions(options),
    properties,
    stop,
    spill: { directory: area.directory, prefix: `worker${k}`, budget: queueBudget(options, budget), workers },
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
  });
  const pool = Array.from({ length: workers }, (_, k) => new WorkerHandle(setup(k), k));
  let release = () => {};
  try {
    await Promise.all(pool.map((w) => w.ready));
    await pool[0]!.ask({ type: "init" });
    let limit: Limit | undefined;
    // A fault in init (it threw, or returned no array) or an initial state that violates a property.
    let violation: Found | undefined = pool[0]!.last.violation;
    for (let depth = 0; violation === undefined; depth++) {
      const waiting = pool.reduce((n, w) => n + w.last.next, 0);
      if (waiting === 0) break;
      if (depth >= (options.maxDepth ?? Infinity)) {
        limit = "max-depth";
        break;
      }
      let reports = await startLevel(pool, deadline);
      while (reports.some((r) => r.paused)) {
        // Paused to let the shared table grow: every worker is between expansions now, and moves a share of it.
        const buffers = store.larger();
        await Promise.all(pool.map((w, part) => w.ask({ type: "rehash", buffers, part, parts: pool.length })));
        store.attach(buffers);
        reports = await Promise.all(pool.map((w) => w.ask({ type: "resume", deadline })));
      }
      violation = shortest(
        reports.flatMap((r) => (r.violation ? [r.violation] : [])),
        store,
      );
      if (violation) break;
      if (reports.some((r) => r.full)) limit = "max-states";
      else if (options.signal?.aborted) limit = "interrupted";
      else if (reports.some((r) => r.timedOut)) limit = "timeout";
      else
        limit =
          budget.exceeded(true) ??
          budget.storeExceeded({
            bytes: store.bytesPerState * store.size,
            states: store.size,
            what: "the fingerprint store",
          });
      if (limit) break;
      // Memory is short: the next level waits on disk rather than stopping the search.
      if (budget.pressed) await Promise.all(pool.map((w) => w.ask({ type: "spill" })));
      options.onProgress?.({
        distinctStates: store.size,
        generatedStates: total(pool, "generated"),
        queue: total(pool, "next"),
        depth: depth + 1,
        elapsedMs: budget.elapsedMs,
      });
    }
    const sometimes = model.properties.filter((p) => p.kind === "sometimes").map((p) => p.name);
    const counts = {
      generated: total(pool, "generated"),
      deepest: Math.max(...pool.map((w) => w.last.deepest)),
      violation,
      unreached: sometimes.filter((_, k) => !pool.some((w) => w.last.reached[k])),
      coverage: mergeCoverage(pool.flatMap((w) => w.last.coverage)),
    };
    const activity = mergeActivity(pool.flatMap((w) => w.last.activity));
    // The counterexample is replayed here, with the same traps as in the workers.
    release = options.guards === false ? () => {} : trapNondeterminism();
    const queue = new SpillTally();
    for (const w of pool) if (w.last.queue) queue.add(w.last.queue);
    const result = outcome(
      model,
      counts,
      limit,
      budget,
      {
        distinct: Math.min(store.size, options.maxStates ?? Infinity),
        bytesPerState: store.bytesPerState,
        pathTo: (i) => store.pathTo(i),
        ordinal: (i) => store.ordinal(i),
        fingerprints: (indices) => store.fingerprints(indices),
      },
      activity.size > 0 ? activity : undefined,
    );
    return { ...result, queue: queue.stats() };
  } finally {
    release();
    options.signal?.removeEventListener("abort", interrupt);
    await Promise.all(pool.map((w) => w.stop()));
    area.dispose();
  }
}

function mergeCoverage(rows: readonly CoverageRow[]): Map<string, CoverageRow> {
  const merged = new Map<string, CoverageRow>();
  for (const r of rows) {
    const m = merged.get(r.action);
    if (m) {
      m.enabled += r.enabled;
      m.distinct += r.distinct;
      if (m.values && r.values) m.values = [...mergeCoverage([...m.values, ...r.values]).values()];
      else delete m.values;
    } else {
      merged.set(r.action, { ...r, ...(r.values ? { values: r.values.map((v) => ({ ...v })) } : {}) });
    }
  }
  return merged;
}

function mergeActivity(entries: readonly (readonly [string, ActionActivity])[]): Map<string, ActionActivity> {
  const merged = new Map<string, ActionActivity>();
  for (const [name, a] of entries) {
    const m = merged.get(name);
    merged.set(name, m ? { tried: m.tried + a.tried, enabled: m.enabled + a.enabled } : a);
  }
  return merged;
}

function total(pool: readonly WorkerHandle[], field: "generated" | "next"): number {
  return pool.reduce((n, w) => n + w.last[field], 0);
}

/** The violation with the shortest trace, when several workers found one in the same level. */
function shortest(found: readonly Found[], store: SharedStateStore): Found | undefined {
  const length = (f: Found) => store.pathTo(f.index).length + (f.ordinal === undefined ? 0 : 1);
  return [...found].sort((a, b) => length(a) - length(b))[0];
}

/** A batch of waiting states to move from one worker to another before a level. */
interface Move {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/**
 * The moves that even out the workers' next levels: from the busiest to the
 * idlest until no worker has over 10% more than the mean. A moved state costs
 * its giver about 3 µs and its taker about 8 µs (two-phase commit, 8 RMs),
 * more than expanding it (about 5 µs), so the givers move it while the takers
 * are idle anyway: each taker receives a third of the gap, which makes the
 * two finish the level together (the gap D = k (2 + 8/5) for k moved).
 */
export function planMoves(waiting: readonly number[]): Move[] {
  const counts = [...waiting];
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (mean < 64) return [];
  const moves: Move[] = [];
  for (;;) {
    const order = counts.map((_, k) => k).sort((a, b) => counts[b]! - counts[a]!);
    const busiest = order[0]!;
    const idlest = order[order.length - 1]!;
    const gap = Math.min(counts[busiest]! - mean, mean - counts[idlest]!);
    const count = Math.floor(gap / 1.8);
    if (counts[busiest]! <= mean * 1.1 || count <= 0) return moves;
    moves.push({ from: busiest, to: idlest, count });
    // In time, the move closes the gap: the giver sheds it, the taker takes it on (with the unpacking).
    counts[busiest]! -= gap;
    counts[idlest]! += gap;
  }
}

/**
 * Starts a level on every worker, moving waiting states as {@link planMoves}
 * says: a giver packs its batches and goes straight on to its level; a taker
 * unpacks them first, so the move overlaps the giver's expansion instead of
 * holding both workers at the barrier.
 */
async function startLevel(pool: readonly WorkerHandle[], deadline: number): Promise<WorkerReport[]> {
  const moves = planMoves(pool.map((w) => w.last.next));
  const gifts = moves.map((m) => pool[m.from]!.ask({ type: "give", count: m.count }));
  const levels = pool.map(async (w, k) => {
    const received = moves.flatMap((m, j) => (m.to === k ? [gifts[j]!] : []));
    if (received.length > 0) {
      // Asked before the level, so the worker takes them first; this worker starts late by the giver's packing.
      const takes = (await Promise.all(received)).map(({ batch }) => w.ask({ type: "take", batch: batch! }));
      // Awaited together: a worker that fails rejects both, and neither rejection may go unhandled.
      const [, level] = await Promise.all([Promise.all(takes), w.ask({ type: "level", deadline })]);
      return level;
    }
    return w.ask({ type: "level", deadline });
  });
  const [reports] = await Promise.all([Promise.all(levels), Promise.all(gifts)]);
  return reports;
}
