/**
 * A two-second demo on real time: a backend on 127.0.0.1 that is down for
 * its first second, the service in front of it, and a client that sends a
 * request every 100 ms, then a burst of 9 at once. It prints what each
 * request got and how many calls reached the backend, then stops.
 *
 *     npx jiti examples/resilient-service/main.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { startService } from "./service.js";

const started = Date.now();
let backendCalls = 0;
const backend = createServer((_req, res) => {
  backendCalls++;
  if (Date.now() - started < 1000) res.writeHead(500).end("down");
  else res.writeHead(200).end("hello from the backend");
});
await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));

// 100 ms per tick: bursts of 6, 10 requests a second; trips after 3 failures for 500 ms, 1 trial; 3 attempts, backoff
// 100 ms then 200 ms.
const service = await startService({
  backend: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
  tickMs: 100,
  config: {
    limiter: { capacity: 6, rate: 1 },
    breaker: { threshold: 3, cooldown: 5, probes: 1 },
    retry: { base: 1, cap: 2, maxAttempts: 3 },
  },
});

async function request(): Promise<string> {
  const res = await fetch(service.url, { headers: { connection: "close" } });
  const retryAfter = res.headers.get("retry-after");
  return `${res.status} ${await res.text()}${retryAfter === null ? "" : ` (Retry-After: ${retryAfter})`}`;
}

const line = (what: string): void =>
  console.log(`${((Date.now() - started) / 1000).toFixed(2)}s  ${what}  (backend calls so far: ${backendCalls})`);
for (let i = 0; i < 12; i++) {
  line(await request());
  await sleep(100);
}
for (const answer of await Promise.all(Array.from({ length: 9 }, request))) line(answer);

await service.close();
backend.closeAllConnections();
backend.close();
