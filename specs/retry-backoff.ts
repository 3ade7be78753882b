/**
 * Client retries with capped exponential backoff, full jitter and an
 * idempotency key (the seeds' "Exponential backoff" slide, `wait(2 **
 * retries)` up to `MAX_RETRIES`; "Downstream Resiliency" in the crash course
 * on distributed systems: timeouts, retries with exponential backoff; Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 *
 * A client sends an operation to a server over a network that may lose the
 * request or the response, or just be slow. It waits for an answer; when the
 * wait is over it sends the operation again, up to `maxAttempts` sends in
 * all, then gives up. After attempt k it waits at least
 * `min(cap, base * 2^(k-1))` ticks, plus a jitter drawn from `[0, that]`,
 * so that clients that failed together do not retry together. Every send of
 * one operation carries the same idempotency key, and the server applies a
 * key only the first time it sees it and answers every copy: a retry after a
 * lost or slow response is answered without being applied again.
 *
 * The model: `operations` independent operations of one client; time is an
 * explicit `Tick` that only runs while some operation is waiting out its
 * backoff (so time is bounded by the retry budget, with no horizon); the
 * jitter is a nondeterministic choice among all its values, so every jitter
 * the client could draw is covered; the network is a multiset of requests and
 * responses that delivers in any order and loses up to `loss` of them. The
 * wait after an attempt doubles as its timeout: a client retries only once
 * the wait is over, whether the answer was lost or is merely late. A ghost
 * log of send times and a count of applications per operation, which neither
 * side reads, let the properties state the claims in terms of what happened.
 */
import { castDraft, produce } from "immer";
import { match } from "ts-pattern";
import { atTermination, choose, defineSpec, int, invariant, numberedIds, setAdd, setHas } from "../src/index.js";

/** How a client backs off. */
export interface BackoffConfig {
  /** The wait after the first attempt, in ticks. */
  readonly base: number;
  /** The longest wait before jitter, however many attempts have failed. */
  readonly cap: number;
  /** Sends of one operation in all, the first included. */
  readonly maxAttempts: number;
}

/** An operation as its client keeps it. */
export type RetryOperation =
  /** Not sent yet. */
  | { readonly status: "idle" }
  /** Attempt `attempt` was sent; the client waits for an answer until `retryAt`. */
  | { readonly status: "waiting"; readonly attempt: number; readonly retryAt: number }
  /** The server's answer arrived. */
  | { readonly status: "acknowledged"; readonly attempt: number }
  /** Every attempt's wait ran out without an answer. */
  | { readonly status: "gave-up"; readonly attempt: number };

/** What the client should do about an operation at a given time. */
export type RetryDecision =
  /** Send attempt `attempt` now. */
  | { readonly type: "send"; readonly attempt: number }
  /** Nothing to do before `until`. */
  | { readonly type: "wait"; readonly until: number }
  /** The budget is spent and the last wait is over: report failure. */
  | { readonly type: "give-up" }
  /** Acknowledged or given up already. */
  | { readonly type: "resolved" };

/** An operation that has not been sent. */
export const idleOperation: RetryOperation = { status: "idle" };

/**
 * The backoff after attempt `attempt` (1-based), before jitter: doubles from
 * `base` with every failed attempt, and never exceeds `cap`.
 * @example
 * [1, 2, 3, 4].map((k) => backoffDelay(k, { base: 1, cap: 4, maxAttempts: 5 })) // [1, 2, 4, 4]
 */
export function backoffDelay(attempt: number, config: BackoffConfig): number {
  return Math.min(config.cap, config.base * 2 ** (attempt - 1));
}

/**
 * The jitters the client may add after attempt `attempt`: every integer in
 * `[0, backoffDelay(attempt)]`. An application draws one at random; the model
 * tries them all.
 * @example
 * jitterChoices(2, { base: 1, cap: 4, maxAttempts: 5 }) // [0, 1, 2]
 */
export function jitterChoices(attempt: number, config: BackoffConfig): readonly number[] {
  return Array.from({ length: backoffDelay(attempt, config) + 1 }, (_, j) => j);
}

/**
 * The client's decision about `op` at time `now`: send the first attempt,
 * wait, send the next attempt once the wait is over, or give up once the
 * budget is spent and the last wait is over.
 * @example
 * const config = { base: 1, cap: 2, maxAttempts: 2 };
 * nextStep({ status: "waiting", attempt: 1, retryAt: 3 }, 2, config) // { type: "wait", until: 3 }
 * nextStep({ status: "waiting", attempt: 1, retryAt: 3 }, 3, config) // { type: "send", attempt: 2 }
 * nextStep({ status: "waiting", attempt: 2, retryAt: 5 }, 5, config) // { type: "give-up" }
 */
export function nextStep(op: RetryOperation, now: number, config: BackoffConfig): RetryDecision {
  return match(op)
    .with({ status: "idle" }, (): RetryDecision => ({ type: "send", attempt: 1 }))
    .with({ status: "waiting" }, (o): RetryDecision => {
      if (now < o.retryAt) return { type: "wait", until: o.retryAt };
      return o.attempt < config.maxAttempts ? { type: "send", attempt: o.attempt + 1 } : { type: "give-up" };
    })
    .with({ status: "acknowledged" }, { status: "gave-up" }, (): RetryDecision => ({ type: "resolved" }))
    .exhaustive();
}

/**
 * The operation after sending attempt `attempt` at `now` with the drawn
 * `jitter` (one of `jitterChoices(attempt)`): it waits until
 * `now + backoffDelay(attempt) + jitter`.
 * @example
 * sentAttempt(1, 0, 1, { base: 1, cap: 2, maxAttempts: 3 }) // { status: "waiting", attempt: 1, retryAt: 2 }
 */
export function sentAttempt(attempt: number, now: number, jitter: number, config: BackoffConfig): RetryOperation {
  return { status: "waiting", attempt, retryAt: now + backoffDelay(attempt, config) + jitter };
}

/**
 * The operation when the server's answer arrives: acknowledged if it was waiting, unchanged if it was already resolved.
 */
export function acknowledge(op: RetryOperation): RetryOperation {
  return op.status === "waiting" ? { status: "acknowledged", attempt: op.attempt } : op;
}

/** The server's deduplication record: idempotency keys applied so far, a sorted set. */
export interface IdempotentServer {
  readonly applied: readonly string[];
}

/** The answer of `handleRequest`: whether the operation was applied now, and the server after it. */
export interface HandleResult {
  readonly applied: boolean;
  readonly server: IdempotentServer;
}

/**
 * The server's step on a request with idempotency key `key`: applies the
 * operation the first time it sees the key, and only acknowledges a repeat.
 * Either way the client gets an answer.
 * @example
 * const first = handleRequest({ applied: [] }, "o1") // { applied: true, server: { applied: ["o1"] } }
 * handleRequest(first.server, "o1").applied          // false
 */
export function handleRequest(server: IdempotentServer, key: string): HandleResult {
  if (setHas(server.applied, key)) return { applied: false, server };
  return { applied: true, server: { applied: setAdd(server.applied, key) } };
}

// ---------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------

/** Copies in flight of each operation's requests and responses (a multiset, by operation id). */
export interface RetryNetwork {
  readonly requests: Readonly<Record<string, number>>;
  readonly responses: Readonly<Record<string, number>>;
}

/** The state of the model. */
export interface RetryState {
  readonly now: number;
  /** The client's operations, by id; an operation's id is its idempotency key. */
  readonly ops: Readonly<Record<string, RetryOperation>>;
  readonly server: IdempotentServer;
  readonly network: RetryNetwork;
  /** Messages lost so far. */
  readonly lost: number;
  /** Ghost: the time of every send of each operation, in order. */
  readonly sends: Readonly<Record<string, readonly number[]>>;
  /** Ghost: how many times the server applied each operation. */
  readonly applications: Readonly<Record<string, number>>;
}

/** Parameter values of the spec. */
export interface RetryParams {
  readonly operations: number;
  readonly maxAttempts: number;
  readonly base: number;
  readonly cap: number;
  readonly loss: number;
}

type Schedule = (attempt: number, now: number, jitter: number, config: BackoffConfig) => RetryOperation;
type Handle = (server: IdempotentServer, key: string) => HandleResult;

const configOf = (p: RetryParams): BackoffConfig => ({ base: p.base, cap: p.cap, maxAttempts: p.maxAttempts });
const opsOf = (s: RetryState): readonly string[] => Object.keys(s.ops);

/** The (operation, jitter) pairs a send may take: every jitter of the attempt the client would send now. */
function sendChoices(
  jitters: (attempt: number, config: BackoffConfig) => readonly number[],
  budget: (p: RetryParams) => BackoffConfig,
) {
  return (s: RetryState, p: RetryParams): { op: string; jitter: number }[] =>
    opsOf(s).flatMap((op) => {
      const decision = nextStep(s.ops[op]!, s.now, budget(p));
      return decision.type === "send" ? jitters(decision.attempt, configOf(p)).map((jitter) => ({ op, jitter })) : [];
    });
}

/**
 * Send(o, jitter): the client sends the operation's next attempt (the first, or a retry once the wait is over) and
 * draws its jitter.
 */
function sendWith(
  schedule: Schedule,
  options: {
    readonly jitters?: (attempt: number, config: BackoffConfig) => readonly number[];
    readonly budget?: (p: RetryParams) => BackoffConfig;
  } = {},
) {
  const budget = options.budget ?? configOf;
  return choose(
    sendChoices(options.jitters ?? jitterChoices, budget),
    (s: RetryState, { op, jitter }, p: RetryParams) => {
      const decision = nextStep(s.ops[op]!, s.now, budget(p));
      if (decision.type !== "send") return undefined;
      return produce(s, (d) => {
        d.ops[op] = schedule(decision.attempt, s.now, jitter, configOf(p));
        d.network.requests[op] = (s.network.requests[op] ?? 0) + 1;
        d.sends[op]!.push(s.now);
      });
    },
    ({ op, jitter }) => `${op}, jitter ${jitter}`,
  );
}

/** DeliverRequest(o): a copy of o's request reaches the server, which handles it and answers. */
function deliverRequestWith(handle: Handle) {
  return choose(opsOf, (s: RetryState, op: string) => {
    const copies = s.network.requests[op] ?? 0;
    if (copies === 0) return undefined;
    const result = handle(s.server, op);
    return produce(s, (d) => {
      d.network.requests[op] = copies - 1;
      d.network.responses[op] = (s.network.responses[op] ?? 0) + 1;
      d.server = castDraft(result.server);
      if (result.applied) d.applications[op] = (s.applications[op] ?? 0) + 1;
    });
  });
}

/** DeliverResponse(o): a copy of the answer reaches the client. */
const deliverResponse = choose(opsOf, (s: RetryState, op: string) => {
  const copies = s.network.responses[op] ?? 0;
  if (copies === 0) return undefined;
  return produce(s, (d) => {
    d.network.responses[op] = copies - 1;
    d.ops[op] = acknowledge(s.ops[op]!);
  });
});

/** Lose(kind o): the network drops a copy of a request or response, within the loss budget. */
const lose = choose(
  (s: RetryState) =>
    opsOf(s).flatMap((op) => [
      { kind: "requests" as const, op },
      { kind: "responses" as const, op },
    ]),
  (s: RetryState, { kind, op }, p: RetryParams) => {
    const copies = s.network[kind][op] ?? 0;
    if (copies === 0 || s.lost >= p.loss) return undefined;
    return produce(s, (d) => {
      d.network[kind][op] = copies - 1;
      d.lost += 1;
    });
  },
  ({ kind, op }) => `${kind === "requests" ? "request" : "response"} ${op}`,
);

/** GiveUp(o): the last attempt's wait ran out without an answer. */
function giveUpWith(budget: (p: RetryParams) => BackoffConfig) {
  return choose(opsOf, (s: RetryState, op: string, p: RetryParams) => {
    const o = s.ops[op]!;
    if (o.status !== "waiting" || nextStep(o, s.now, budget(p)).type !== "give-up") return undefined;
    return produce(s, (d) => {
      d.ops[op] = { status: "gave-up", attempt: o.attempt };
    });
  });
}

/** Tick: time passes, only while some operation is waiting out its backoff. */
function tick(s: RetryState): RetryState | undefined {
  const waiting = Object.values(s.ops).some((o) => o.status === "waiting" && o.retryAt > s.now);
  return waiting ? { ...s, now: s.now + 1 } : undefined;
}

/** `no-idempotency-key`: the server cannot tell a retry from a new operation and applies every copy. */
const applyEveryCopy: Handle = (server) => ({ applied: true, server });

/** `no-backoff`: the client retries as soon as it has sent, without waiting. */
const retryAtOnce: Schedule = (attempt, now) => ({ status: "waiting", attempt, retryAt: now });

/** `fixed-delay`: the wait stays at `base` (plus jitter): the exponent is never applied. */
const fixedDelay: Schedule = (attempt, now, jitter, config) => ({
  status: "waiting",
  attempt,
  retryAt: now + config.base + jitter,
});
const fixedJitters = (_attempt: number, config: BackoffConfig): readonly number[] => jitterChoices(1, config);

/** `unbounded-retries`: the client never gives up; it retries for as long as no answer comes. */
const noBudget = (p: RetryParams): BackoffConfig => ({ ...configOf(p), maxAttempts: Number.POSITIVE_INFINITY });

/**
 * Client retries with capped exponential backoff, full jitter and idempotency keys, over a network that loses and
 * delays messages.
 */
export const retryBackoff = defineSpec({
  name: "retry-backoff",
  description:
    "retries with capped exponential backoff, full jitter and an idempotency key: each operation is applied at most once, retries wait out their backoff, and the budget bounds the attempts",
  params: {
    operations: int(1, { min: 1, max: 2, description: "operations the client sends, each retried on its own" }),
    maxAttempts: int(4, { min: 1, max: 5, description: "sends per operation, the first included" }),
    base: int(1, { min: 1, max: 3, description: "backoff after the first attempt, in ticks" }),
    cap: int(2, { min: 1, max: 6, description: "the longest backoff before jitter" }),
    loss: int(1, { min: 0, max: 3, description: "requests or responses the network may lose" }),
  },
  init: (p) => {
    const ids = numberedIds("o", p.operations);
    return [
      {
        now: 0,
        ops: Object.fromEntries(ids.map((o): [string, RetryOperation] => [o, idleOperation])),
        server: { applied: [] },
        network: { requests: {}, responses: {} },
        lost: 0,
        sends: Object.fromEntries(ids.map((o): [string, number[]] => [o, []])),
        applications: {},
      },
    ];
  },
  actions: {
    Send: sendWith(sentAttempt),
    DeliverRequest: deliverRequestWith(handleRequest),
    DeliverResponse: deliverResponse,
    Lose: lose,
    GiveUp: giveUpWith(configOf),
    Tick: tick,
  },
  // Never binds in the spec as written (the budget stops every operation
  // first); it stops `unbounded-retries` one send past the budget.
  constraint: (s, p) => Object.values(s.sends).every((times) => times.length <= p.maxAttempts),
  properties: {
    appliedAtMostOnce: invariant<RetryState>(
      (s) => Object.values(s.applications).every((n) => n <= 1),
      "the server applies each operation at most once, however many of its attempts arrive",
    ),
    retriesWaitForBackoff: invariant<RetryState, RetryParams>(
      (s, p) =>
        Object.values(s.sends).every((times) =>
          times.every((t, k) => k === 0 || t >= times[k - 1]! + backoffDelay(k, configOf(p))),
        ),
      "attempt k+1 is sent no earlier than attempt k's send time plus min(cap, base·2^(k-1)): retries back off exponentially, up to the cap",
    ),
    attemptsWithinBudget: invariant<RetryState, RetryParams>(
      (s, p) => Object.values(s.sends).every((times) => times.length <= p.maxAttempts),
      "the client sends each operation at most `maxAttempts` times",
    ),
    everyOperationResolved: atTermination<RetryState, RetryParams>(
      (s, p) =>
        opsOf(s).every((op) =>
          match(s.ops[op]!)
            .with({ status: "acknowledged" }, () => s.applications[op] === 1)
            .with({ status: "gave-up" }, () => s.sends[op]!.length === p.maxAttempts)
            .otherwise(() => false),
        ),
      "when nothing more can happen, every operation was applied once and acknowledged, or given up after all `maxAttempts` sends",
    ),
  },
  variants: {
    "no-idempotency-key": {
      description:
        "requests carry no idempotency key: a retry sent because the answer was slow or lost is applied a second time",
      violates: "appliedAtMostOnce",
      actions: { DeliverRequest: deliverRequestWith(applyEveryCopy) },
    },
    "no-backoff": {
      description: "the client retries at once instead of waiting: a struggling server gets every retry back to back",
      violates: "retriesWaitForBackoff",
      actions: { Send: sendWith(retryAtOnce, { jitters: () => [0] }) },
    },
    "fixed-delay": {
      description: "the wait never grows past `base` (the exponent is not applied): the third attempt comes too soon",
      violates: "retriesWaitForBackoff",
      actions: { Send: sendWith(fixedDelay, { jitters: fixedJitters }) },
    },
    "unbounded-retries": {
      description: "the client never gives up: with no answer it keeps sending past `maxAttempts`",
      violates: "attemptsWithinBudget",
      actions: { Send: sendWith(sentAttempt, { budget: noBudget }), GiveUp: giveUpWith(noBudget) },
    },
  },
});
