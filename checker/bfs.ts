/** Breadth-first search: the first violation found has a shortest trace. */
import { explore, exploreAsync } from "./explore.js";
import type { Strategy } from "./strategy.js";

/** Breadth-first exhaustive search. */
export const bfs: Strategy = {
  name: "bfs",
  search: (model, options) => explore(model, "fifo", options),
  searchAsync: (model, options) => exploreAsync(model, "fifo", options),
};
