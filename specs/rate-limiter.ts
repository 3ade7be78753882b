/**
 * A token-bucket rate limiter (the "Upstream Resiliency" section of the
 * seeds' crash course on distributed systems: rate limiting caps the
 * requests a client makes within a window of time). The bucket holds at
 * most `capacity` tokens and gains `rate` tokens per tick of elapsed time,
 * never more than it can hold; a request is admitted when it can take a
 * token and rejected otherwise (an HTTP 429 with a Retry-After). Refill is
 * lazy, as in most implementations: the bucket keeps when it was last
 * refilled and, at each request, adds the tokens earned since.
 *
 * What it guarantees is a budget over every window of time: in any `w`
 * consecutive ticks it admits at most `capacity + rate * (w - 1)` requests
 * (a full bucket, plus one refill at each of the `w - 1` tick boundaries
 * inside the window). And it is no stricter than that: it rejects a request
 * only when admitting it would break the budget of some window ending now.
 * Together the two say the bucket admits exactly what the budget allows.
 *
 * Beside the bucket, the `algorithm` parameter selects the two window
 * limiters of the same seed section, each admitting at most `limit`
 * requests per `window` ticks:
 *
 * - `sliding-window-log` keeps the times of the requests it admitted in the
 *   last `window` ticks and admits while there are fewer than `limit`. Its
 *   bound is exact: at most `limit` in any `window` consecutive ticks, and it
 *   rejects only when the window ending now already holds `limit`.
 * - `sliding-window-counter` (Cloudflare's approximation) keeps two numbers,
 *   the requests admitted in the current fixed window and in the one before,
 *   and weighs the previous one by the share of it the sliding window still
 *   covers. Two numbers instead of a log cost precision: at most `limit` per
 *   fixed window, but up to `limit + ceil(limit * (w - 2) / window)` in a
 *   sliding window of w ticks (the previous window's admissions all fell on
 *   its last tick, which the weighting spreads evenly); the checker proves
 *   that bound and the tests show it is reached.
 *
 * The model: requests from one client arrive at any time, up to `requests`
 * of them; time is an explicit `Tick` action, bounded by `horizon`. A ghost
 * record of the requests admitted at each tick lets the properties speak of
 * windows.
 */
import { produce } from "immer";
import { defineSpec, int, invariant, oneOf, onEveryStep } from "../src/index.js";

/** How the limiter decides: a token bucket, or one of the two sliding windows. */
export type RateLimitAlgorithm = "token-bucket" | "sliding-window-log" | "sliding-window-counter";

/** The algorithms, for the `algorithm` parameter. */
export const ALGORITHMS: readonly RateLimitAlgorithm[] = [
  "token-bucket",
  "sliding-window-log",
  "sliding-window-counter",
];

/** A token bucket: the tokens it holds and when it was last refilled. */
export interface TokenBucket {
  readonly tokens: number;
  readonly refilledAt: number;
}

/** How a bucket is tuned. */
export interface BucketConfig {
  /** Tokens the bucket holds at most: the largest burst. */
  readonly capacity: number;
  /** Tokens added per tick: the sustained rate. */
  readonly rate: number;
}

/** The answer of `tryAcquire`: admitted, or rejected with the ticks to wait before a token is there. */
export type Decision =
  | { readonly type: "admitted"; readonly bucket: TokenBucket }
  | { readonly type: "rejected"; readonly bucket: TokenBucket; readonly retryAfter: number };

/** A full bucket at time `now`: a new client may burst `capacity` requests at once. */
export function fullBucket(config: BucketConfig, now: number): TokenBucket {
  return { tokens: config.capacity, refilledAt: now };
}

/**
 * The bucket at time `now`: the tokens earned since it was last refilled
 * added, never beyond `capacity`. Earlier times leave it as it is.
 * @example
 * refill({ tokens: 0, refilledAt: 3 }, 4, { capacity: 2, rate: 1 }) // { tokens: 1, refilledAt: 4 }
 * refill({ tokens: 0, refilledAt: 3 }, 9, { capacity: 2, rate: 1 }) // { tokens: 2, refilledAt: 9 }
 */
export function refill(bucket: TokenBucket, now: number, config: BucketConfig): TokenBucket {
  if (now <= bucket.refilledAt) return bucket;
  return {
    tokens: Math.min(config.capacity, bucket.tokens + config.rate * (now - bucket.refilledAt)),
    refilledAt: now,
  };
}

/**
 * The limiter's step for a request at time `now`: refill, then take a token
 * if there is one. A rejected request takes nothing.
 * @example
 * const config = { capacity: 2, rate: 1 };
 * let d = tryAcquire(fullBucket(config, 0), 0, config); // admitted, 1 token left
 * d = tryAcquire(d.bucket, 0, config);                  // admitted, 0 left
 * d = tryAcquire(d.bucket, 0, config);                  // rejected, retryAfter: 1
 */
export function tryAcquire(bucket: TokenBucket, now: number, config: BucketConfig): Decision {
  const current = refill(bucket, now, config);
  if (current.tokens >= 1) return { type: "admitted", bucket: { ...current, tokens: current.tokens - 1 } };
  return { type: "rejected", bucket: current, retryAfter: Math.ceil((1 - current.tokens) / config.rate) };
}

/**
 * The most requests a bucket admits in any `ticks` consecutive ticks:
 * `capacity` for the tokens it may hold when the window starts, plus `rate`
 * for each of the `ticks - 1` refills inside it. The bound is tight: an
 * idle client that bursts, then keeps asking, gets exactly this many.
 * @example windowBudget(3, { capacity: 2, rate: 1 }) // 4
 */
export function windowBudget(ticks: number, config: BucketConfig): number {
  return config.capacity + config.rate * (ticks - 1);
}

// ---------------------------------------------------------------------------
// The window limiters.
// ---------------------------------------------------------------------------

/** How a window limiter is tuned. */
export interface WindowConfig {
  /** Requests admitted per window. */
  readonly limit: number;
  /** The window's length in ticks. */
  readonly window: number;
}

/** The answer of a window limiter: admitted or not, and its memory after the request. */
export type WindowDecision<M> = { readonly type: "admitted" | "rejected"; readonly memory: M };

/**
 * Sliding-window log: forget the admissions older than `window` ticks, then
 * admit while fewer than `limit` remain. A rejected request is not logged.
 * @example
 * logAcquire([0, 1], 2, { limit: 2, window: 2 }) // 0 has left the window: { type: "admitted", memory: [1, 2] }
 * logAcquire([1, 2], 2, { limit: 2, window: 2 }) // { type: "rejected", memory: [1, 2] }
 */
export function logAcquire(
  log: readonly number[],
  now: number,
  config: WindowConfig,
): WindowDecision<readonly number[]> {
  const recent = log.filter((t) => t > now - config.window);
  if (recent.length < config.limit) return { type: "admitted", memory: [...recent, now] };
  return { type: "rejected", memory: recent };
}

/** The counts of a sliding-window counter: the fixed window that starts at `start`, and the one before it. */
export interface WindowCounter {
  /** First tick of the current fixed window (a multiple of `window`). */
  readonly start: number;
  /** Requests admitted in the current fixed window. */
  readonly current: number;
  /** Requests admitted in the fixed window before it. */
  readonly previous: number;
}

/** A counter that has admitted nothing. */
export const emptyCounter: WindowCounter = { start: 0, current: 0, previous: 0 };

/**
 * The counter at time `now`: when `now` has moved into the next fixed window
 * the current count becomes the previous one; further on, both are zero.
 * @example
 * counterAt({ start: 0, current: 2, previous: 1 }, 4, { limit: 2, window: 3 })
 * // → { start: 3, current: 0, previous: 2 }
 */
export function counterAt(counter: WindowCounter, now: number, config: WindowConfig): WindowCounter {
  const start = now - (now % config.window);
  if (start <= counter.start) return counter;
  return { start, current: 0, previous: start === counter.start + config.window ? counter.current : 0 };
}

/**
 * Sliding-window counter: the estimate is the current count plus the
 * previous one weighted by the share of the previous window the sliding
 * window still covers, `(window - elapsed) / window`; admit while it is
 * below `limit`. Integer arithmetic: both sides times `window`.
 * @example
 * counterAcquire({ start: 0, current: 2, previous: 0 }, 4, { limit: 2, window: 3 })
 * // 2 * 2/3 + 0 = 1.33 < 2: { type: "admitted", memory: { start: 3, current: 1, previous: 2 } }
 */
export function counterAcquire(
  counter: WindowCounter,
  now: number,
  config: WindowConfig,
): WindowDecision<WindowCounter> {
  const c = counterAt(counter, now, config);
  const elapsed = now - c.start;
  if (c.previous * (config.window - elapsed) + c.current * config.window < config.limit * config.window)
    return { type: "admitted", memory: { ...c, current: c.current + 1 } };
  return { type: "rejected", memory: c };
}

/**
 * The most requests a window limiter admits in any `ticks` consecutive ticks,
 * for `ticks` up to `window`: the log's `limit`; the counter's `limit` plus
 * `ceil(limit * (ticks - 2) / window)` (a window that starts on the previous
 * fixed window's last tick, where all of its `limit` admissions fell). Both
 * bounds are tight.
 * @example [1, 2, 3].map((w) => slidingWindowBudget("sliding-window-counter", w, { limit: 2, window: 3 })) // [2, 2, 3]
 */
export function slidingWindowBudget(
  algorithm: "sliding-window-log" | "sliding-window-counter",
  ticks: number,
  config: WindowConfig,
): number {
  if (algorithm === "sliding-window-log" || ticks <= 2) return config.limit;
  return config.limit + Math.ceil((config.limit * (ticks - 2)) / config.window);
}

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/**
 * The state of the model: the clock, the limiter's memory (the one its algorithm keeps), and the ghost record of
 * requests.
 */
export interface LimiterState {
  readonly now: number;
  /** The token bucket (algorithm `token-bucket`). */
  readonly bucket?: TokenBucket;
  /** The admission log (algorithm `sliding-window-log`). */
  readonly log?: readonly number[];
  /** The two fixed-window counts (algorithm `sliding-window-counter`, and the fixed-window bug). */
  readonly counter?: WindowCounter;
  /** Ghost: requests admitted at each tick, `admitted[t]` at tick t. */
  readonly admitted: readonly number[];
  /** Ghost: requests that arrived, admitted or not. */
  readonly offered: number;
}

/** Parameter values of the spec. */
export interface LimiterParams {
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly window: number;
  readonly capacity: number;
  readonly rate: number;
  readonly horizon: number;
  readonly requests: number;
}

type Acquire = (bucket: TokenBucket, now: number, config: BucketConfig) => Decision;
type Refill = (bucket: TokenBucket, now: number, config: BucketConfig) => TokenBucket;
type CounterAcquire = (counter: WindowCounter, now: number, config: WindowConfig) => WindowDecision<WindowCounter>;

/** The limiter's step under each algorithm (the correct ones, or a variant's bug). */
interface Limiters {
  readonly bucket: Acquire;
  readonly counter: CounterAcquire;
}

const configOf = (p: LimiterParams): BucketConfig => ({ capacity: p.capacity, rate: p.rate });
const windowConfigOf = (p: LimiterParams): WindowConfig => ({ limit: p.limit, window: p.window });

/** Requests admitted in ticks `from..to`, both included. */
function admittedBetween(admitted: readonly number[], from: number, to: number): number {
  let sum = 0;
  for (let t = from; t <= to; t++) sum += admitted[t]!;
  return sum;
}

function totalAdmitted(s: LimiterState): number {
  return admittedBetween(s.admitted, 0, s.now);
}

/**
 * The budget of a window of `ticks` ticks under the algorithm of `p`, or null when the algorithm promises nothing for
 * windows that long.
 */
function budgetOf(p: LimiterParams, ticks: number): number | null {
  if (p.algorithm === "token-bucket") return windowBudget(ticks, configOf(p));
  return ticks <= p.window ? slidingWindowBudget(p.algorithm, ticks, windowConfigOf(p)) : null;
}

/** Would one more request now break the budget of some window that ends now? */
function overBudgetNow(s: LimiterState, p: LimiterParams): boolean {
  for (let from = 0; from <= s.now; from++) {
    const budget = budgetOf(p, s.now - from + 1);
    if (budget !== null && admittedBetween(s.admitted, from, s.now) + 1 > budget) return true;
  }
  return false;
}

/** Request: a request arrives and the limiter of `p.algorithm` decides. */
function requestWith(limiters: Limiters) {
  return (s: LimiterState, p: LimiterParams): LimiterState | undefined => {
    if (s.offered >= p.requests) return undefined;
    // A record over the algorithms rather than ts-pattern's match: exhaustive all the same, and importing the limiter
    // loads immer only.
    const steps: Record<RateLimitAlgorithm, () => { admitted: boolean; memory: Partial<LimiterState> }> = {
      "token-bucket": () => {
        const decision = limiters.bucket(s.bucket!, s.now, configOf(p));
        return { admitted: decision.type === "admitted", memory: { bucket: decision.bucket } };
      },
      "sliding-window-log": () => {
        const decision = logAcquire(s.log!, s.now, windowConfigOf(p));
        return { admitted: decision.type === "admitted", memory: { log: decision.memory } };
      },
      "sliding-window-counter": () => {
        const decision = limiters.counter(s.counter!, s.now, windowConfigOf(p));
        return { admitted: decision.type === "admitted", memory: { counter: decision.memory } };
      },
    };
    const admitted = steps[p.algorithm]();
    return produce(s, (d) => {
      Object.assign(d, admitted.memory);
      d.offered += 1;
      if (admitted.admitted) d.admitted[s.now] = s.admitted[s.now]! + 1;
    });
  };
}

const correct: Limiters = { bucket: tryAcquire, counter: counterAcquire };

/** `fixed-window`: the counter without the previous window's weight, which is a fixed-window counter. */
const fixedWindowAcquire: CounterAcquire = (counter, now, config) => {
  const c = counterAt(counter, now, config);
  return c.current < config.limit
    ? { type: "admitted", memory: { ...c, current: c.current + 1 } }
    : { type: "rejected", memory: c };
};

/** `tryAcquire` with another refill. */
function acquireWith(refillFn: Refill): Acquire {
  return (bucket, now, config) => {
    const current = refillFn(bucket, now, config);
    return tryAcquire(current, current.refilledAt, config);
  };
}

/** `refill-without-cap`: tokens earned while idle pile up beyond `capacity`. */
const refillWithoutCap: Refill = (bucket, now, config) =>
  now <= bucket.refilledAt
    ? bucket
    : { tokens: bucket.tokens + config.rate * (now - bucket.refilledAt), refilledAt: now };

/**
 * `refill-on-every-request`: the refill time is never advanced, so every request is paid again for the same elapsed
 * time.
 */
const refillKeepingTime: Refill = (bucket, now, config) => ({
  ...refill(bucket, now, config),
  refilledAt: bucket.refilledAt,
});

/**
 * `rejected-requests-spend-tokens`: take a token first and check after (a DECR-then-test counter), without giving it
 * back on rejection.
 */
const acquireSpendingOnRejection: Acquire = (bucket, now, config) => {
  const current = refill(bucket, now, config);
  const spent = { ...current, tokens: current.tokens - 1 };
  return spent.tokens >= 0 ? { type: "admitted", bucket: spent } : { type: "rejected", bucket: spent, retryAfter: 1 };
};

/**
 * A rate limiter (token bucket, sliding-window log or sliding-window counter) in front of one client whose requests
 * arrive at any time.
 */
export const rateLimiter = defineSpec({
  name: "rate-limiter",
  description:
    "a rate limiter: the token bucket admits at most capacity + rate*(w-1) requests in every window of w ticks and rejects none that budget allows; the sliding-window log admits at most limit per window, exactly; the sliding-window counter at most limit per fixed window",
  params: {
    algorithm: oneOf(ALGORITHMS, "token-bucket", { description: "how the limiter decides" }),
    capacity: int(2, { min: 1, max: 4, description: "tokens the bucket holds (largest burst; token-bucket)" }),
    rate: int(1, { min: 1, max: 3, description: "tokens added per tick (token-bucket)" }),
    limit: int(2, { min: 1, max: 4, description: "requests admitted per window (sliding windows)" }),
    window: int(3, { min: 1, max: 4, description: "window length in ticks (sliding windows)" }),
    horizon: int(5, { min: 1, max: 8, description: "ticks explored (model bound)" }),
    requests: int(8, { min: 1, max: 12, description: "requests arriving per run (model bound)" }),
  },
  init: (p): LimiterState[] => {
    const memory: Record<RateLimitAlgorithm, Partial<LimiterState>> = {
      "token-bucket": { bucket: fullBucket(configOf(p), 0) },
      "sliding-window-log": { log: [] },
      "sliding-window-counter": { counter: emptyCounter },
    };
    return [{ now: 0, ...memory[p.algorithm], admitted: [0], offered: 0 }];
  },
  actions: {
    Request: requestWith(correct),
    Tick: (s: LimiterState) => ({ ...s, now: s.now + 1, admitted: [...s.admitted, 0] }),
  },
  constraint: (s, p) => s.now <= p.horizon,
  properties: {
    admittedWithinBudget: invariant<LimiterState, LimiterParams>((s, p) => {
      for (let from = 0; from <= s.now; from++) {
        for (let to = from; to <= s.now; to++) {
          const budget = budgetOf(p, to - from + 1);
          if (budget !== null && admittedBetween(s.admitted, from, to) > budget) return false;
        }
      }
      return true;
    }, "in every window of w consecutive ticks at most the algorithm's budget is admitted: capacity + rate*(w-1) for the token bucket; for w up to `window`, `limit` for the sliding-window log and limit + ceil(limit*(w-2)/window) for the sliding-window counter"),
    fixedWindowsWithinLimit: invariant<LimiterState, LimiterParams>((s, p) => {
      if (p.algorithm === "token-bucket") return true;
      for (let from = 0; from <= s.now; from += p.window)
        if (admittedBetween(s.admitted, from, Math.min(s.now, from + p.window - 1)) > p.limit) return false;
      return true;
    }, "the sliding windows admit at most `limit` requests in each fixed window [k*window, (k+1)*window)"),
    tokensNeverExceedCapacity: invariant<LimiterState, LimiterParams>(
      (s, p) => s.bucket === undefined || s.bucket.tokens <= p.capacity,
      "the bucket never holds more than `capacity` tokens, however long the client was idle",
    ),
    rejectsOnlyOverBudget: onEveryStep<LimiterState, LimiterParams>(
      (prev, next, p) =>
        p.algorithm === "sliding-window-counter" ||
        next.offered === prev.offered ||
        totalAdmitted(next) > totalAdmitted(prev) ||
        overBudgetNow(prev, p),
      "the token bucket and the sliding-window log reject a request only when admitting it would break the budget of some window ending now: they are no stricter than they promise",
    ),
    counterRejectsOnlyWhenTwoWindowsHoldLimit: onEveryStep<LimiterState, LimiterParams>((prev, next, p) => {
      if (
        p.algorithm !== "sliding-window-counter" ||
        next.offered === prev.offered ||
        totalAdmitted(next) > totalAdmitted(prev)
      )
        return true;
      const start = prev.now - (prev.now % p.window);
      return admittedBetween(prev.admitted, Math.max(0, start - p.window), prev.now) >= p.limit;
    }, "the sliding-window counter rejects a request only when the current fixed window and the one before it together admitted `limit` (it may be stricter than the sliding log, never stricter than that)"),
  },
  variants: {
    "refill-without-cap": {
      description:
        "refill does not stop at capacity: tokens pile up while the client is idle, and the next burst is larger than any budget allows",
      violates: "tokensNeverExceedCapacity",
      actions: { Request: requestWith({ ...correct, bucket: acquireWith(refillWithoutCap) }) },
    },
    "refill-on-every-request": {
      description:
        "the refill time is never advanced: every request earns again the tokens of the same elapsed time, and a client that keeps asking is never limited",
      violates: "admittedWithinBudget",
      actions: { Request: requestWith({ ...correct, bucket: acquireWith(refillKeepingTime) }) },
    },
    "rejected-requests-spend-tokens": {
      description:
        "the limiter takes a token before it checks and does not give it back on rejection: a client that retries while throttled keeps itself throttled after the budget has come back",
      violates: "rejectsOnlyOverBudget",
      actions: { Request: requestWith({ ...correct, bucket: acquireSpendingOnRejection }) },
    },
    "fixed-window": {
      description:
        "the sliding-window counter ignores the previous window's count: a fixed window, which admits `limit` at the end of one window and `limit` again at the start of the next, twice the limit in two ticks",
      violates: "admittedWithinBudget",
      params: { algorithm: "sliding-window-counter" },
      actions: { Request: requestWith({ ...correct, counter: fixedWindowAcquire }) },
    },
  },
});
