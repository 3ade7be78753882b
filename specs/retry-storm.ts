/**
 * Retry storms: a chain of services, each calling the next, where the
 * deepest one fails. If every layer retries each failed call up to `attempts`
 * times, one client request becomes attempts^(layers) calls on the deepest
 * service: the retries amplify the very overload they react to. With a retry
 * budget at each layer (a token bucket that every retry must take a token
 * from: `capacity` tokens, one more every `refillTicks` ticks) and
 * exponential backoff between attempts, the deepest service sees at most
 * the client's requests plus each layer's budget over the run
 * (`loadBound`), however the calls interleave.
 *
 * Time is the model's `Tick`; requests arrive at any tick, and each layer's
 * decision (retry, or fail the call upward) is `onFailure`, a pure function a
 * service can import.
 */
import { choose, defineSpec, int, invariant } from "../src/index.js";

/** A retry budget: a token bucket that retries spend (first attempts are free). */
export interface RetryBudget {
  readonly tokens: number;
}

/** How a layer retries. */
export interface RetryPolicy {
  /** Attempts per call, the first included. */
  readonly attempts: number;
  /** Ticks before the second attempt; doubled before each later one (0: no backoff). */
  readonly backoff: number;
  /** Whether each retry must take a token from the layer's budget. */
  readonly budgeted: boolean;
}

/** A layer's answer to a failed attempt: retry at tick `at` (spending one token if budgeted), or give up. */
export type FailureDecision =
  | { readonly type: "retry"; readonly at: number; readonly budget: RetryBudget }
  | { readonly type: "giveUp"; readonly budget: RetryBudget };

/**
 * What a layer does when attempt number `attempt` (1 for the first) of a call
 * failed at tick `now`: retry after the backoff if attempts are left and (when
 * budgeted) the budget has a token, otherwise fail the call upward.
 * @example onFailure(1, 0, { tokens: 1 }, { attempts: 3, backoff: 1, budgeted: true }) // retry at 1, 0 tokens left
 */
export function onFailure(attempt: number, now: number, budget: RetryBudget, policy: RetryPolicy): FailureDecision {
  if (attempt >= policy.attempts) return { type: "giveUp", budget };
  if (policy.budgeted && budget.tokens < 1) return { type: "giveUp", budget };
  const wait = policy.backoff === 0 ? 0 : policy.backoff * 2 ** (attempt - 1);
  return { type: "retry", at: now + wait, budget: policy.budgeted ? { tokens: budget.tokens - 1 } : budget };
}

/** The budget after one tick: one more token every `refillTicks` ticks, at most `capacity`. */
export function refillBudget(
  budget: RetryBudget,
  now: number,
  config: { readonly capacity: number; readonly refillTicks: number },
): RetryBudget {
  return now % config.refillTicks === 0 ? { tokens: Math.min(config.capacity, budget.tokens + 1) } : budget;
}

/** Parameter values of the spec. */
export interface StormParams {
  readonly layers: number;
  readonly requests: number;
  readonly attempts: number;
  readonly backoff: number;
  readonly capacity: number;
  readonly refillTicks: number;
  readonly horizon: number;
}

/**
 * The most calls the deepest service gets: every call on it comes from a
 * call into the layer above it, a first attempt or a retry there, and so on
 * up the chain; first attempts come from the client's requests and every
 * retry takes a token, of which a layer gets `capacity` plus one per
 * `refillTicks` ticks of the run.
 * @example loadBound({ layers: 2, requests: 2, capacity: 1, refillTicks: 2, horizon: 4, attempts: 3, backoff: 1 }) // 8
 */
export function loadBound(p: StormParams): number {
  return p.requests + p.layers * (p.capacity + Math.floor(p.horizon / p.refillTicks));
}

/** A call in progress at one layer: attempts made so far, and the tick its next attempt may start. */
export interface Frame {
  readonly attempts: number;
  readonly readyAt: number;
}

/** The model's state. */
export interface StormState {
  readonly now: number;
  /** Requests the client has sent. */
  readonly arrived: number;
  /**
   * Requests in progress: the frames of the layers they have reached, outermost first (sorted: requests are
   * interchangeable).
   */
  readonly calls: readonly (readonly Frame[])[];
  /** Requests failed back to the client. */
  readonly failed: number;
  /** Each retrying layer's budget, outermost first. */
  readonly budgets: readonly RetryBudget[];
  /** Ghost: calls that reached the deepest service. */
  readonly deepestLoad: number;
}

function policyOf(p: StormParams, options: { readonly budgeted: boolean; readonly backoff: boolean }): RetryPolicy {
  return { attempts: p.attempts, backoff: options.backoff ? p.backoff : 0, budgeted: options.budgeted };
}

function sortCalls(calls: readonly (readonly Frame[])[]): (readonly Frame[])[] {
  return [...calls].sort((a, b) =>
    JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0,
  );
}

/** The failure of the top frame's latest attempt climbs the stack until some layer retries. */
function fail(
  stack: readonly Frame[],
  budgets: readonly RetryBudget[],
  now: number,
  policy: RetryPolicy,
): { stack: readonly Frame[]; budgets: readonly RetryBudget[] } {
  let frames = stack;
  let current = budgets;
  while (frames.length > 0) {
    const layer = frames.length - 1;
    const top = frames[layer]!;
    const d = onFailure(top.attempts, now, current[layer]!, policy);
    current = current.map((b, k) => (k === layer ? d.budget : b));
    if (d.type === "retry")
      return { stack: [...frames.slice(0, layer), { attempts: top.attempts, readyAt: d.at }], budgets: current };
    frames = frames.slice(0, layer);
  }
  return { stack: frames, budgets: current };
}

function attemptWith(options: { readonly budgeted: boolean; readonly backoff: boolean }) {
  return (s: StormState, i: number, p: StormParams): StormState | undefined => {
    const stack = s.calls[i]!;
    const top = stack.at(-1)!;
    // Only the innermost call of a request acts; the ones above it wait for its answer.
    if (top.readyAt > s.now) return undefined;
    const made = [...stack.slice(0, -1), { ...top, attempts: top.attempts + 1 }];
    if (stack.length < p.layers) {
      // The next layer gets a call of its own.
      return {
        ...s,
        calls: sortCalls(s.calls.map((c, k) => (k === i ? [...made, { attempts: 0, readyAt: s.now }] : c))),
      };
    }
    // The deepest service fails every call.
    const after = fail(made, s.budgets, s.now, policyOf(p, options));
    const calls =
      after.stack.length === 0 ? s.calls.filter((_, k) => k !== i) : s.calls.map((c, k) => (k === i ? after.stack : c));
    return {
      ...s,
      calls: sortCalls(calls),
      budgets: after.budgets,
      deepestLoad: s.deepestLoad + 1,
      failed: s.failed + (after.stack.length === 0 ? 1 : 0),
    };
  };
}

/** A chain of `layers` retrying services in front of a failing deepest service. */
export const retryStorm = defineSpec({
  name: "retry-storm",
  description:
    "retries through a chain of services with a failing deepest service: with retry budgets and backoff its load stays within requests + each layer's budget; without them retries multiply",
  params: {
    layers: int(2, { min: 1, max: 3, description: "retrying services in front of the deepest one" }),
    requests: int(2, { min: 1, max: 3, description: "client requests per run" }),
    attempts: int(3, { min: 1, max: 4, description: "attempts per call at each layer, the first included" }),
    backoff: int(1, { min: 0, max: 2, description: "ticks before the first retry, doubled for each later one" }),
    capacity: int(1, { min: 0, max: 3, description: "tokens in each layer's retry budget" }),
    refillTicks: int(2, { min: 1, max: 4, description: "ticks per token added to a retry budget" }),
    horizon: int(4, { min: 1, max: 8, description: "ticks explored (model bound)" }),
  },
  init: (p) => [
    {
      now: 0,
      arrived: 0,
      calls: [],
      failed: 0,
      budgets: Array.from({ length: p.layers }, () => ({ tokens: p.capacity })),
      deepestLoad: 0,
    },
  ],
  actions: {
    Request: (s: StormState, p: StormParams) =>
      s.arrived >= p.requests
        ? undefined
        : { ...s, arrived: s.arrived + 1, calls: sortCalls([...s.calls, [{ attempts: 0, readyAt: s.now }]]) },
    Attempt: choose((s: StormState) => s.calls.map((_, i) => i), attemptWith({ budgeted: true, backoff: true })),
    Tick: (s: StormState, p: StormParams) =>
      s.now >= p.horizon
        ? undefined
        : { ...s, now: s.now + 1, budgets: s.budgets.map((b) => refillBudget(b, s.now + 1, p)) },
  },
  properties: {
    deepestLoadWithinBound: invariant<StormState, StormParams>(
      (s, p) => s.deepestLoad <= loadBound(p),
      "the failing deepest service gets at most requests + layers * (capacity + horizon / refillTicks) calls: retries add, they do not multiply",
    ),
  },
  variants: {
    "unbounded-retries": {
      description:
        "every layer retries each failed call `attempts` times at once, without a budget or backoff: each request becomes attempts^layers calls on the deepest service",
      violates: "deepestLoadWithinBound",
      actions: {
        Attempt: choose((s: StormState) => s.calls.map((_, i) => i), attemptWith({ budgeted: false, backoff: false })),
      },
    },
  },
});
