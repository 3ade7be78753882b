import type { BudgetClock } from "./budget.js";
import { ConfigMemo } from "./memo.js";
import type { PreparedPartition } from "./partition.js";
import type { StateSpace } from "./state-space.js";
import type { CandidateOrder, SearchOptions, SearchOutcome } from "./engine.js";

/** A depth-first search over one partition with a candidate order. */
export type OrderedSearch = (
  p: PreparedPartition,
  space: StateSpace,
  clock: BudgetClock,
  options: SearchOptions,
) => SearchOutcome;

/** Configurations of the first round; each round doubles it. */
const FIRST_ROUND = 50_000;
/** ... but at least this many per operation of the partition. */
const PER_OPERATION = 4;

/**
 * Runs a search with restarts, alternating candidate orders with a doubling
 * configuration budget: completion order first, then invocation order, then
 * completion order with twice the budget, and so on until one finishes or
 * the check's time or memory runs out. A depth-first search's luck depends on
 * its order, and on some histories one order finds a linearization at once
 * where the other wanders. The rounds share one memo: a configuration a round
 * explored fully has no completion in any order, so later rounds skip it and
 * the restarts cost little over the luckier order. Small partitions finish in
 * the first round, as without restarts.
 */
export function withRestarts(
  search: OrderedSearch,
): (p: PreparedPartition, space: StateSpace, clock: BudgetClock, options?: SearchOptions) => SearchOutcome {
  return (p, space, clock, options = {}) => {
    if (options.order !== undefined) return search(p, space, clock, options);
    const cap = options.maxConfigurations ?? Infinity;
    const orders: CandidateOrder[] = ["return", "call"];
    // A linearization takes at least one configuration per operation: on a long partition the first round gets a few
    // per operation.
    let budget = Math.min(Math.max(FIRST_ROUND, PER_OPERATION * p.ops.length), cap);
    let configurations = 0;
    // Shared by the rounds: what one round fully explored fails in the next too.
    const memo = new ConfigMemo((p.unknownCount + 31) >>> 5);
    for (let round = 0; ; round++) {
      const order = orders[round % 2]!;
      const last = budget >= cap;
      const outcome = search(p, space, clock, { order, maxConfigurations: budget, memo });
      configurations += outcome.configurations;
      if (outcome.kind !== "unknown" || outcome.reason !== "limit" || (last && round % 2 === 1))
        return { ...outcome, configurations };
      if (round % 2 === 1) budget = Math.min(cap, budget * 2);
    }
  };
}
