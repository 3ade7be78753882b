/**
 * A NATS broker for the tests of the distributed search: Debian's
 * nats-server, started on a free port of 127.0.0.1 and reachable before the
 * test goes on. Without one the tests are skipped locally and fail under
 * CI=true (.ci/run installs it).
 */
import { spawn, spawnSync } from "node:child_process";
import { connect as tcpConnect } from "node:net";
import { freePort } from "./free-port.js";

/** A nats-server a test started; `stop` ends it (once) and resolves when it has exited. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function reachable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), done(true)));
    socket.once("error", () => done(false));
  });
}

/** The nats-server binary on PATH or in Debian's places, or undefined when none is installed. */
export function natsServerBinary(): string | undefined {
  for (const candidate of ["nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server"]) {
    if (spawnSync(candidate, ["--version"]).status === 0) return candidate;
  }
  return undefined;
}

/**
 * No broker for `tests`: an error under CI=true, where .ci/run provides one,
 * else a warning that they are skipped. `need` says what would provide one.
 */
export function noBroker(tests: string, need: string): void {
  if (process.env["CI"] === "true") throw new Error(`no NATS broker for ${tests}: ${need} (.ci/run provides one)`);
  console.warn(`skipping ${tests}: no NATS broker (${need}; apt-get install nats-server)`);
}

/** Starts nats-server on a free port of 127.0.0.1 and waits until it accepts connections. */
export async function startNatsServer(binary: string): Promise<NatsServer> {
  const port = await freePort();
  const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  for (let k = 0; k < 100 && !(await reachable(port)); k++) await new Promise((r) => setTimeout(r, 100));
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return exited;
    },
  };
}
