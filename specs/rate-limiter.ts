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
 * The model: requests from one client arrive at any time, up to `requests`
 * of them; time is an explicit `Tick` action, bounded by `horizon`. A ghost
 * record of the requests admitted at each tick lets the properties speak of
 * windows.
 */
import { produce } from "immer";
import { defineSpec, int, invariant, onEveryStep } from "../src/index.js";

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
  return { tokens: Math.min(config.capacity, bucket.tokens + config.rate * (now - bucket.refilledAt)), refilledAt: now };
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

/** The state of the model: the clock, the bucket, and the ghost record of requests. */
export interface LimiterState {
  readonly now: number;
  readonly bucket: TokenBucket;
  /** Ghost: requests admitted at each tick, `admitted[t]` at tick t. */
  readonly admitted: readonly number[];
  /** Ghost: requests that arrived, admitted or not. */
  readonly offered: number;
}

/** Parameter values of the spec. */
export interface LimiterParams {
  readonly capacity: number;
  readonly rate: number;
  readonly horizon: number;
  readonly requests: number;
}

type Acquire = (bucket: TokenBucket, now: number, config: BucketConfig) => Decision;
type Refill = (bucket: TokenBucket, now: number, config: BucketConfig) => TokenBucket;

const configOf = (p: LimiterParams): BucketConfig => ({ capacity: p.capacity, rate: p.rate });

/** Requests admitted in ticks `from..to`, both included. */
function admittedBetween(admitted: readonly number[], from: number, to: number): number {
  let sum = 0;
  for (let t = from; t <= to; t++) sum += admitted[t]!;
  return sum;
}

function totalAdmitted(s: LimiterState): number {
  return admittedBetween(s.admitted, 0, s.now);
}

/** Would one more request now break the budget of some window that ends now? */
function overBudgetNow(s: LimiterState, config: BucketConfig): boolean {
  for (let from = 0; from <= s.now; from++) {
    if (admittedBetween(s.admitted, from, s.now) + 1 > windowBudget(s.now - from + 1, config)) return true;
  }
  return false;
}

/** Request: a request arrives and the limiter decides. */
function requestWith(acquire: Acquire) {
  return (s: LimiterState, p: LimiterParams): LimiterState | undefined => {
    if (s.offered >= p.requests) return undefined;
    const decision = acquire(s.bucket, s.now, configOf(p));
    return produce(s, (d) => {
      d.bucket = decision.bucket;
      d.offered += 1;
      if (decision.type === "admitted") d.admitted[s.now] = s.admitted[s.now]! + 1;
    });
  };
}

/** `tryAcquire` with another refill. */
function acquireWith(refillFn: Refill): Acquire {
  return (bucket, now, config) => {
    const current = refillFn(bucket, now, config);
    return tryAcquire(current, current.refilledAt, config);
  };
}

/** `refill-without-cap`: tokens earned while idle pile up beyond `capacity`. */
const refillWithoutCap: Refill = (bucket, now, config) =>
  now <= bucket.refilledAt ? bucket : { tokens: bucket.tokens + config.rate * (now - bucket.refilledAt), refilledAt: now };

/** `refill-on-every-request`: the refill time is never advanced, so every request is paid again for the same elapsed time. */
const refillKeepingTime: Refill = (bucket, now, config) => ({ ...refill(bucket, now, config), refilledAt: bucket.refilledAt });

/** `rejected-requests-spend-tokens`: take a token first and check after (a DECR-then-test counter), without giving it back on rejection. */
const acquireSpendingOnRejection: Acquire = (bucket, now, config) => {
  const current = refill(bucket, now, config);
  const spent = { ...current, tokens: current.tokens - 1 };
  return spent.tokens >= 0 ? { type: "admitted", bucket: spent } : { type: "rejected", bucket: spent, retryAfter: 1 };
};

/** A token bucket in front of one client whose requests arrive at any time. */
export const rateLimiter = defineSpec({
  name: "rate-limiter",
  description: "a token-bucket rate limiter: in every window of w ticks it admits at most capacity + rate*(w-1) requests, and rejects none that budget allows",
  params: {
    capacity: int(2, { min: 1, max: 4, description: "tokens the bucket holds (largest burst)" }),
    rate: int(1, { min: 1, max: 3, description: "tokens added per tick" }),
    horizon: int(5, { min: 1, max: 8, description: "ticks explored (model bound)" }),
    requests: int(8, { min: 1, max: 12, description: "requests arriving per run (model bound)" }),
  },
  init: (p) => [{ now: 0, bucket: fullBucket(configOf(p), 0), admitted: [0], offered: 0 }],
  actions: {
    Request: requestWith(tryAcquire),
    Tick: (s: LimiterState) => ({ ...s, now: s.now + 1, admitted: [...s.admitted, 0] }),
  },
  constraint: (s, p) => s.now <= p.horizon,
  properties: {
    admittedWithinBudget: invariant<LimiterState>((s, p) => {
      for (let from = 0; from <= s.now; from++) {
        for (let to = from; to <= s.now; to++) {
          if (admittedBetween(s.admitted, from, to) > windowBudget(to - from + 1, configOf(p))) return false;
        }
      }
      return true;
    }, "in every window of w consecutive ticks at most capacity + rate*(w-1) requests are admitted"),
    tokensNeverExceedCapacity: invariant<LimiterState>((s, p) => s.bucket.tokens <= p.capacity, "the bucket never holds more than `capacity` tokens, however long the client was idle"),
    rejectsOnlyOverBudget: onEveryStep<LimiterState>(
      (prev, next, p) => next.offered === prev.offered || totalAdmitted(next) > totalAdmitted(prev) || overBudgetNow(prev, configOf(p)),
      "a request is rejected only when admitting it would break the budget of some window ending now: the limiter is no stricter than it promises",
    ),
  },
  variants: {
    "refill-without-cap": {
      description: "refill does not stop at capacity: tokens pile up while the client is idle, and the next burst is larger than any budget allows",
      violates: "tokensNeverExceedCapacity",
      actions: { Request: requestWith(acquireWith(refillWithoutCap)) },
    },
    "refill-on-every-request": {
      description: "the refill time is never advanced: every request earns again the tokens of the same elapsed time, and a client that keeps asking is never limited",
      violates: "admittedWithinBudget",
      actions: { Request: requestWith(acquireWith(refillKeepingTime)) },
    },
    "rejected-requests-spend-tokens": {
      description: "the limiter takes a token before it checks and does not give it back on rejection: a client that retries while throttled keeps itself throttled after the budget has come back",
      violates: "rejectsOnlyOverBudget",
      actions: { Request: requestWith(acquireSpendingOnRejection) },
    },
  },
});
