/**
 * The exhaustive explorer shared by BFS and DFS: they differ only in which
 * frontier state is expanded next. This is the checker's hot loop.
 */
import { getHeapStatistics } from "node:v8";
import type { Fingerprint, Model, ModelProperty, SuccessorSink, Trace, TraceStep } from "../src/index.js";
import { Frontier, type FrontierOrder } from "./frontier.js";
import { collisionProbability, StateStore } from "./store.js";
import type { Limit, SearchOptions, SearchOutcome, Violation } from "./strategy.js";

export type { FrontierOrder };

interface PendingViolation {
  readonly property: ModelProperty<unknown>;
  /** The stored state the trace ends at, or, for action properties, the step's source. */
  readonly index: number;
  /** For action properties: the ordinal of the violating successor of `index`. */
  readonly ordinal?: number;
}

/** Explores every reachable state of `model`, expanding in `order`. */
export function explore<S>(model: Model<S>, order: FrontierOrder, options: SearchOptions = {}): SearchOutcome<S> {
  const start = performance.now();
  const store = new StateStore();
  const invariants = model.properties.filter((p) => p.kind === "invariant") as Extract<ModelProperty<S>, { kind: "invariant" }>[];
  const actionProps = model.properties.filter((p) => p.kind === "action") as Extract<ModelProperty<S>, { kind: "action" }>[];
  const finals = model.properties.filter((p) => p.kind === "final") as Extract<ModelProperty<S>, { kind: "final" }>[];
  const maxStates = options.maxStates ?? Infinity;
  const maxDepth = options.maxDepth ?? Infinity;
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  const progressEvery = options.progressIntervalMs ?? 1000;
  const maxMemory = options.maxMemoryBytes ?? Infinity;
  // Whatever the budget, stop before V8's heap limit: an out-of-memory crash would lose the report.
  const heapLimit = getHeapStatistics().heap_size_limit * 0.85;
  let peakRss = process.memoryUsage.rss();
  let nextProgress = start + progressEvery;

  const frontier = new Frontier<S>(order);
  let generated = 0;
  let deepest = 0;
  let limit: Limit | undefined;
  let violation: PendingViolation | undefined;

  const checkInvariants = (state: S, index: number): void => {
    for (const p of invariants) {
      if (!p.check(state)) {
        violation = { property: p as ModelProperty<unknown>, index };
        return;
      }
    }
  };

  const fp: Fingerprint = { hi: 0, lo: 0 };
  for (const [ordinal, state] of model.initStates().entries()) {
    generated++;
    model.fingerprint(state, fp);
    const index = store.insert(fp.hi, fp.lo, -1, ordinal);
    if (index < 0) continue;
    if (store.size > maxStates) {
      limit = "max-states";
      break;
    }
    checkInvariants(state, index);
    if (violation) break;
    if (model.withinConstraint(state)) frontier.push(state, index, fp.hi, fp.lo, 0);
  }

  const current = frontier;
  let ordinal = 0;
  /** Successors of the state being expanded, faults excluded: with none, the state is final. */
  let successors = 0;
  const sink: SuccessorSink<S> = {
    labels: false,
    push(next, nextFp, _label, fault) {
      generated++;
      if (fault !== true) successors++;
      const ord = ordinal++;
      if (violation || limit) return;
      for (const p of actionProps) {
        if (!p.check(current.state, next)) {
          violation = { property: p as ModelProperty<unknown>, index: current.index, ordinal: ord };
          return;
        }
      }
      const index = store.insert(nextFp.hi, nextFp.lo, current.index, ord);
      if (index < 0) return;
      if (store.size > maxStates) {
        limit = "max-states";
        return;
      }
      const depth = current.depth + 1;
      if (depth > deepest) deepest = depth;
      checkInvariants(next, index);
      if (violation) return;
      if (model.withinConstraint(next)) frontier.push(next, index, nextFp.hi, nextFp.lo, depth);
    },
  };

  let expanded = 0;
  while (!violation && !limit) {
    if (!frontier.take()) break;
    if (current.depth >= maxDepth) {
      limit = "max-depth";
      break;
    }
    ordinal = 0;
    successors = 0;
    fp.hi = current.hi;
    fp.lo = current.lo;
    model.successors(current.state, fp, sink);
    if (successors === 0 && !violation) checkFinal(current.state, current.index);
    if ((++expanded & 1023) === 0) {
      const now = performance.now();
      if (now > deadline) limit ??= "timeout";
      if ((expanded & 16383) === 0) {
        // Reading the RSS costs a system call: every 16K expansions is enough.
        const rss = process.memoryUsage.rss();
        if (rss > peakRss) peakRss = rss;
        // Stop with room to spare: the report and trace still need memory.
        if (rss > maxMemory * 0.9) limit ??= "max-memory";
        if (getHeapStatistics().used_heap_size > heapLimit) limit ??= "max-memory";
      }
      if (options.onProgress && now >= nextProgress) {
        nextProgress = now + progressEvery;
        options.onProgress({
          distinctStates: store.size,
          generatedStates: generated,
          queue: frontier.length,
          depth: deepest,
          elapsedMs: now - start,
        });
      }
    }
  }

  function checkFinal(state: S, index: number): void {
    for (const p of finals) {
      if (!p.check(state)) {
        violation = { property: p as ModelProperty<unknown>, index };
        return;
      }
    }
    if (model.deadlock) {
      violation = { property: { name: "deadlockFree", kind: "final", check: () => false }, index };
    }
  }

  const base = {
    distinctStates: Math.min(store.size, maxStates),
    generatedStates: generated,
    maxDepth: deepest,
    durationMs: performance.now() - start,
    bytesPerState: store.bytesPerState,
    collisionProbability: collisionProbability(store.size),
    peakRssBytes: Math.max(peakRss, process.memoryUsage.rss()),
  };
  if (violation) {
    const v: Violation<S> = { property: violation.property.name, kind: violation.property.kind, trace: rebuildTrace(model, store, violation) };
    return { ...base, result: "violation", violation: v };
  }
  if (limit) return { ...base, result: "incomplete", limit };
  return { ...base, result: "ok" };
}

/** Replays the stored path to a state, with action labels, from the model's initial states. */
function rebuildTrace<S>(model: Model<S>, store: StateStore, v: PendingViolation): Trace<S> {
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
