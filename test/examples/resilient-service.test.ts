/**
 * The example service (examples/resilient-service) against a backend on
 * 127.0.0.1 that fails, recovers or holds its answers on demand. Real
 * sockets, fake time: the service's clock is a FakeClock the test moves, so
 * backoffs and cooldowns of seconds take no time and every instant is exact.
 */
import { createServer, get, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { GuardConfig } from "../../examples/resilient-service/guard.js";
import { startService, type Clock, type Service } from "../../examples/resilient-service/service.js";

/** Time that moves only when the test says so; `until` moves it from timer to timer until a promise settles. */
class FakeClock implements Clock {
  private time = 0;
  private ids = 0;
  private readonly pending = new Map<number, { readonly at: number; readonly run: () => void }>();
  private wake: (() => void) | undefined;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): number {
    const id = ++this.ids;
    this.pending.set(id, { at: this.time + ms, run });
    this.wake?.();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves to `time`, running the timers due on the way, each at its own instant. */
  advanceTo(time: number): void {
    for (let next = this.earliest(); next !== undefined && next[1].at <= time; next = this.earliest()) this.fire(next);
    this.time = time;
  }

  /** Runs the timers one by one, as the service arms them, until `promise` settles. */
  async until<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    void promise.then(() => (settled = true));
    while (!settled) {
      const next = this.earliest();
      if (next !== undefined) {
        this.fire(next);
        continue;
      }
      await Promise.race([promise, new Promise<void>((resolve) => (this.wake = resolve))]);
    }
    return promise;
  }

  private earliest(): [number, { readonly at: number; readonly run: () => void }] | undefined {
    let best: [number, { readonly at: number; readonly run: () => void }] | undefined;
    for (const entry of this.pending) if (best === undefined || entry[1].at < best[1].at) best = entry;
    return best;
  }

  private fire([id, timer]: [number, { readonly at: number; readonly run: () => void }]): void {
    this.pending.delete(id);
    this.time = Math.max(this.time, timer.at);
    timer.run();
  }
}

/**
 * A backend that fails (500), answers (200 "ok N" on its N-th hit), or holds its answers until released; it notes the
 * time of each hit.
 */
class Backend {
  mode: "fail" | "ok" | "hold" = "fail";
  readonly hits: number[] = [];
  private readonly held: ServerResponse[] = [];
  private waiters: (() => void)[] = [];
  private server: Server | undefined;

  constructor(private readonly clock: FakeClock) {}

  async start(): Promise<string> {
    this.server = createServer((_req, res) => {
      this.hits.push(this.clock.now());
      for (const wake of this.waiters) wake();
      this.waiters = [];
      if (this.mode === "hold") return void this.held.push(res);
      this.answer(res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once the backend has been hit `count` times. */
  async hitCount(count: number): Promise<void> {
    while (this.hits.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Answers the held requests as the current mode says. */
  release(): void {
    for (const res of this.held.splice(0)) this.answer(res);
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  private answer(res: ServerResponse): void {
    if (this.mode === "ok") res.writeHead(200).end(`ok ${this.hits.length}`);
    else res.writeHead(500).end("down");
  }
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly retryAfter: string | undefined;
}

function request(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(`${url}/item`, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, retryAfter: res.headers["retry-after"] }));
    }).on("error", reject);
  });
}

const ok = (n: number): Answer => ({ status: 200, body: `ok ${n}`, retryAfter: undefined });
const circuitOpen: Answer = { status: 503, body: '{"error":"circuit open"}', retryAfter: undefined };
const rateLimited: Answer = { status: 429, body: '{"error":"rate limited"}', retryAfter: "1" };
const gaveUp: Answer = { status: 502, body: '{"error":"backend failed after 3 attempts"}', retryAfter: undefined };

/**
 * A second per tick; bursts of 3, one more request per second; trips after 3 failures, cooldown 4 s, 1 trial; 3
 * attempts, backoff 1 s then 2 s.
 */
const config: GuardConfig = {
  limiter: { capacity: 3, rate: 1 },
  breaker: { threshold: 3, cooldown: 4, probes: 1 },
  retry: { base: 1, cap: 2, maxAttempts: 3 },
};

let running: { service: Service; backend: Backend }[] = [];

afterEach(async () => {
  for (const { service, backend } of running) await Promise.all([service.close(), backend.close()]);
  running = [];
});

async function setUp(options: { readonly config?: GuardConfig; readonly random?: () => number } = {}) {
  const clock = new FakeClock();
  const backend = new Backend(clock);
  const service = await startService({
    backend: await backend.start(),
    config: options.config ?? config,
    tickMs: 1000,
    clock,
    random: options.random ?? (() => 0),
  });
  running.push({ service, backend });
  return { clock, backend, service, call: () => clock.until(request(service.url)) };
}

describe("resilient service: rate limiter, circuit breaker and retries in front of a backend", () => {
  it(
    "rejects requests over the bucket's budget with 429 and Retry-After, without calling the backend",
    { timeout: 5_000 },
    async () => {
      const { clock, backend, call } = await setUp();
      backend.mode = "ok";
      expect([await call(), await call(), await call(), await call()]).toEqual([ok(1), ok(2), ok(3), rateLimited]);
      clock.advanceTo(999);
      expect(await call()).toEqual(rateLimited);
      clock.advanceTo(1000);
      expect([await call(), await call()]).toEqual([ok(4), rateLimited]);
      clock.advanceTo(10_000);
      expect([await call(), await call(), await call(), await call()]).toEqual([ok(5), ok(6), ok(7), rateLimited]);
      expect(backend.hits).toEqual([0, 0, 0, 1000, 10_000, 10_000, 10_000]);
    },
  );

  it(
    "retries a failing call after 1 s then 2 s, gives up after 3 attempts, and the third failure trips the breaker",
    { timeout: 5_000 },
    async () => {
      const { clock, backend, service, call } = await setUp();
      expect(await call()).toEqual(gaveUp);
      expect(backend.hits).toEqual([0, 1000, 3000]);
      expect(clock.now()).toBe(3000);
      expect(service.state().breaker).toEqual({ mode: "open", openedAt: 3 });
      expect(service.state().calls).toEqual({});
    },
  );

  it(
    "while open it fails fast with 503 and the backend is not called; after the cooldown one trial goes through, others fail fast, and its success closes the breaker",
    { timeout: 5_000 },
    async () => {
      const { clock, backend, service, call } = await setUp();
      await call();
      expect([await call(), await call()]).toEqual([circuitOpen, circuitOpen]);
      clock.advanceTo(6999);
      expect(await call()).toEqual(circuitOpen);
      expect(backend.hits).toEqual([0, 1000, 3000]);

      clock.advanceTo(7000);
      backend.mode = "hold";
      const trial = call();
      await backend.hitCount(4);
      expect(service.state().breaker).toEqual({ mode: "half-open", openedAt: 3, trials: 1 });
      expect(await call()).toEqual(circuitOpen);
      expect(backend.hits).toEqual([0, 1000, 3000, 7000]);
      backend.mode = "ok";
      backend.release();
      expect(await trial).toEqual(ok(4));
      expect(service.state().breaker).toEqual({ mode: "closed", failures: 0 });
      expect(await call()).toEqual(ok(5));
      expect(backend.hits).toEqual([0, 1000, 3000, 7000, 7000]);
    },
  );

  it(
    "a failed trial opens the breaker again for a fresh cooldown: the trial's own retry fails fast",
    { timeout: 5_000 },
    async () => {
      const { clock, backend, service, call } = await setUp();
      await call();
      clock.advanceTo(7000);
      expect(await call()).toEqual(circuitOpen);
      expect(backend.hits).toEqual([0, 1000, 3000, 7000]);
      expect(clock.now()).toBe(8000);
      expect(service.state().breaker).toEqual({ mode: "open", openedAt: 7 });
      clock.advanceTo(10_999);
      expect(await call()).toEqual(circuitOpen);
      clock.advanceTo(11_000);
      backend.mode = "ok";
      expect(await call()).toEqual(ok(5));
    },
  );

  it("adds the jitter drawn from the random source to each backoff", { timeout: 5_000 }, async () => {
    const { backend, call } = await setUp({ random: () => 0.99 });
    expect(await call()).toEqual(gaveUp);
    // Waits of 1 + 1 (jitter in [0, 1]) then 2 + 2 (jitter in [0, 2]), counted from each send.
    expect(backend.hits).toEqual([0, 2000, 6000]);
  });
});
