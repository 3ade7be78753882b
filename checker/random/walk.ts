import type { Model } from "../../src/index.js";
import { Properties, Successors } from "../expander.js";
import { formatPath, traceOf, type Counterexample } from "../path.js";
import { collisionProbability } from "../store.js";
import type { Limit, Progress } from "../strategy.js";
import { DEFAULT_RUNS, DEFAULT_WALK_DEPTH, type RandomOptions, type RandomOutcome } from "./options.js";
import { Xoshiro128 } from "./rng.js";
import { EXPANDED, FingerprintFlags, SEEN } from "./seen.js";
import { shrinkPath } from "./shrink.js";

/**
 * Random walks from the initial states until one violates a property or the
 * walk budget, time or state limit runs out; a violation is shrunk (unless
 * `shrink: "none"`) and replayed into a trace.
 */
export function simulate<S>(model: Model<S>, options: RandomOptions & { seed: number }): RandomOutcome<S> {
  const start = performance.now();
  const seed = options.seed;
  const rng = new Xoshiro128(seed);
  const runs = options.runs ?? DEFAULT_RUNS;
  const depth = options.maxDepth ?? DEFAULT_WALK_DEPTH;
  const maxStates = options.maxStates ?? Infinity;
  const deadline = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
  const progressEvery = options.progressIntervalMs ?? 1000;
  let nextProgress = start + progressEvery;
  const properties = new Properties(model);
  const successors = new Successors(model, { labels: false });
  const table = new FingerprintFlags();
  const inits = model.initStates();
  const initFps = inits.map((s) => {
    const fp = { hi: 0, lo: 0 };
    model.fingerprint(s, fp);
    return fp;
  });
  let generated = inits.length;
  let steps = 0;
  let walks = 0;
  let deepest = 0;
  let limit: Limit | undefined;
  let found: Counterexample | undefined;
  const taken: number[] = [];
  const inside: number[] = [];

  for (const [ordinal, state] of inits.entries()) {
    const fp = initFps[ordinal]!;
    if (table.mark(fp.hi, fp.lo, SEEN) !== 0) continue;
    const bad = properties.violatedInvariant(state);
    if (bad) {
      found = { property: bad.name, kind: bad.kind, path: { init: ordinal, steps: [] } };
      break;
    }
  }

  while (!found && walks < runs && inits.length > 0) {
    walks++;
    const init = rng.below(inits.length);
    let state = inits[init]!;
    let hi = initFps[init]!.hi;
    let lo = initFps[init]!.lo;
    taken.length = 0;
    // States outside the constraint are not expanded; a walk only steps inside it.
    const expandable = model.withinConstraint(state);
    // Walk lengths cycle through eighths of the bound: long walks reach deep
    // states, short ones sample the states near the start far more often
    // (abd-register's volatile-replica bug: 4,201 walks of 20 steps, 99,301 of 100).
    const bound = Math.max(1, Math.round((depth * (((walks - 1) % 8) + 1)) / 8));
    for (let d = 0; d < bound && expandable; d++) {
      const n = successors.expand(state, hi, lo);
      // A state's successors are checked when it is first expanded; later visits only walk on.
      if ((table.mark(hi, lo, EXPANDED) & EXPANDED) === 0) {
        if (successors.normal === 0) {
          const f = properties.violatedFinal(state);
          if (f) found = { property: f.name, kind: f.kind, path: { init, steps: [...taken] } };
        }
        for (let k = 0; k < n && !found; k++) {
          const next = successors.states[k]!;
          const violated =
            properties.violatedAction(state, next) ??
            ((table.mark(successors.his[k]!, successors.los[k]!, SEEN) & SEEN) === 0
              ? properties.violatedInvariant(next)
              : undefined);
          if (violated) found = { property: violated.name, kind: violated.kind, path: { init, steps: [...taken, k] } };
        }
        if (found) break;
      }
      if (n === 0) break;
      let k = rng.below(n);
      if (!model.withinConstraint(successors.states[k]!)) {
        // Walk on inside the constraint: a state outside it is not expanded (as
        // in BFS), so stepping there would end the walk. Redrawing among the
        // successors inside keeps the choice uniform among them.
        let m = 0;
        for (let j = 0; j < n; j++) if (model.withinConstraint(successors.states[j]!)) inside[m++] = j;
        if (m === 0) break;
        k = inside[rng.below(m)]!;
      }
      taken.push(k);
      state = successors.states[k]!;
      hi = successors.his[k]!;
      lo = successors.los[k]!;
      steps++;
      if (d + 1 > deepest) deepest = d + 1;
      if ((steps & 1023) === 0) {
        const now = performance.now();
        if (now > deadline) limit = "timeout";
        else if (table.size > maxStates) limit = "max-states";
        if (options.onProgress && now >= nextProgress) {
          nextProgress = now + progressEvery;
          options.onProgress(progressOf(table.size, successors.generated + generated, deepest, now - start));
        }
        if (limit) break;
      }
    }
    if (limit) break;
  }
  successors.clear();
  generated += successors.generated;
  const searchMs = performance.now() - start;

  const base = {
    mode: "search" as const,
    seed,
    walks,
    runs,
    walkDepth: depth,
    steps,
    distinctStates: Math.min(table.size, maxStates),
    generatedStates: generated,
    maxDepth: deepest,
    bytesPerState: table.size === 0 ? 0 : table.bytes / table.size,
    collisionProbability: collisionProbability(table.size),
    peakRssBytes: process.memoryUsage.rss(),
  };
  if (!found) {
    return {
      ...base,
      result: "incomplete",
      replayPath: null,
      foundSteps: null,
      durationMs: searchMs,
      ...(limit ? { limit } : {}),
    };
  }
  const path = options.shrink === "none" ? found.path : shrinkPath(model, found, { seed, maxDepth: depth });
  const trace = traceOf(model, path);
  return {
    ...base,
    result: "violation",
    violation: { property: found.property, kind: found.kind, trace },
    replayPath: formatPath(path),
    foundSteps: found.path.steps.length,
    durationMs: performance.now() - start,
  };
}

function progressOf(distinct: number, generated: number, depth: number, elapsedMs: number): Progress {
  // A random search has no frontier: the queue is empty.
  return { distinctStates: distinct, generatedStates: generated, queue: 0, depth, elapsedMs };
}
