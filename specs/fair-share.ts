/**
 * A fair share of a capacity by the Nash bargaining solution (Nash, "The
 * Bargaining Problem", 1950). The seeds' load-balancing survey quotes Grosu
 * et al. (2002) using it to split jobs among nodes in a way that "guarantees
 * the optimality and the fairness of allocation".
 * Clients share `capacity` indivisible units. Client i values x units at
 * `value_i * min(x, demand_i)` (units beyond its demand are worth nothing)
 * and can get `disagreement_i` without an agreement. The Nash bargaining
 * solution maximizes the product of the gains over the disagreement point,
 * over the allocations that give every client a positive gain; when there is
 * none, there is no agreement and everyone keeps its disagreement value.
 *
 * `nashShare` computes it greedily: first each client gets the fewest units
 * that give it a positive gain, then each remaining unit goes to the client
 * whose gain it multiplies most. Gains are concave in the units, so their
 * logarithms are too, and greedy is optimal for a separable concave sum under
 * one capacity; the model checks that against brute force on every small
 * input. The solution is Pareto optimal, maximizes the product, and treats
 * symmetric clients alike (equal shares up to the one indivisible unit an odd
 * remainder leaves).
 *
 * The model's initial states are every input: a capacity up to
 * `maxCapacity` and every profile of `clients` clients with values 1..2,
 * demands 1..`maxDemand` and disagreement values 0..1; its one action
 * `Allocate` runs the allocator.
 */
import { defineSpec, int, invariant } from "../src/index.js";

/** A client's utility: `value * min(units, demand)`, and what it gets without an agreement. */
export interface Client {
  readonly value: number;
  readonly demand: number;
  readonly disagreement: number;
}

/** The utility of `units` to `client`. */
export function utility(client: Client, units: number): number {
  return client.value * Math.min(units, client.demand);
}

/**
 * The Nash product of an allocation: the product of the gains over the disagreement point, or 0 if some gain is not
 * positive.
 */
export function nashProduct(clients: readonly Client[], allocation: readonly number[]): number {
  let product = 1;
  for (const [i, c] of clients.entries()) {
    const gain = utility(c, allocation[i]!) - c.disagreement;
    if (gain <= 0) return 0;
    product *= gain;
  }
  return product;
}

/**
 * The Nash bargaining allocation of `capacity` units, or null when no
 * allocation gives every client a positive gain (no agreement). Greedy: the
 * fewest units for a positive gain each, then every further unit to the
 * client whose gain it multiplies most (the first on a tie), while some
 * client still gains from one.
 * @example
 * nashShare(4, [{ value: 1, demand: 3, disagreement: 0 }, { value: 2, demand: 1, disagreement: 0 }]) // [3, 1]
 */
export function nashShare(capacity: number, clients: readonly Client[]): number[] | null {
  const allocation = clients.map((c) => Math.floor(c.disagreement / c.value) + 1);
  if (clients.some((c, i) => allocation[i]! > c.demand)) return null;
  let left = capacity - allocation.reduce((a, b) => a + b, 0);
  if (left < 0) return null;
  for (; left > 0; left--) {
    let best = -1;
    for (const [i, c] of clients.entries()) {
      const gain = utility(c, allocation[i]!) - c.disagreement;
      const more = utility(c, allocation[i]! + 1) - c.disagreement;
      if (more <= gain) continue;
      // Compare the ratios more/gain without division.
      if (best === -1) best = i;
      else {
        const b = clients[best]!;
        const bestGain = utility(b, allocation[best]!) - b.disagreement;
        const bestMore = utility(b, allocation[best]! + 1) - b.disagreement;
        if (more * bestGain > bestMore * gain) best = i;
      }
    }
    if (best === -1) break;
    allocation[best]! += 1;
  }
  return allocation;
}

/**
 * `proportional-split`: capacity split in proportion to the demands, rounded down; no agreement when that leaves a
 * client without a gain.
 */
export function proportionalShare(capacity: number, clients: readonly Client[]): number[] | null {
  const total = clients.reduce((a, c) => a + c.demand, 0);
  const allocation = clients.map((c) => Math.floor((capacity * c.demand) / total));
  return nashProduct(clients, allocation) > 0 ? allocation : null;
}

/** Every allocation of at most `capacity` units to `n` clients. */
export function allocations(n: number, capacity: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (let x = 0; x <= capacity; x++) for (const rest of allocations(n - 1, capacity - x)) out.push([x, ...rest]);
  return out;
}

/** The state of the model: the input, and the allocation once made (undefined before; null for no agreement). */
export interface FairShareState {
  readonly capacity: number;
  readonly clients: readonly Client[];
  readonly allocation?: readonly number[] | null;
}

/** Parameter values of the spec. */
export interface FairShareParams {
  readonly clients: number;
  readonly maxCapacity: number;
  readonly maxDemand: number;
}

function profiles(n: number, maxDemand: number): Client[][] {
  const one: Client[] = [];
  for (const value of [1, 2])
    for (let demand = 1; demand <= maxDemand; demand++)
      for (const disagreement of [0, 1]) one.push({ value, demand, disagreement });
  let all: Client[][] = [[]];
  for (let k = 0; k < n; k++) all = all.flatMap((prefix) => one.map((c) => [...prefix, c]));
  return all;
}

const utilities = (s: FairShareState, allocation: readonly number[]): number[] =>
  s.clients.map((c, i) => utility(c, allocation[i]!));

/** Properties hold of allocated states only. */
function allocated(s: FairShareState): s is FairShareState & { readonly allocation: readonly number[] | null } {
  return s.allocation !== undefined;
}

type Allocator = (capacity: number, clients: readonly Client[]) => number[] | null;

function allocateWith(allocator: Allocator) {
  return (s: FairShareState): FairShareState | undefined =>
    allocated(s) ? undefined : { ...s, allocation: allocator(s.capacity, s.clients) };
}

/** The Nash bargaining solution of a shared capacity, on every small input. */
export const fairShare = defineSpec({
  name: "fair-share",
  description:
    "Nash bargaining share of a capacity among clients with capped linear utilities: within capacity, Pareto optimal, maximizes the product of gains, symmetric clients get equal shares",
  params: {
    clients: int(3, { min: 1, max: 3, description: "clients sharing the capacity" }),
    maxCapacity: int(4, { min: 1, max: 6, description: "capacities 0..maxCapacity are explored" }),
    maxDemand: int(3, { min: 1, max: 4, description: "demands 1..maxDemand are explored" }),
  },
  init: (p): FairShareState[] => {
    const states: FairShareState[] = [];
    for (let capacity = 0; capacity <= p.maxCapacity; capacity++)
      for (const clients of profiles(p.clients, p.maxDemand)) states.push({ capacity, clients });
    return states;
  },
  actions: { Allocate: allocateWith(nashShare) },
  properties: {
    withinCapacity: invariant<FairShareState>(
      (s) => !allocated(s) || s.allocation === null || s.allocation.reduce((a, b) => a + b, 0) <= s.capacity,
      "the units handed out never exceed the capacity",
    ),
    maximizesNashProduct: invariant<FairShareState>((s) => {
      if (!allocated(s)) return true;
      const best = Math.max(...allocations(s.clients.length, s.capacity).map((x) => nashProduct(s.clients, x)));
      return s.allocation === null ? best === 0 : nashProduct(s.clients, s.allocation) === best && best > 0;
    }, "the allocation maximizes the product of the gains over the disagreement point (no agreement only when no allocation gives everyone a gain)"),
    paretoOptimal: invariant<FairShareState>((s) => {
      if (!allocated(s) || s.allocation === null) return true;
      const mine = utilities(s, s.allocation);
      return allocations(s.clients.length, s.capacity).every((x) => {
        const theirs = utilities(s, x);
        return !(theirs.every((u, i) => u >= mine[i]!) && theirs.some((u, i) => u > mine[i]!));
      });
    }, "no other allocation of the capacity makes one client better off and none worse off"),
    symmetricClientsGetEqualShares: invariant<FairShareState>((s) => {
      if (!allocated(s) || s.allocation === null) return true;
      const x = s.allocation;
      return s.clients.every((a, i) =>
        s.clients.every(
          (b, j) =>
            a.value !== b.value ||
            a.demand !== b.demand ||
            a.disagreement !== b.disagreement ||
            Math.abs(x[i]! - x[j]!) <= 1,
        ),
      );
    }, "clients with the same utility and disagreement value get shares that differ by at most the one indivisible unit"),
  },
  variants: {
    "proportional-split": {
      description:
        "the capacity split in proportion to the demands, presented as the bargaining solution: it ignores the values and the disagreement points",
      violates: "maximizesNashProduct",
      actions: { Allocate: allocateWith(proportionalShare) },
    },
  },
});
