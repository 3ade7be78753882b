/**
 * A node:http service in front of a backend, guarded by the verified rate
 * limiter, circuit breaker and retry backoff (guard.ts). This file is the
 * thin shell: it turns HTTP requests and backend answers into the guard's
 * inputs, runs them through `startNode`, and performs the effects: a `Call`
 * is an HTTP GET to the backend, a `Respond` answers the client, a
 * `setTimer` schedules the retry on the clock. It listens on 127.0.0.1 only.
 *
 * The clock and the random source are injected, so a test runs it on fake
 * time; by default they are the real ones.
 */
import { get, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startNode, type Effect, type RunningNode } from "../../src/index.js";
import {
  BACKEND,
  guard,
  type GuardConfig,
  type GuardInput,
  type GuardMessage,
  type GuardState,
  type RetryTimer,
} from "./guard.js";

/** Time as the service reads and schedules it (real by default, fake in tests). */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** How to run the service. */
export interface ServiceOptions {
  /** The backend's base URL, e.g. `http://127.0.0.1:8081`. */
  readonly backend: string;
  readonly config: GuardConfig;
  /** Milliseconds per tick of the guard's clock. */
  readonly tickMs: number;
  /** The port on 127.0.0.1 (default: an ephemeral one). */
  readonly port?: number;
  readonly clock?: Clock;
  /** Draws the retries' jitter, in [0, 1). */
  readonly random?: () => number;
}

/** A running service. */
export interface Service {
  readonly url: string;
  /** The guard's state (bucket, breaker, requests in progress). */
  readonly state: () => GuardState;
  /** Stops listening, drops pending timers and open connections. */
  close(): Promise<void>;
}

/** GETs `url` and resolves with the status and body; a network error resolves as status 0. */
function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve({ status: 0, body: "" }));
    }).on("error", () => resolve({ status: 0, body: "" }));
  });
}

/** Starts the service; resolves once it listens. */
export async function startService(options: ServiceOptions): Promise<Service> {
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  const tick = (): number => Math.floor(clock.now() / options.tickMs);
  const node: RunningNode<GuardState, GuardInput, GuardMessage, RetryTimer> = startNode(guard, {
    self: "guard",
    peers: [BACKEND],
    params: options.config,
  });
  const clients = new Map<string, { readonly res: ServerResponse; readonly path: string }>();
  const timers = new Map<string, unknown>();
  let requests = 0;
  let closed = false;

  const perform = (effects: readonly Effect<GuardMessage, RetryTimer>[]): void => {
    for (const effect of effects) {
      if (effect.type === "send" && effect.msg.type === "Call") call(effect.msg.id, effect.msg.attempt);
      else if (effect.type === "send" && effect.msg.type === "Respond") answer(effect.to, effect.msg);
      else if (effect.type === "setTimer") schedule(effect.timer);
      else if (effect.type === "cancelTimer") clock.clearTimeout(timers.get(JSON.stringify(effect.timer)));
    }
  };

  const call = (id: string, attempt: number): void => {
    const client = clients.get(id);
    if (client === undefined) return;
    void fetchText(new URL(client.path, options.backend).href).then(({ status, body }) => {
      if (closed) return;
      const outcome = status >= 200 && status < 300 ? "success" : "failure";
      perform(
        node.handle({ type: "Answer", id, attempt, outcome, body, now: tick(), random: random() }, { from: BACKEND }),
      );
    });
  };

  const answer = (id: string, msg: Extract<GuardMessage, { type: "Respond" }>): void => {
    const client = clients.get(id);
    if (client === undefined) return;
    clients.delete(id);
    const headers: Record<string, string> = { "content-type": msg.status === 200 ? "text/plain" : "application/json" };
    if (msg.retryAfter !== undefined)
      headers["retry-after"] = String(Math.ceil((msg.retryAfter * options.tickMs) / 1000));
    client.res.writeHead(msg.status, headers).end(msg.body);
  };

  const schedule = (timer: RetryTimer): void => {
    const key = JSON.stringify(timer);
    clock.clearTimeout(timers.get(key));
    const handle = clock.setTimeout(
      () => {
        timers.delete(key);
        if (!closed) perform(node.handle(timer, { kind: "timer" }));
      },
      Math.max(0, timer.at * options.tickMs - clock.now()),
    );
    timers.set(key, handle);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const id = `request-${++requests}`;
    clients.set(id, { res, path: req.url ?? "/" });
    perform(node.handle({ type: "Request", id, now: tick() }, { from: id }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state: () => node.state,
    close: () => {
      closed = true;
      for (const handle of timers.values()) clock.clearTimeout(handle);
      timers.clear();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
