/**
 * The connection to the broker. The NATS client is loaded on first use: it
 * is an optional peer dependency that only `--distributed` needs.
 */
import type { NatsConnection } from "nats";
import { UsageError } from "../usage-error.js";

export type { NatsConnection };

/** `nats://host:port` (or `host:port`), checked before connecting so a typo gets a clear answer. */
function brokerUrl(url: string): string {
  const m = /^(?:nats:\/\/)?([^\s/:]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(url);
  if (!m || Number(m[2]) > 65535)
    throw new UsageError(`--distributed takes a NATS URL such as nats://127.0.0.1:4222, got "${url}"`);
  return url.startsWith("nats://") ? url : `nats://${url}`;
}

async function natsClient(): Promise<typeof import("nats")> {
  try {
    return await import("nats");
  } catch {
    throw new UsageError("--distributed needs the nats package; install with: npm i -D nats@2");
  }
}

/** Connects to the broker, or fails with one line naming the URL. */
export async function connectBroker(url: string, name: string): Promise<NatsConnection> {
  const servers = brokerUrl(url);
  const { connect } = await natsClient();
  try {
    // No reconnection: a broker that goes away ends the run (the coordinator reports it) instead of stalling it.
    return await connect({ servers, name, reconnect: false, timeout: 5000, maxPingOut: 3, pingInterval: 10_000 });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `cannot reach the NATS broker at ${servers} (${why}); start one (nats-server -a 127.0.0.1 -p 4222) or pass its URL to --distributed`,
    );
  }
}
