/**
 * Random simulation: many random walks from the initial states, each bounded
 * in depth. It never proves a property (an unfinished search is `incomplete`),
 * but it reaches deep states of models too big to enumerate, fast.
 *
 * A violation is shrunk with fast-check: a walk is modelled as an arbitrary
 * over (initial-state choice, successor choices), each choice taken modulo
 * the number of successors where it is used, so fast-check's shrinker
 * shortens the walk and moves its choices toward the first successor. A
 * cheap extra pass then cuts cycles and takes shortcuts (a later state of the
 * path that is a direct successor of an earlier one). The result prints with
 * the seed that repeats the whole search and the path that replays the trace.
 */
import type { Model } from "../src/index.js";
import type { RandomOptions, RandomOutcome } from "./random/options.js";
import { parsePath } from "./path.js";
import { replayPath } from "./random/replay.js";
import { randomSeed } from "./random/rng.js";
import { simulate } from "./random/walk.js";
import type { Strategy } from "./strategy.js";

export { DEFAULT_RUNS, DEFAULT_WALK_DEPTH, type RandomOptions, type RandomOutcome } from "./random/options.js";
export { formatPath, ReplayPathError } from "./path.js";
export { randomSeed } from "./random/rng.js";
export { shrinkPath } from "./random/shrink.js";
export { isRandomOutcome, randomReport, replayHint, type RandomReport } from "./random/report.js";

/** Runs a random search, or replays `options.replayPath`. */
export function randomSearch<S>(model: Model<S>, options: RandomOptions = {}): RandomOutcome<S> {
  const seed = options.seed ?? randomSeed();
  if (options.replayPath !== undefined) return replayPath(model, parsePath(options.replayPath), seed);
  return simulate(model, { ...options, seed });
}

/** The random strategy: `checkSpec(spec, { strategy: "random", seed: 1 })`. */
export const random: Strategy = {
  name: "random",
  search: (model, options) => randomSearch(model, options as RandomOptions),
};
