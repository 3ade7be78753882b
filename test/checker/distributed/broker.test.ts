/**
 * The connection to the NATS broker: a URL checked before connecting, one
 * line naming the URL when nothing answers there, a connection that does not
 * outlive its broker, and how to install the client when it is missing.
 * The tests that need a broker start nats-server on a free port of
 * 127.0.0.1 (skipped without one locally, failing under CI=true).
 */
import { DebugEvents, type NatsConnection } from "nats";
import { afterAll, describe, expect, it, vi } from "vitest";
import { connectBroker } from "../../../checker/distributed/broker.js";
import { UsageError } from "../../../checker/usage-error.js";
import { freePort } from "../../support/free-port.js";
import { rejection } from "../../support/rejection.js";
import { natsServerBinary, noBroker, startNatsServer, type NatsServer } from "../../support/nats-server.js";

const binary = natsServerBinary();
if (binary === undefined) noBroker("the broker connection tests", "install nats-server");

const servers: NatsServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const unreachable = (url: string, why: string) =>
  new UsageError(
    `cannot reach the NATS broker at ${url} (${why}); start one (nats-server -a 127.0.0.1 -p 4222) or pass its URL to --distributed`,
  );

describe("connectBroker", () => {
  it("refuses, before connecting, a URL that is not [nats://]host:port with a port up to 65535", async () => {
    const bad = [
      "http://example.org",
      "tcp://127.0.0.1:4222",
      "nats://127.0.0.1",
      "127.0.0.1:4222/",
      "nats://127.0.0.1:123456",
      "nats://127.0.0.1:65536",
      "nats://127.0.0.1:port",
      "nats://a b:4222",
    ];
    for (const url of bad)
      expect(await rejection(connectBroker(url, "test"))).toStrictEqual(
        new UsageError(`--distributed takes a NATS URL such as nats://127.0.0.1:4222, got "${url}"`),
      );
  });

  it("where nothing listens: one line naming the URL, with nats:// added when it was left out", async () => {
    const port = await freePort();
    expect(await rejection(connectBroker(`127.0.0.1:${port}`, "test"))).toStrictEqual(
      unreachable(`nats://127.0.0.1:${port}`, "CONNECTION_REFUSED"),
    );
    expect(await rejection(connectBroker(`nats://127.0.0.1:${port}`, "test"))).toStrictEqual(
      unreachable(`nats://127.0.0.1:${port}`, "CONNECTION_REFUSED"),
    );
    // The highest port is a port; nothing listens there (it is above Linux's ephemeral range).
    expect(await rejection(connectBroker("nats://127.0.0.1:65535", "test"))).toStrictEqual(
      unreachable("nats://127.0.0.1:65535", "CONNECTION_REFUSED"),
    );
  });

  it("takes an IPv6 address in brackets", async () => {
    const port = await freePort();
    // Refused where the machine has ::1, another reason where it has not: either way the URL was accepted.
    const error = await rejection(connectBroker(`[::1]:${port}`, "test"));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(
      new RegExp(
        `^cannot reach the NATS broker at nats://\\[::1\\]:${port} \\(.+\\); start one \\(nats-server -a 127\\.0\\.0\\.1 -p 4222\\) or pass its URL to --distributed$`,
      ),
    );
  });

  describe.skipIf(binary === undefined)("with a broker", () => {
    it("connects to the broker at the URL", async () => {
      const server = await startNatsServer(binary!);
      servers.push(server);
      const nc = await connectBroker(`127.0.0.1:${server.port}`, "interleave test");
      try {
        expect(nc.getServer()).toBe(`127.0.0.1:${server.port}`);
        const sub = nc.subscribe("interleave.test", { max: 1 });
        nc.publish("interleave.test", new TextEncoder().encode("hello"));
        for await (const m of sub) expect(m.string()).toBe("hello");
      } finally {
        await nc.close();
      }
    });

    it("a broker that goes away closes the connection: no attempt to reconnect", async () => {
      const server = await startNatsServer(binary!);
      servers.push(server);
      const nc = await connectBroker(server.url, "interleave test");
      const reconnecting = (async (c: NatsConnection) => {
        for await (const s of c.status()) if (s.type === DebugEvents.Reconnecting) return "reconnecting";
        return "no status left";
      })(nc);
      await server.stop();
      const outcome = await Promise.race([nc.closed().then(() => "closed"), reconnecting]);
      if (!nc.isClosed()) await nc.close();
      expect(outcome).toBe("closed");
    });
  });
});

describe("connectBroker without the nats package", () => {
  it("says how to install it", async () => {
    vi.doMock("nats", () => {
      throw new Error("Cannot find package 'nats'");
    });
    try {
      expect(await rejection(connectBroker("nats://127.0.0.1:4222", "test"))).toStrictEqual(
        new UsageError("--distributed needs the nats package; install with: npm i -D nats@2"),
      );
    } finally {
      vi.doUnmock("nats");
    }
  });
});
