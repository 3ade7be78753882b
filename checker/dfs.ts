/** Depth-first search: a smaller frontier on deep graphs; traces are not shortest. */
import { explore, exploreAsync } from "./explore.js";
import type { Strategy } from "./strategy.js";

/** Depth-first exhaustive search (same distinct and generated counts as BFS). */
export const dfs: Strategy = {
  name: "dfs",
  search: (model, options) => explore(model, "lifo", options),
  searchAsync: (model, options) => exploreAsync(model, "lifo", options),
};
