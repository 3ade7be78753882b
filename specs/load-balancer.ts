/**
 * A load balancer with health checks, as the seeds describe it: static round
 * robin ("if you had 3 servers the first request would go to server 1, then
 * 2, then 3, then 1") and dynamic least connections ("the load balancer
 * checks which servers have the fewest active connections and sends traffic
 * to those servers"), routing only to backends a health checker marks
 * healthy (seed 003's "Health check"; seed 004's "Health Checks with Load
 * Balancer Integration" routes traffic away from unhealthy instances).
 *
 * The health checker probes every backend once per round; it marks a
 * healthy backend unhealthy after `unhealthyAfter` consecutive failed checks
 * and an unhealthy one healthy again after `healthyAfter` consecutive passed
 * checks, so one lost probe does not take a backend out of rotation. Until it
 * does, a backend that went down still looks healthy and requests sent to it
 * fail: the balancer's promise is about what it knows (the marks), and the
 * model checks exactly that.
 *
 * The exported functions are what a balancer runs: `recordHealthCheck` (the
 * checker's step for one probe result), `routeRequest` (pick a backend under
 * a policy, or reject when none is marked healthy) and `requestFinished`
 * (a connection closed). The model adds the backends' truth: each is up or
 * down (at most `crashes` crashes, each failing the requests it held; a down
 * backend may come back at any time) and holds requests that complete in any
 * order. Time is an explicit `Tick`, one health-check round, up to `horizon`
 * rounds; `requests` requests arrive at any moments in between.
 */
import { produce } from "immer";
import { match } from "ts-pattern";
import { choose, defineSpec, int, invariant, numberedIds, oneOf, onEveryStep, type NodeId } from "../src/index.js";

/** A backend's name, e.g. `"b1"`. */
export type BackendId = NodeId;

/** How the balancer picks among the backends marked healthy. */
export type BalancingPolicy = "round-robin" | "least-connections";

/** The policies, for the `policy` parameter. */
export const POLICIES: readonly BalancingPolicy[] = ["round-robin", "least-connections"];

// ---------------------------------------------------------------------------
// The health checker.
// ---------------------------------------------------------------------------

/** How many consecutive probe results it takes to change a backend's mark. */
export interface HealthThresholds {
  /** Consecutive failed checks before a healthy backend is marked unhealthy. */
  readonly unhealthyAfter: number;
  /** Consecutive passed checks before an unhealthy backend is marked healthy. */
  readonly healthyAfter: number;
}

/** The checker's view of one backend: its mark, and how many consecutive checks have contradicted it. */
export interface HealthStatus {
  readonly healthy: boolean;
  /** Consecutive results against the mark (failures while healthy, passes while unhealthy). */
  readonly streak: number;
}

/** A backend the checker has not yet seen fail. */
export const initialHealth: HealthStatus = { healthy: true, streak: 0 };

/**
 * The health checker's step for one probe result: a result that agrees with
 * the mark clears the streak; one against it extends the streak, and the mark
 * flips when the streak reaches its threshold.
 * @example
 * const t = { unhealthyAfter: 2, healthyAfter: 1 };
 * recordHealthCheck(initialHealth, false, t)                          // { healthy: true, streak: 1 }
 * recordHealthCheck({ healthy: true, streak: 1 }, false, t)           // { healthy: false, streak: 0 }
 */
export function recordHealthCheck(status: HealthStatus, passed: boolean, thresholds: HealthThresholds): HealthStatus {
  if (passed === status.healthy) return status.streak === 0 ? status : { healthy: status.healthy, streak: 0 };
  const streak = status.streak + 1;
  const threshold = status.healthy ? thresholds.unhealthyAfter : thresholds.healthyAfter;
  return streak >= threshold ? { healthy: !status.healthy, streak: 0 } : { healthy: status.healthy, streak };
}

// ---------------------------------------------------------------------------
// The balancer.
// ---------------------------------------------------------------------------

/** The balancer's own state: the round-robin cursor and the connections it has open to each backend. */
export interface Balancer {
  /** Index into the backend list where round robin looks next. */
  readonly cursor: number;
  /** Open connections per backend, as the balancer counts them. */
  readonly active: Readonly<Record<BackendId, number>>;
}

/** A balancer that has routed nothing. */
export function initialBalancer(backends: readonly BackendId[]): Balancer {
  return { cursor: 0, active: Object.fromEntries(backends.map((b) => [b, 0])) };
}

/** The answer of `routeRequest`. */
export type RouteResult =
  | { readonly type: "routed"; readonly backend: BackendId; readonly balancer: Balancer }
  | { readonly type: "rejected" };

/**
 * Round robin: the first backend marked healthy at or after the cursor, in
 * the order of `backends`, wrapping; the cursor moves past the one picked, so
 * while the healthy set stays the same they take turns.
 */
export function roundRobinPick(cursor: number, backends: readonly BackendId[], healthy: readonly BackendId[]): { readonly backend: BackendId; readonly cursor: number } | undefined {
  for (let k = 0; k < backends.length; k++) {
    const i = (cursor + k) % backends.length;
    const backend = backends[i]!;
    if (healthy.includes(backend)) return { backend, cursor: (i + 1) % backends.length };
  }
  return undefined;
}

/** Least connections: the backend marked healthy with the fewest open connections, the first in `backends` order on a tie. */
export function leastConnectionsPick(active: Readonly<Record<BackendId, number>>, backends: readonly BackendId[], healthy: readonly BackendId[]): BackendId | undefined {
  let best: BackendId | undefined;
  for (const b of backends) {
    if (!healthy.includes(b)) continue;
    if (best === undefined || (active[b] ?? 0) < (active[best] ?? 0)) best = b;
  }
  return best;
}

function opened(balancer: Balancer, backend: BackendId, cursor: number): Balancer {
  return { cursor, active: { ...balancer.active, [backend]: (balancer.active[backend] ?? 0) + 1 } };
}

/**
 * Routes one request to a backend marked healthy under `policy`, counting the
 * connection; rejects it when no backend is marked healthy.
 * @example
 * routeRequest(initialBalancer(["b1", "b2"]), ["b1", "b2"], ["b2"], "round-robin")
 * // { type: "routed", backend: "b2", balancer: { cursor: 0, active: { b1: 0, b2: 1 } } }
 */
export function routeRequest(balancer: Balancer, backends: readonly BackendId[], healthy: readonly BackendId[], policy: BalancingPolicy): RouteResult {
  return match(policy)
    .with("round-robin", (): RouteResult => {
      const pick = roundRobinPick(balancer.cursor, backends, healthy);
      return pick === undefined ? { type: "rejected" } : { type: "routed", backend: pick.backend, balancer: opened(balancer, pick.backend, pick.cursor) };
    })
    .with("least-connections", (): RouteResult => {
      const backend = leastConnectionsPick(balancer.active, backends, healthy);
      return backend === undefined ? { type: "rejected" } : { type: "routed", backend, balancer: opened(balancer, backend, balancer.cursor) };
    })
    .exhaustive();
}

/** A connection to `backend` closed (the request completed or failed). */
export function requestFinished(balancer: Balancer, backend: BackendId): Balancer {
  return { cursor: balancer.cursor, active: { ...balancer.active, [backend]: Math.max(0, (balancer.active[backend] ?? 0) - 1) } };
}

/** The backends marked healthy, in `backends` order. */
export function markedHealthy(health: Readonly<Record<BackendId, HealthStatus>>, backends: readonly BackendId[]): BackendId[] {
  return backends.filter((b) => health[b]?.healthy === true);
}

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/** A backend as it really is: up or down, and the requests it is serving. */
export interface BackendTruth {
  readonly up: boolean;
  readonly inFlight: number;
}

/** What became of the request that arrived in the last step (a ghost; null after any other step). */
export type Arrival = { readonly type: "routed"; readonly backend: BackendId } | { readonly type: "rejected" };

/** The state of the model. */
export interface LoadBalancerState {
  /** Health-check rounds so far. */
  readonly now: number;
  readonly backends: Readonly<Record<BackendId, BackendTruth>>;
  readonly health: Readonly<Record<BackendId, HealthStatus>>;
  readonly balancer: Balancer;
  /** Requests that have arrived. */
  readonly issued: number;
  readonly crashes: number;
  readonly lastArrival: Arrival | null;
  /**
   * Requests routed to each backend since the set of backends marked healthy
   * last changed (a ghost, kept under round robin only).
   */
  readonly period: Readonly<Record<BackendId, number>>;
}

/** Parameter values of the spec. */
export interface LoadBalancerParams {
  readonly backends: number;
  readonly policy: BalancingPolicy;
  readonly requests: number;
  readonly horizon: number;
  readonly crashes: number;
  readonly unhealthyAfter: number;
  readonly healthyAfter: number;
}

/** The backend ids: b1..bN. */
export function backendIds(n: number): readonly BackendId[] {
  return numberedIds("b", n);
}

/** How the balancer routes (the correct `routeRequest`, or a variant's bug). */
type Router = (balancer: Balancer, backends: readonly BackendId[], healthy: readonly BackendId[], policy: BalancingPolicy) => RouteResult;

function zeros(backends: readonly BackendId[]): Record<BackendId, number> {
  return Object.fromEntries(backends.map((b) => [b, 0]));
}

const backendsOf = (s: LoadBalancerState): string[] => Object.keys(s.backends);

/** Arrive: a request arrives and the balancer routes it with `router`; one routed to a backend that is down fails at once. */
function arriveWith(router: Router) {
  return (s: LoadBalancerState, p: LoadBalancerParams): LoadBalancerState | undefined => {
    if (s.issued >= p.requests) return undefined;
    const ids = backendIds(p.backends);
    const result = router(s.balancer, ids, markedHealthy(s.health, ids), p.policy);
    return produce(s, (d) => {
      d.issued += 1;
      if (result.type === "rejected") {
        d.lastArrival = { type: "rejected" };
        return;
      }
      // A buggy router can hand back undefined (an index past the end of a list); the ghost keeps it as text so traces show it.
      const backend: BackendId = String(result.backend);
      d.lastArrival = { type: "routed", backend };
      const truth = s.backends[backend];
      // The connection is refused (down, or no such backend): the balancer closes it again.
      d.balancer = truth?.up === true ? result.balancer : requestFinished(result.balancer, backend);
      if (truth?.up === true) d.backends[backend]!.inFlight += 1;
      if (p.policy === "round-robin" && backend in s.period) d.period[backend]! += 1;
    });
  };
}

/** Complete(b): a request at a live backend completes and the balancer closes its connection with `finish`. */
function completeWith(finish: (balancer: Balancer, backend: BackendId) => Balancer) {
  return choose(backendsOf, (s: LoadBalancerState, b: BackendId) => {
    const truth = s.backends[b]!;
    if (!truth.up || truth.inFlight === 0) return undefined;
    return produce(s, (d) => {
      d.backends[b]!.inFlight -= 1;
      d.balancer = finish(s.balancer, b);
      d.lastArrival = null;
    });
  });
}

/** Round robin with the cursor kept as an index into the list of healthy backends, wrapped against the list's length when it was advanced. */
const uncheckedCursorRouter: Router = (balancer, backends, healthy, policy) => {
  if (policy !== "round-robin") return routeRequest(balancer, backends, healthy, policy);
  if (healthy.length === 0) return { type: "rejected" };
  // The bug: the list may have shrunk since the cursor was wrapped.
  const backend = healthy[balancer.cursor]!;
  return { type: "routed", backend, balancer: opened(balancer, backend, (balancer.cursor + 1) % healthy.length) };
};

/** Round robin that moves the cursor one step from where it started looking, not past the backend it picked. */
const cursorPlusOneRouter: Router = (balancer, backends, healthy, policy) => {
  const result = routeRequest(balancer, backends, healthy, policy);
  if (policy !== "round-robin" || result.type === "rejected") return result;
  return { ...result, balancer: { ...result.balancer, cursor: (balancer.cursor + 1) % backends.length } };
};

/** Routes as if every backend were marked healthy. */
const ignoreHealthRouter: Router = (balancer, backends, _healthy, policy) => routeRequest(balancer, backends, backends, policy);

/** The existing backend the request that arrived in the last step was routed to, if any. */
function routedTo(s: LoadBalancerState): BackendId | undefined {
  const a = s.lastArrival;
  return a?.type === "routed" && a.backend in s.backends ? a.backend : undefined;
}

/** A load balancer with a health checker, round robin or least connections, over backends that crash and come back. */
export const loadBalancer = defineSpec({
  name: "load-balancer",
  description: "round robin or least connections over backends a health checker marks healthy: never routes to a backend marked unhealthy",
  params: {
    backends: int(3, { min: 1, max: 4, description: "number of backends" }),
    policy: oneOf(POLICIES, "round-robin", { description: "how the balancer picks among healthy backends" }),
    requests: int(4, { min: 1, max: 6, description: "requests that arrive per run (model bound)" }),
    horizon: int(4, { min: 1, max: 8, description: "health-check rounds explored (model bound)" }),
    crashes: int(1, { min: 0, max: 2, description: "backend crashes per run; a crashed backend may come back" }),
    unhealthyAfter: int(2, { min: 1, max: 3, description: "consecutive failed checks before a backend is marked unhealthy" }),
    healthyAfter: int(2, { min: 1, max: 3, description: "consecutive passed checks before a backend is marked healthy again" }),
  },
  init: (p) => {
    const ids = backendIds(p.backends);
    return [
      {
        now: 0,
        backends: Object.fromEntries(ids.map((b): [BackendId, BackendTruth] => [b, { up: true, inFlight: 0 }])),
        health: Object.fromEntries(ids.map((b): [BackendId, HealthStatus] => [b, initialHealth])),
        balancer: initialBalancer(ids),
        issued: 0,
        crashes: 0,
        lastArrival: null,
        period: p.policy === "round-robin" ? zeros(ids) : {},
      },
    ];
  },
  actions: {
    Arrive: arriveWith(routeRequest),
    Complete: completeWith(requestFinished),
    Tick: (s: LoadBalancerState, p: LoadBalancerParams) => {
      if (s.now >= p.horizon) return undefined;
      const ids = backendIds(p.backends);
      const health = Object.fromEntries(ids.map((b) => [b, recordHealthCheck(s.health[b]!, s.backends[b]!.up, p)]));
      const changed = markedHealthy(health, ids).join() !== markedHealthy(s.health, ids).join();
      return { ...s, now: s.now + 1, health, lastArrival: null, period: changed && p.policy === "round-robin" ? zeros(ids) : s.period };
    },
    Crash: choose(backendsOf, (s: LoadBalancerState, b: BackendId, p: LoadBalancerParams) => {
      const truth = s.backends[b]!;
      if (!truth.up || s.crashes >= p.crashes) return undefined;
      return produce(s, (d) => {
        // Its requests fail; the balancer sees each connection close.
        let balancer = s.balancer;
        for (let k = 0; k < truth.inFlight; k++) balancer = requestFinished(balancer, b);
        d.balancer = balancer;
        d.backends[b] = { up: false, inFlight: 0 };
        d.crashes += 1;
        d.lastArrival = null;
      });
    }),
    Recover: choose(backendsOf, (s: LoadBalancerState, b: BackendId) =>
      s.backends[b]!.up
        ? undefined
        : produce(s, (d) => {
            d.backends[b]!.up = true;
            d.lastArrival = null;
          }),
    ),
  },
  properties: {
    routesOnlyToBackendsThatExist: invariant<LoadBalancerState, LoadBalancerParams>(
      (s) => s.lastArrival?.type !== "routed" || s.lastArrival.backend in s.backends,
      "every routed request goes to one of the configured backends",
    ),
    neverRoutesToBackendMarkedUnhealthy: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next) => {
      const b = routedTo(next);
      return b === undefined || prev.health[b]!.healthy;
    }, "a request goes only to a backend the health checker marks healthy when it arrives"),
    rejectsOnlyWhenNoBackendMarkedHealthy: onEveryStep<LoadBalancerState, LoadBalancerParams>(
      (prev, next, p) => next.lastArrival?.type !== "rejected" || markedHealthy(prev.health, backendIds(p.backends)).length === 0,
      "the balancer turns a request away only when no backend is marked healthy",
    ),
    leastConnectionsPicksAMinimum: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const b = routedTo(next);
      if (p.policy !== "least-connections" || b === undefined) return true;
      const load = prev.backends[b]!.inFlight;
      return markedHealthy(prev.health, backendIds(p.backends)).every((c) => load <= prev.backends[c]!.inFlight);
    }, "under least connections, the chosen backend is serving no more requests (its true count) than any other backend marked healthy"),
    roundRobinIsFair: invariant<LoadBalancerState, LoadBalancerParams>((s, p) => {
      if (p.policy !== "round-robin") return true;
      const counts = markedHealthy(s.health, backendIds(p.backends)).map((b) => s.period[b] ?? 0);
      return counts.length === 0 || Math.max(...counts) - Math.min(...counts) <= 1;
    }, "under round robin, while the set of backends marked healthy stays the same, the requests routed to each of them differ by at most one"),
  },
  variants: {
    "ignore-health": {
      description: "the balancer picks among all backends, ignoring the health checker's marks",
      violates: "neverRoutesToBackendMarkedUnhealthy",
      actions: { Arrive: arriveWith(ignoreHealthRouter) },
    },
    "stale-least-connections": {
      description: "the balancer counts a connection when it routes but not when the request completes: it sends traffic to the backend it has used least in total, not the least busy one",
      violates: "leastConnectionsPicksAMinimum",
      params: { policy: "least-connections" },
      actions: { Complete: completeWith((balancer) => balancer) },
    },
    "unchecked-cursor": {
      description: "round robin indexes the list of healthy backends with a cursor wrapped against the list's old length: when a backend is marked unhealthy the list shrinks and the cursor points past its end",
      violates: "routesOnlyToBackendsThatExist",
      actions: { Arrive: arriveWith(uncheckedCursorRouter) },
    },
    "cursor-plus-one": {
      description: "round robin advances the cursor by one from where it started looking instead of past the backend it picked: the backend after an unhealthy one takes that one's turns too",
      violates: "roundRobinIsFair",
      actions: { Arrive: arriveWith(cursorPlusOneRouter) },
    },
  },
});
