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
 * Six more policies from the seeds' list sit beside those two: weighted
 * round robin (nginx's smooth variant; backend bi has weight i), ip hash
 * (rendezvous hashing of the client's address, so a failed backend's clients
 * move and nobody else's), least response time (last response time times
 * open connections + 1), resource based (the lowest share of the slots a
 * backend reports; bi reports i), random (a draw among the healthy ones) and
 * sticky sessions (a session table, least connections for new clients). Each
 * has a property that states its promise and a broken variant that breaks it.
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
export type BalancingPolicy =
  | "round-robin"
  | "least-connections"
  | "weighted-round-robin"
  | "ip-hash"
  | "least-response-time"
  | "resource-based"
  | "random"
  | "sticky-sessions";

/** The policies, for the `policy` parameter. */
export const POLICIES: readonly BalancingPolicy[] = [
  "round-robin",
  "least-connections",
  "weighted-round-robin",
  "ip-hash",
  "least-response-time",
  "resource-based",
  "random",
  "sticky-sessions",
];

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

/**
 * The balancer's own state: the round-robin cursor and the connections it
 * has open to each backend, plus what its policy keeps (only that policy's
 * fields are present).
 */
export interface Balancer {
  /** Index into the backend list where round robin looks next. */
  readonly cursor: number;
  /** Open connections per backend, as the balancer counts them. */
  readonly active: Readonly<Record<BackendId, number>>;
  /** Weighted round robin: each backend's configured weight, as the balancer holds it. */
  readonly weights?: Readonly<Record<BackendId, number>>;
  /** Weighted round robin: the smooth round robin's current weights. */
  readonly current?: Readonly<Record<BackendId, number>>;
  /** Least response time: the last response time seen from each backend (0: none yet). */
  readonly responseTime?: Readonly<Record<BackendId, number>>;
  /** Resource based: the request slots each backend reports. */
  readonly capacity?: Readonly<Record<BackendId, number>>;
  /** Sticky sessions: the backend that holds each client's session. */
  readonly sessions?: Readonly<Record<string, BackendId>>;
}

/**
 * The configured weight (weighted round robin) and capacity (resource based)
 * of each backend: the i-th backend gets i, so b3 is worth three of b1.
 */
export function backendWeights(backends: readonly BackendId[]): Record<BackendId, number> {
  return Object.fromEntries(backends.map((b, i) => [b, i + 1]));
}

/** A balancer that has routed nothing, with the state `policy` keeps. */
export function initialBalancer(backends: readonly BackendId[], policy: BalancingPolicy = "round-robin"): Balancer {
  const base = { cursor: 0, active: Object.fromEntries(backends.map((b) => [b, 0])) };
  return match(policy)
    .with("weighted-round-robin", (): Balancer => ({
      ...base,
      weights: backendWeights(backends),
      current: Object.fromEntries(backends.map((b) => [b, 0])),
    }))
    .with("least-response-time", (): Balancer => ({
      ...base,
      responseTime: Object.fromEntries(backends.map((b) => [b, 0])),
    }))
    .with("resource-based", (): Balancer => ({ ...base, capacity: backendWeights(backends) }))
    .with("sticky-sessions", (): Balancer => ({ ...base, sessions: {} }))
    .otherwise(() => base);
}

/**
 * What the balancer knows about a request beyond its arrival: who sent it (ip hash, sticky sessions) and the random
 * number drawn for it (random).
 */
export interface RequestInfo {
  readonly client?: string;
  /** A number in `0..backends-1`, drawn uniformly. */
  readonly roll?: number;
}

/** The answer of `routeRequest`. */
export type RouteResult =
  { readonly type: "routed"; readonly backend: BackendId; readonly balancer: Balancer } | { readonly type: "rejected" };

/**
 * Smooth weighted round robin (nginx's): every healthy backend's current
 * weight grows by its weight, the largest is picked (the first on a tie) and
 * loses the healthy backends' total weight. Over any run of requests to the
 * same healthy set, a backend of weight w out of a total W gets within one
 * request of n·w/W, and the picks interleave instead of bunching.
 * @example
 * smoothWeightedPick({ b1: 0, b2: 0 }, { b1: 1, b2: 2 }, ["b1", "b2"]) // { backend: "b2", current: { b1: 1, b2: -1 } }
 */
export function smoothWeightedPick(
  current: Readonly<Record<BackendId, number>>,
  weights: Readonly<Record<BackendId, number>>,
  healthy: readonly BackendId[],
): { readonly backend: BackendId; readonly current: Record<BackendId, number> } | undefined {
  if (healthy.length === 0) return undefined;
  const next: Record<BackendId, number> = { ...current };
  let total = 0;
  let best: BackendId | undefined;
  for (const b of healthy) {
    next[b] = (next[b] ?? 0) + (weights[b] ?? 0);
    total += weights[b] ?? 0;
    if (best === undefined || next[b] > next[best]!) best = b;
  }
  next[best!]! -= total;
  return { backend: best!, current: next };
}

/** FNV-1a, 32 bits: a small stable hash of a client's address. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * IP hash by rendezvous (highest-random-weight) hashing: the client goes to
 * the healthy backend whose hash with the client's address is highest. A
 * client moves only when its backend leaves the healthy set, or when a
 * backend that wins it joins: removing a backend moves that backend's
 * clients and no others (hashing modulo the number of backends moves
 * almost every client).
 */
export function ipHashPick(client: string, healthy: readonly BackendId[]): BackendId | undefined {
  let best: BackendId | undefined;
  for (const b of healthy) if (best === undefined || hashOf(`${client}@${b}`) > hashOf(`${client}@${best}`)) best = b;
  return best;
}

/**
 * Least response time (nginx's `least_time`, HAProxy's response-time
 * weighting): the healthy backend with the smallest last response time
 * times (open connections + 1), the first on a tie; a backend not yet
 * measured scores 0, so it is tried.
 */
export function leastResponseTimePick(
  responseTime: Readonly<Record<BackendId, number>>,
  active: Readonly<Record<BackendId, number>>,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
): BackendId | undefined {
  const score = (b: BackendId) => (responseTime[b] ?? 0) * ((active[b] ?? 0) + 1);
  let best: BackendId | undefined;
  for (const b of backends) if (healthy.includes(b) && (best === undefined || score(b) < score(best))) best = b;
  return best;
}

/**
 * Resource based: the healthy backend with the lowest utilization (open
 * connections over the slots it reports), the first on a tie.
 * @example resourceBasedPick({ b1: 1, b2: 1 }, { b1: 1, b2: 2 }, ["b1", "b2"], ["b1", "b2"]) // "b2" (1/2 < 1/1)
 */
export function resourceBasedPick(
  active: Readonly<Record<BackendId, number>>,
  capacity: Readonly<Record<BackendId, number>>,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
): BackendId | undefined {
  let best: BackendId | undefined;
  for (const b of backends) {
    if (!healthy.includes(b)) continue;
    if (best === undefined || (active[b] ?? 0) * (capacity[best] ?? 1) < (active[best] ?? 0) * (capacity[b] ?? 1))
      best = b;
  }
  return best;
}

/**
 * Random: the healthy backend at `floor(roll * healthy / rolls)` for a roll
 * drawn uniformly from `0..rolls-1`. While there are at most `rolls` healthy
 * backends, every one of them is some roll's pick.
 */
export function randomPick(healthy: readonly BackendId[], roll: number, rolls: number): BackendId | undefined {
  return healthy[Math.floor((roll * healthy.length) / rolls)];
}

/**
 * Round robin: the first backend marked healthy at or after the cursor, in
 * the order of `backends`, wrapping; the cursor moves past the one picked, so
 * while the healthy set stays the same they take turns.
 */
export function roundRobinPick(
  cursor: number,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
): { readonly backend: BackendId; readonly cursor: number } | undefined {
  for (let k = 0; k < backends.length; k++) {
    const i = (cursor + k) % backends.length;
    const backend = backends[i]!;
    if (healthy.includes(backend)) return { backend, cursor: (i + 1) % backends.length };
  }
  return undefined;
}

/**
 * Least connections: the backend marked healthy with the fewest open connections, the first in `backends` order on a
 * tie.
 */
export function leastConnectionsPick(
  active: Readonly<Record<BackendId, number>>,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
): BackendId | undefined {
  let best: BackendId | undefined;
  for (const b of backends) {
    if (!healthy.includes(b)) continue;
    if (best === undefined || (active[b] ?? 0) < (active[best] ?? 0)) best = b;
  }
  return best;
}

function opened(balancer: Balancer, backend: BackendId, cursor: number): Balancer {
  return { ...balancer, cursor, active: { ...balancer.active, [backend]: (balancer.active[backend] ?? 0) + 1 } };
}

function routedOrRejected(balancer: Balancer, backend: BackendId | undefined): RouteResult {
  return backend === undefined
    ? { type: "rejected" }
    : { type: "routed", backend, balancer: opened(balancer, backend, balancer.cursor) };
}

/**
 * Routes one request to a backend marked healthy under `policy`, counting the
 * connection; rejects it when no backend is marked healthy.
 * @example
 * routeRequest(initialBalancer(["b1", "b2"]), ["b1", "b2"], ["b2"], "round-robin")
 * // { type: "routed", backend: "b2", balancer: { cursor: 0, active: { b1: 0, b2: 1 } } }
 */
export function routeRequest(
  balancer: Balancer,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
  policy: BalancingPolicy,
  request: RequestInfo = {},
): RouteResult {
  return match(policy)
    .with("round-robin", (): RouteResult => {
      const pick = roundRobinPick(balancer.cursor, backends, healthy);
      return pick === undefined
        ? { type: "rejected" }
        : { type: "routed", backend: pick.backend, balancer: opened(balancer, pick.backend, pick.cursor) };
    })
    .with("least-connections", (): RouteResult => {
      const backend = leastConnectionsPick(balancer.active, backends, healthy);
      return backend === undefined
        ? { type: "rejected" }
        : { type: "routed", backend, balancer: opened(balancer, backend, balancer.cursor) };
    })
    .with("weighted-round-robin", (): RouteResult => {
      const pick = smoothWeightedPick(balancer.current ?? {}, balancer.weights ?? {}, healthy);
      return pick === undefined
        ? { type: "rejected" }
        : {
            type: "routed",
            backend: pick.backend,
            balancer: { ...opened(balancer, pick.backend, balancer.cursor), current: pick.current },
          };
    })
    .with("ip-hash", () => routedOrRejected(balancer, ipHashPick(request.client ?? "", healthy)))
    .with("least-response-time", () =>
      routedOrRejected(
        balancer,
        leastResponseTimePick(balancer.responseTime ?? {}, balancer.active, backends, healthy),
      ),
    )
    .with("resource-based", () =>
      routedOrRejected(balancer, resourceBasedPick(balancer.active, balancer.capacity ?? {}, backends, healthy)),
    )
    .with("random", () => routedOrRejected(balancer, randomPick(healthy, request.roll ?? 0, backends.length)))
    .with("sticky-sessions", (): RouteResult => {
      const client = request.client ?? "";
      const held = balancer.sessions?.[client];
      const backend =
        held !== undefined && healthy.includes(held) ? held : leastConnectionsPick(balancer.active, backends, healthy);
      if (backend === undefined) return { type: "rejected" };
      return {
        type: "routed",
        backend,
        balancer: {
          ...opened(balancer, backend, balancer.cursor),
          sessions: { ...balancer.sessions, [client]: backend },
        },
      };
    })
    .exhaustive();
}

/**
 * The health checker changed the set of backends marked healthy: weighted
 * round robin starts a fresh round (current weights back to zero), so the
 * shares hold for the new set from its first request. Backends keep their
 * configured weights, whether they left or came back.
 */
export function healthSetChanged(balancer: Balancer): Balancer {
  if (balancer.current === undefined) return balancer;
  return { ...balancer, current: Object.fromEntries(Object.keys(balancer.current).map((b) => [b, 0])) };
}

/** A response came back from `backend` after `latency` ticks: least response time remembers it. */
export function responseObserved(balancer: Balancer, backend: BackendId, latency: number): Balancer {
  const closed = requestFinished(balancer, backend);
  return closed.responseTime === undefined
    ? closed
    : { ...closed, responseTime: { ...closed.responseTime, [backend]: latency } };
}

/** A connection to `backend` closed (the request completed or failed). */
export function requestFinished(balancer: Balancer, backend: BackendId): Balancer {
  return { ...balancer, active: { ...balancer.active, [backend]: Math.max(0, (balancer.active[backend] ?? 0) - 1) } };
}

/** The backends marked healthy, in `backends` order. */
export function markedHealthy(
  health: Readonly<Record<BackendId, HealthStatus>>,
  backends: readonly BackendId[],
): BackendId[] {
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

/**
 * What became of the request that arrived in the last step (a ghost; null after any other step), with its client under
 * ip hash and sticky sessions.
 */
export type Arrival =
  { readonly type: "routed"; readonly backend: BackendId; readonly client?: string } | { readonly type: "rejected" };

/**
 * Where a client's last request went, and which backends were marked healthy then (a ghost, under ip hash and sticky
 * sessions).
 */
export interface ClientRecord {
  readonly backend: BackendId;
  /** The backends marked healthy when it was routed, joined with commas. */
  readonly healthy: string;
}

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
   * last changed (a ghost, kept under round robin and weighted round robin only).
   */
  readonly period: Readonly<Record<BackendId, number>>;
  /** Each client's last routed request (a ghost, under ip hash and sticky sessions only). */
  readonly clients?: Readonly<Record<string, ClientRecord>>;
  /** The last response time each backend really showed (a ghost, under least response time only). */
  readonly observed?: Readonly<Record<BackendId, number>>;
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
  readonly clients: number;
}

/** The backend ids: b1..bN. */
export function backendIds(n: number): readonly BackendId[] {
  return numberedIds("b", n);
}

/** How the balancer routes (the correct `routeRequest`, or a variant's bug). */
type Router = (
  balancer: Balancer,
  backends: readonly BackendId[],
  healthy: readonly BackendId[],
  policy: BalancingPolicy,
  request?: RequestInfo,
) => RouteResult;

/** Policies whose ghost `period` counts the requests per backend since the healthy set changed. */
const keepsPeriod = (policy: BalancingPolicy): boolean => policy === "round-robin" || policy === "weighted-round-robin";

/** Policies that route by the client that sent the request. */
const routesByClient = (policy: BalancingPolicy): boolean => policy === "ip-hash" || policy === "sticky-sessions";

function zeros(backends: readonly BackendId[]): Record<BackendId, number> {
  return Object.fromEntries(backends.map((b) => [b, 0]));
}

const backendsOf = (s: LoadBalancerState): string[] => Object.keys(s.backends);

/** A request arrives and the balancer routes it with `router`; one routed to a backend that is down fails at once. */
function arrivalWith(router: Router) {
  return (s: LoadBalancerState, p: LoadBalancerParams, request: RequestInfo): LoadBalancerState | undefined => {
    if (s.issued >= p.requests) return undefined;
    const ids = backendIds(p.backends);
    const healthy = markedHealthy(s.health, ids);
    const result = router(s.balancer, ids, healthy, p.policy, request);
    return produce(s, (d) => {
      d.issued += 1;
      if (result.type === "rejected") {
        d.lastArrival = { type: "rejected" };
        return;
      }
      // A buggy router can hand back undefined (an index past the end of a list); the ghost keeps it as text so traces
      // show it.
      const backend: BackendId = String(result.backend);
      d.lastArrival =
        request.client === undefined
          ? { type: "routed", backend }
          : { type: "routed", backend, client: request.client };
      if (request.client !== undefined && d.clients !== undefined)
        d.clients[request.client] = { backend, healthy: healthy.join() };
      const truth = s.backends[backend];
      // The connection is refused (down, or no such backend): the balancer closes it again.
      d.balancer = truth?.up === true ? result.balancer : requestFinished(result.balancer, backend);
      if (truth?.up === true) d.backends[backend]!.inFlight += 1;
      if (keepsPeriod(p.policy) && backend in s.period) d.period[backend]! += 1;
    });
  };
}

/** Arrive: a request arrives (policies that need nothing but the arrival). */
function arriveWith(router: Router) {
  const arrive = arrivalWith(router);
  return (s: LoadBalancerState, p: LoadBalancerParams) =>
    routesByClient(p.policy) || p.policy === "random" ? undefined : arrive(s, p, {});
}

/** ArriveFrom(c): a request from client c arrives (ip hash, sticky sessions). */
function arriveFromWith(router: Router) {
  const arrive = arrivalWith(router);
  return choose(
    (_s: LoadBalancerState, p: LoadBalancerParams) => (routesByClient(p.policy) ? numberedIds("c", p.clients) : []),
    (s: LoadBalancerState, client: string, p: LoadBalancerParams) => arrive(s, p, { client }),
  );
}

/** ArriveRandom(r): a request arrives and the balancer draws r (random). */
function arriveRandomWith(router: Router) {
  const arrive = arrivalWith(router);
  return choose(
    (_s: LoadBalancerState, p: LoadBalancerParams) =>
      p.policy === "random" ? Array.from({ length: p.backends }, (_, r) => r) : [],
    (s: LoadBalancerState, roll: number, p: LoadBalancerParams) => arrive(s, p, { roll }),
  );
}

/**
 * Complete(b) (latency 1) and, under least response time, CompleteSlow(b) (latency 2): a request at a live backend
 * completes.
 */
function completeIn(latency: number) {
  return choose(backendsOf, (s: LoadBalancerState, b: BackendId, p: LoadBalancerParams) => {
    const truth = s.backends[b]!;
    if (!truth.up || truth.inFlight === 0) return undefined;
    if (latency !== 1 && p.policy !== "least-response-time") return undefined;
    return produce(s, (d) => {
      d.backends[b]!.inFlight -= 1;
      d.balancer = responseObserved(s.balancer, b, latency);
      if (d.observed !== undefined) d.observed[b] = latency;
      d.lastArrival = null;
    });
  });
}

/** Tick: one health-check round; when the set marked healthy changes, the balancer hears of it through `changed`. */
function tickWith(
  changed: (balancer: Balancer, before: readonly BackendId[], after: readonly BackendId[]) => Balancer,
) {
  return (s: LoadBalancerState, p: LoadBalancerParams): LoadBalancerState | undefined => {
    if (s.now >= p.horizon) return undefined;
    const ids = backendIds(p.backends);
    const health = Object.fromEntries(ids.map((b) => [b, recordHealthCheck(s.health[b]!, s.backends[b]!.up, p)]));
    const before = markedHealthy(s.health, ids);
    const after = markedHealthy(health, ids);
    if (after.join() === before.join()) return { ...s, now: s.now + 1, health, lastArrival: null };
    return {
      ...s,
      now: s.now + 1,
      health,
      lastArrival: null,
      balancer: changed(s.balancer, before, after),
      period: keepsPeriod(p.policy) ? zeros(ids) : s.period,
    };
  };
}

/** Weighted round robin that re-adds a backend coming back into the healthy set with the default weight 1. */
const forgetWeightOnReturn = (
  balancer: Balancer,
  before: readonly BackendId[],
  after: readonly BackendId[],
): Balancer => {
  const restarted = healthSetChanged(balancer);
  if (restarted.weights === undefined) return restarted;
  const returned = after.filter((b) => !before.includes(b));
  return { ...restarted, weights: { ...restarted.weights, ...Object.fromEntries(returned.map((b) => [b, 1])) } };
};

/** IP hash as the hash of the address modulo the number of healthy backends. */
const moduloHashRouter: Router = (balancer, backends, healthy, policy, request = {}) => {
  if (policy !== "ip-hash") return routeRequest(balancer, backends, healthy, policy, request);
  return routedOrRejectedModulo(balancer, healthy, request.client ?? "");
};

/**
 * Least response time, resource based and sticky sessions that fall back to plain least connections (no times, no
 * slots, no session table).
 */
const leastConnectionsRouter: Router = (balancer, backends, healthy, policy, request = {}) => {
  if (policy !== "least-response-time" && policy !== "resource-based" && policy !== "sticky-sessions")
    return routeRequest(balancer, backends, healthy, policy, request);
  return routeRequest(balancer, backends, healthy, "least-connections");
};

function routedOrRejectedModulo(balancer: Balancer, healthy: readonly BackendId[], client: string): RouteResult {
  if (healthy.length === 0) return { type: "rejected" };
  const backend = healthy[hashOf(client) % healthy.length]!;
  return {
    type: "routed",
    backend,
    balancer: { ...balancer, active: { ...balancer.active, [backend]: (balancer.active[backend] ?? 0) + 1 } },
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

/**
 * Round robin with the cursor kept as an index into the list of healthy backends, wrapped against the list's length
 * when it was advanced.
 */
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
const ignoreHealthRouter: Router = (balancer, backends, _healthy, policy) =>
  routeRequest(balancer, backends, backends, policy);

/**
 * The client whose request arrived in the last step went to another backend than its previous request: from where to
 * where, and the healthy sets then and now.
 */
function clientMove(
  prev: LoadBalancerState,
  next: LoadBalancerState,
  p: LoadBalancerParams,
): { from: BackendId; to: BackendId; healthyBefore: string; healthyNow: BackendId[] } | undefined {
  const a = next.lastArrival;
  if (a?.type !== "routed" || a.client === undefined) return undefined;
  const last = prev.clients?.[a.client];
  if (last === undefined || last.backend === a.backend) return undefined;
  return {
    from: last.backend,
    to: a.backend,
    healthyBefore: last.healthy,
    healthyNow: markedHealthy(prev.health, backendIds(p.backends)),
  };
}

/** The existing backend the request that arrived in the last step was routed to, if any. */
function routedTo(s: LoadBalancerState): BackendId | undefined {
  const a = s.lastArrival;
  return a?.type === "routed" && a.backend in s.backends ? a.backend : undefined;
}

/** A load balancer with a health checker and one of eight policies, over backends that crash and come back. */
export const loadBalancer = defineSpec({
  name: "load-balancer",
  description:
    "eight balancing policies over backends a health checker marks healthy: never routes to a backend marked unhealthy, and each policy keeps its promise (turns, weights, stickiness, least load)",
  params: {
    backends: int(3, { min: 1, max: 4, description: "number of backends" }),
    policy: oneOf(POLICIES, "round-robin", { description: "how the balancer picks among healthy backends" }),
    requests: int(4, { min: 1, max: 6, description: "requests that arrive per run (model bound)" }),
    horizon: int(4, { min: 1, max: 8, description: "health-check rounds explored (model bound)" }),
    crashes: int(1, { min: 0, max: 2, description: "backend crashes per run; a crashed backend may come back" }),
    unhealthyAfter: int(2, {
      min: 1,
      max: 3,
      description: "consecutive failed checks before a backend is marked unhealthy",
    }),
    healthyAfter: int(2, {
      min: 1,
      max: 3,
      description: "consecutive passed checks before a backend is marked healthy again",
    }),
    clients: int(2, { min: 1, max: 3, description: "clients sending requests (ip-hash, sticky-sessions)" }),
  },
  init: (p) => {
    const ids = backendIds(p.backends);
    return [
      {
        now: 0,
        backends: Object.fromEntries(ids.map((b): [BackendId, BackendTruth] => [b, { up: true, inFlight: 0 }])),
        health: Object.fromEntries(ids.map((b): [BackendId, HealthStatus] => [b, initialHealth])),
        balancer: initialBalancer(ids, p.policy),
        issued: 0,
        crashes: 0,
        lastArrival: null,
        period: keepsPeriod(p.policy) ? zeros(ids) : {},
        ...(routesByClient(p.policy) ? { clients: {} } : {}),
        ...(p.policy === "least-response-time" ? { observed: zeros(ids) } : {}),
      },
    ];
  },
  actions: {
    Arrive: arriveWith(routeRequest),
    ArriveFrom: arriveFromWith(routeRequest),
    ArriveRandom: arriveRandomWith(routeRequest),
    Complete: completeIn(1),
    CompleteSlow: completeIn(2),
    Tick: tickWith(healthSetChanged),
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
      (prev, next, p) =>
        next.lastArrival?.type !== "rejected" || markedHealthy(prev.health, backendIds(p.backends)).length === 0,
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
    weightedSharesWithinOneRequest: invariant<LoadBalancerState, LoadBalancerParams>((s, p) => {
      if (p.policy !== "weighted-round-robin") return true;
      const ids = backendIds(p.backends);
      const weights = backendWeights(ids);
      const healthy = markedHealthy(s.health, ids);
      const total = healthy.reduce((sum, b) => sum + weights[b]!, 0);
      const n = healthy.reduce((sum, b) => sum + (s.period[b] ?? 0), 0);
      return healthy.every((b) => Math.abs((s.period[b] ?? 0) * total - n * weights[b]!) < total);
    }, "under weighted round robin, while the set of backends marked healthy stays the same, each backend of configured weight w out of a total W has received within one request of n*w/W of the n requests"),
    ipHashStickyWhileBackendsUnchanged: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const moved = clientMove(prev, next, p);
      return p.policy !== "ip-hash" || moved === undefined || moved.healthyBefore !== moved.healthyNow.join();
    }, "under ip hash, a client's requests go to the same backend while the set of backends marked healthy is unchanged"),
    ipHashMovesOnlyFailedBackendsClients: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const moved = clientMove(prev, next, p);
      if (p.policy !== "ip-hash" || moved === undefined) return true;
      return !moved.healthyNow.includes(moved.from) || !moved.healthyBefore.split(",").includes(moved.to);
    }, "under ip hash, a client moves to another backend only when its own backend is no longer marked healthy, or to a backend that came back since"),
    leastResponseTimePicksAMinimum: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const b = routedTo(next);
      if (p.policy !== "least-response-time" || b === undefined) return true;
      const score = (c: BackendId) => prev.observed![c]! * (prev.backends[c]!.inFlight + 1);
      return markedHealthy(prev.health, backendIds(p.backends)).every((c) => score(b) <= score(c));
    }, "under least response time, the chosen backend has the smallest last response time times (requests it is serving + 1) among the backends marked healthy"),
    resourceBasedPicksLowestUtilization: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const b = routedTo(next);
      if (p.policy !== "resource-based" || b === undefined) return true;
      const slots = backendWeights(backendIds(p.backends));
      return markedHealthy(prev.health, backendIds(p.backends)).every(
        (c) => prev.backends[b]!.inFlight * slots[c]! <= prev.backends[c]!.inFlight * slots[b]!,
      );
    }, "under resource-based balancing, the chosen backend's utilization (requests it is serving over its slots) is the lowest among the backends marked healthy"),
    randomCanPickEveryHealthyBackend: invariant<LoadBalancerState, LoadBalancerParams>((s, p) => {
      if (p.policy !== "random") return true;
      const healthy = markedHealthy(s.health, backendIds(p.backends));
      const picks = Array.from({ length: p.backends }, (_, r) => randomPick(healthy, r, p.backends));
      return healthy.every((b) => picks.includes(b));
    }, "under random balancing, every backend marked healthy is the pick of some draw"),
    stickySessionsStayPut: onEveryStep<LoadBalancerState, LoadBalancerParams>((prev, next, p) => {
      const a = next.lastArrival;
      if (p.policy !== "sticky-sessions" || a?.type !== "routed" || a.client === undefined) return true;
      const held = prev.clients?.[a.client]?.backend;
      return held === undefined || !prev.health[held]!.healthy || a.backend === held;
    }, "under sticky sessions, a client whose session's backend is marked healthy is routed to that backend"),
  },
  variants: {
    "weights-lost-on-return": {
      description:
        "weighted round robin re-adds a backend that comes back into the healthy set with the default weight 1: its share of traffic no longer follows its configured weight",
      violates: "weightedSharesWithinOneRequest",
      params: { policy: "weighted-round-robin" },
      actions: { Tick: tickWith(forgetWeightOnReturn) },
    },
    "modulo-hash": {
      description:
        "ip hash takes the address hash modulo the number of healthy backends: when one backend fails, clients of the others move too",
      violates: "ipHashMovesOnlyFailedBackendsClients",
      params: { policy: "ip-hash" },
      actions: { ArriveFrom: arriveFromWith(moduloHashRouter) },
    },
    "ignore-response-time": {
      description:
        "least response time without the times: plain least connections, which keeps sending a fair share to a backend that answers slowly",
      violates: "leastResponseTimePicksAMinimum",
      params: { policy: "least-response-time" },
      actions: { Arrive: arriveWith(leastConnectionsRouter) },
    },
    "ignore-capacity": {
      description:
        "resource-based balancing without the reported slots: plain least connections, which fills a small backend as fast as a large one",
      violates: "resourceBasedPicksLowestUtilization",
      params: { policy: "resource-based" },
      actions: { Arrive: arriveWith(leastConnectionsRouter) },
    },
    "no-session-table": {
      description:
        "sticky sessions without the session table: each request goes to the least-connected backend, so a client's session moves while its backend is healthy",
      violates: "stickySessionsStayPut",
      params: { policy: "sticky-sessions" },
      actions: { ArriveFrom: arriveFromWith(leastConnectionsRouter) },
    },
    "ignore-health": {
      description: "the balancer picks among all backends, ignoring the health checker's marks",
      violates: "neverRoutesToBackendMarkedUnhealthy",
      actions: { Arrive: arriveWith(ignoreHealthRouter) },
    },
    "stale-least-connections": {
      description:
        "the balancer counts a connection when it routes but not when the request completes: it sends traffic to the backend it has used least in total, not the least busy one",
      violates: "leastConnectionsPicksAMinimum",
      params: { policy: "least-connections" },
      actions: { Complete: completeWith((balancer) => balancer) },
    },
    "unchecked-cursor": {
      description:
        "round robin indexes the list of healthy backends with a cursor wrapped against the list's old length: when a backend is marked unhealthy the list shrinks and the cursor points past its end",
      violates: "routesOnlyToBackendsThatExist",
      actions: { Arrive: arriveWith(uncheckedCursorRouter) },
    },
    "cursor-plus-one": {
      description:
        "round robin advances the cursor by one from where it started looking instead of past the backend it picked: the backend after an unhealthy one takes that one's turns too",
      violates: "roundRobinIsFair",
      actions: { Arrive: arriveWith(cursorPlusOneRouter) },
    },
  },
});
