/**
 * A cluster of node processes on 127.0.0.1: starts them (each a separate OS
 * process running node-main.js), tells each its peers' ports, follows their
 * status (who leads, in which term), kills them with SIGKILL and restarts them
 * on the same port with their durable files, and sets the network faults each
 * applies to its own traffic. Every process is killed when the cluster stops
 * or the parent exits.
 *
 * A node that exits without being told to (ENOSPC on its input log, EPERM, a
 * crash) is a death outside the nemesis: it is recorded in `deaths` with the
 * cause the node reported (its `fatal` message) or the last line of its log,
 * so the run can say which nodes died and why instead of a quiet summary.
 */
import { fork, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { NodeStatus } from "./binding.js";
import { HEALTHY, type HostStats, type NetFaults } from "./host.js";
import type { InputLogLimits } from "./input-log.js";
import { nodeFiles, type FromNode, type NodeConfig, type ToNode } from "./node-config.js";
import type { LearnedJson } from "./derive.js";
import type { SpecRef } from "./spec-ref.js";
import type { TransportKind } from "./transport.js";

/** Where node-main.js is: next to this file when compiled; in dist/ when this runs from sources (tests). */
function nodeMainPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return fileURLToPath(new URL("./node-main.js", import.meta.url));
  return fileURLToPath(new URL("../../dist/src/runtime/node-main.js", import.meta.url));
}

/** How to start a cluster. */
export interface ClusterOptions {
  /** Where node processes find the spec. */
  readonly spec: SpecRef;
  /** What the orchestrator learned from the spec's model, passed on to each node. */
  readonly learned?: LearnedJson | undefined;
  readonly variant?: string | undefined;
  /** The node processes' ids (the spec's node ids). */
  readonly nodes: readonly string[];
  readonly transport: TransportKind;
  /** The run directory (created). */
  readonly dir: string;
  readonly params: Readonly<Record<string, number | boolean | string>>;
  /** Model parameters set for the run (see `splitRunParams`). */
  readonly modelParams?: Readonly<Record<string, number | boolean | string>>;
  /** The port clients listen on (nodes send replies there). */
  readonly clientPort: number;
  /** Input-log rotation (see input-log.ts); absent: the defaults. */
  readonly inputLog?: InputLogLimits;
  log?(line: string): void;
  /** Called when a node dies outside `kill` and `stop`. */
  onDeath?(death: NodeDeath): void;
}

/** A node that exited without being killed or stopped by the cluster. */
export interface NodeDeath {
  readonly node: string;
  /** When, in ms since `Cluster.startedAt`. */
  readonly atMs: number;
  /** The node's own words (its fatal error, or the last line of its log), with the exit code or signal. */
  readonly cause: string;
}

/**
 * How a restart went: `attempts` spawns; `error` is the last failure (e.g.
 * EADDRINUSE), also on a restart that succeeded later or on a new `port`.
 */
export type RestartResult =
  | { readonly ok: true; readonly attempts: number; readonly error?: string; readonly port?: number }
  | { readonly ok: false; readonly attempts: number; readonly error: string };

/** Attempts on the node's own port before it moves to a new one. */
const SAME_PORT_ATTEMPTS = 3;

interface Member {
  child: ChildProcess | undefined;
  port: number;
  status: (NodeStatus & { readonly at: number }) | undefined;
  faults: NetFaults;
  up: boolean;
  /** The last `fatal` error the current process reported. */
  fatal: string | undefined;
}

const START_TIMEOUT_MS = 10_000;

/** A running cluster. */
export class Cluster {
  readonly ids: readonly string[];
  private readonly members = new Map<string, Member>();
  private readonly statusWaiters = new Set<() => void>();
  private stopping = false;
  private readonly cleanup = () => this.killAll();
  /** Node restarts and kills so far. */
  kills = 0;
  /**
   * SIGKILLs by node: the nemesis's and those at `stop` of nodes that did not stop in time. Their input logs end
   * without an end record.
   */
  readonly killsByNode: Record<string, number> = {};
  /** Nodes that died outside `kill` and `stop`, in order. */
  readonly deaths: NodeDeath[] = [];
  /** When `start` was called (Date.now()): deaths are timed from here. */
  readonly startedAt = Date.now();

  private constructor(private readonly options: ClusterOptions) {
    this.ids = options.nodes;
    for (const id of this.ids) this.killsByNode[id] = 0;
  }

  /** Starts every node and waits until all listen and know their peers. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    mkdirSync(`${options.dir}/nodes`, { recursive: true });
    process.once("exit", cluster.cleanup);
    try {
      const ports = await Promise.all(cluster.ids.map((id) => cluster.spawn(id, 0, undefined)));
      cluster.ids.forEach((id, i) =>
        cluster.members.set(id, {
          child: cluster.children.get(id),
          port: ports[i]!,
          status: undefined,
          faults: HEALTHY,
          up: true,
          fatal: undefined,
        }),
      );
      const map = cluster.ports();
      for (const id of cluster.ids) cluster.send(id, { type: "start", ports: map, clientPort: options.clientPort });
    } catch (e) {
      cluster.killAll();
      throw e;
    }
    return cluster;
  }

  private readonly children = new Map<string, ChildProcess>();

  private portsCache: Readonly<Record<string, number>> | undefined;

  /** Node ports by id (the same object until a port changes: clients ask on every send). */
  ports(): Readonly<Record<string, number>> {
    if (this.portsCache === undefined || !this.portsCurrent(this.portsCache))
      this.portsCache = Object.fromEntries([...this.members].map(([id, m]) => [id, m.port]));
    return this.portsCache;
  }

  /** Whether `ports` has every member's current port (members are added, never removed). */
  private portsCurrent(ports: Readonly<Record<string, number>>): boolean {
    for (const [id, m] of this.members) if (ports[id] !== m.port) return false;
    return true;
  }

  private spawn(
    id: string,
    port: number,
    restart: { ports: Record<string, number>; faults: NetFaults } | undefined,
    timeoutMs = START_TIMEOUT_MS,
  ): Promise<number> {
    const { options } = this;
    const config: NodeConfig = {
      spec: options.spec,
      ...(options.learned === undefined ? {} : { learned: options.learned }),
      ...(options.variant === undefined ? {} : { variant: options.variant }),
      self: id,
      nodes: this.ids,
      transport: options.transport,
      port,
      dir: options.dir,
      params: options.params,
      ...(options.modelParams === undefined ? {} : { modelParams: options.modelParams }),
      ...(options.inputLog === undefined ? {} : { inputLog: options.inputLog }),
      ...(restart === undefined
        ? {}
        : { ports: restart.ports, clientPort: options.clientPort, faults: restart.faults }),
    };
    const logFd = openSync(nodeFiles(options.dir, id).log, "a");
    // INTERLEAVE_NODE_ARGS passes Node options to node processes only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
    const execArgv = process.env["INTERLEAVE_NODE_ARGS"]?.split(" ").filter((a) => a !== "") ?? [];
    const child = fork(nodeMainPath(), [JSON.stringify(config)], { stdio: ["ignore", logFd, logFd, "ipc"], execArgv });
    closeSync(logFd);
    this.children.set(id, child);
    const member = this.members.get(id);
    if (member !== undefined) {
      member.child = child;
      member.fatal = undefined;
    }
    child.on("message", (m: FromNode) => this.onMessage(id, child, m));
    child.on("exit", (code, signal) => {
      const current = this.members.get(id);
      if (current?.child !== child) return;
      // Not up: killed by the nemesis, or a restart that failed at start (reported by `restart`).
      const unexpected = current.up && !(this.stopping && code === 0);
      current.up = false;
      current.status = undefined;
      if (unexpected) this.died(id, current, code, signal);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `node ${id} did not start within ${Math.max(0, timeoutMs)} ms (see ${nodeFiles(options.dir, id).log})`,
            ),
          ),
        Math.max(0, timeoutMs),
      );
      const onMessage = (m: FromNode) => {
        if (m.type === "listening") {
          clearTimeout(timer);
          child.off("message", onMessage);
          resolve(m.port);
        } else if (m.type === "fatal") {
          clearTimeout(timer);
          reject(new Error(`node ${id} failed to start: ${m.error}`));
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(
          new Error(`node ${id} exited with code ${String(code)} at start (see ${nodeFiles(options.dir, id).log})`),
        );
      });
    });
  }

  private onMessage(id: string, child: ChildProcess, m: FromNode): void {
    const member = this.members.get(id);
    if (member === undefined || member.child !== child) return;
    if (m.type === "fatal") member.fatal = m.error;
    if (m.type === "status") {
      const before = member.status;
      member.status = { ...m.status, at: Date.now() };
      if (before?.role !== m.status.role || before.term !== m.status.term)
        this.options.log?.(`${id}: ${m.status.role} in term ${m.status.term}`);
      for (const w of [...this.statusWaiters]) w();
    }
  }

  private died(id: string, member: Member, code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal !== null ? `killed by ${signal}` : `exit code ${String(code)}`;
    const words = member.fatal ?? lastLogLine(nodeFiles(this.options.dir, id).log);
    const death: NodeDeath = {
      node: id,
      atMs: Date.now() - this.startedAt,
      cause: words === undefined ? how : `${how}: ${words}`,
    };
    this.deaths.push(death);
    this.options.log?.(`${id}: died outside the nemesis (${death.cause})`);
    this.options.onDeath?.(death);
    for (const w of [...this.statusWaiters]) w();
  }

  private send(id: string, message: ToNode): void {
    const child = this.members.get(id)?.child;
    if (child?.connected) child.send(message, (e) => e && this.options.log?.(`ipc to ${id}: ${e.message}`));
  }

  /** Whether a node's process is running. */
  isUp(id: string): boolean {
    return this.members.get(id)?.up ?? false;
  }

  /** The node that reports being leader in the highest term, among running nodes. */
  leader(): string | undefined {
    let best: { id: string; term: number } | undefined;
    for (const [id, m] of this.members) {
      if (!m.up || m.status?.role !== "leader") continue;
      if (best === undefined || m.status.term > best.term) best = { id, term: m.status.term };
    }
    return best?.id;
  }

  /** A node's last reported status. */
  status(id: string): NodeStatus | undefined {
    return this.members.get(id)?.status;
  }

  /** Waits until `predicate` holds over the statuses (checked on every status change), or `timeoutMs` passes. */
  waitFor<T>(predicate: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const now = predicate();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        this.statusWaiters.delete(check);
        resolve(value);
      };
      const check = () => {
        const v = predicate();
        if (v !== undefined) done(v);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.statusWaiters.add(check);
    });
  }

  /** Sets the network faults of one node (kept across its restarts). */
  setFaults(id: string, faults: NetFaults): void {
    const member = this.members.get(id);
    if (member === undefined) return;
    member.faults = faults;
    this.send(id, { type: "faults", faults });
  }

  /** kill -9. */
  kill(id: string): void {
    const member = this.members.get(id);
    if (member === undefined || !member.up) return;
    member.up = false;
    member.status = undefined;
    member.child?.kill("SIGKILL");
    this.kills++;
    this.countKill(id);
    this.options.log?.(`${id}: killed (SIGKILL)`);
  }

  private countKill(id: string): void {
    this.killsByNode[id] = (this.killsByNode[id] ?? 0) + 1;
  }

  /**
   * Restarts a killed node with its durable file, on its port; while the port
   * is held (EADDRINUSE: often another process's outgoing connection took it
   * as its ephemeral port, which no wait frees), it tries again, and after
   * 3 attempts on a port the OS picks, which every running node is told.
   * At most 6 attempts, never past `deadline` (a Date.now() time). The result
   * says whether the node is up.
   */
  async restart(id: string, deadline = Infinity): Promise<RestartResult> {
    const member = this.members.get(id);
    if (member === undefined) return { ok: false, attempts: 0, error: `no node ${id}` };
    if (member.up) return { ok: true, attempts: 0 };
    if (this.stopping) return { ok: false, attempts: 0, error: "the cluster is stopping" };
    // A process given no time would be killed as it starts: say why instead.
    if (Date.now() >= deadline) return { ok: false, attempts: 0, error: "no time was left before the run's wrap-up" };
    let last: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const port = attempt <= SAME_PORT_ATTEMPTS ? member.port : 0;
      try {
        const bound = await this.spawn(
          id,
          port,
          { ports: this.ports(), faults: member.faults },
          Math.min(START_TIMEOUT_MS, deadline - Date.now()),
        );
        member.up = true;
        const moved = bound !== member.port;
        if (moved) {
          member.port = bound;
          const ports = this.ports();
          for (const other of this.ids) if (other !== id) this.send(other, { type: "ports", ports });
        }
        this.options.log?.(`${id}: restarted${moved ? ` on a new port ${bound}` : ""}`);
        return {
          ok: true,
          attempts: attempt,
          ...(last === undefined ? {} : { error: last }),
          ...(moved ? { port: bound } : {}),
        };
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        last = error;
        const wait = 200 * Math.min(attempt, 3);
        if (attempt >= 2 * SAME_PORT_ATTEMPTS || this.stopping || Date.now() + wait >= deadline) {
          // The attempt's process may still be starting: it must not come up later as a node nobody follows.
          const child = this.children.get(id);
          if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          this.options.log?.(`${id}: restart failed after ${attempt} attempts: ${error}`);
          return { ok: false, attempts: attempt, error };
        }
        await sleep(wait);
      }
    }
  }

  /** Each running node's counters. */
  async stats(timeoutMs = 2000): Promise<Record<string, HostStats>> {
    const out: Record<string, HostStats> = {};
    await Promise.all(
      this.ids.map(
        (id) =>
          new Promise<void>((resolve) => {
            const child = this.members.get(id)?.child;
            if (child === undefined || !this.isUp(id) || !child.connected) return resolve();
            const timer = setTimeout(() => {
              child.off("message", onMessage);
              resolve();
            }, timeoutMs);
            const onMessage = (m: FromNode) => {
              if (m.type !== "stats") return;
              clearTimeout(timer);
              child.off("message", onMessage);
              out[id] = m.stats;
              resolve();
            };
            child.on("message", onMessage);
            this.send(id, { type: "stats" });
          }),
      ),
    );
    return out;
  }

  /** Stops every node (gracefully, then SIGKILL after a grace period, counted in `killsByNode`). */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    const exits = [...this.members].map(
      ([id, m]) =>
        new Promise<void>((resolve) => {
          const child = m.child;
          // `killed`: SIGKILL already sent (the nemesis's, or a restart attempt given up); its exit needs no wait.
          if (child === undefined || child.exitCode !== null || child.signalCode !== null || child.killed)
            return resolve();
          const forced = () => {
            m.up = false;
            this.countKill(id);
            this.options.log?.(`${id}: did not stop within ${graceMs} ms; killed (SIGKILL)`);
            child.kill("SIGKILL");
          };
          const timer = setTimeout(forced, graceMs);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          // A node dying meanwhile closes the channel (EPIPE): it is stopped the hard way.
          if (child.connected)
            child.send({ type: "stop" } satisfies ToNode, (e) => {
              if (e === null || child.exitCode !== null || child.signalCode !== null) return;
              clearTimeout(timer);
              forced();
            });
          else {
            clearTimeout(timer);
            forced();
          }
        }),
    );
    await Promise.all(exits);
    process.off("exit", this.cleanup);
  }

  private killAll(): void {
    for (const child of this.children.values())
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** Waits `ms` milliseconds, or until `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/** The last non-empty line of a node's log (its stderr), or undefined; reads the last 4 KB only. */
function lastLogLine(path: string): string | undefined {
  try {
    const size = statSync(path).size;
    const length = Math.min(size, 4096);
    const buffer = Buffer.alloc(length);
    const fd = openSync(path, "r");
    try {
      readSync(fd, buffer, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    const lines = buffer
      .toString("utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
    return lines[lines.length - 1];
  } catch {
    return undefined;
  }
}

/** Whether a run directory already holds a run. */
export function runDirInUse(dir: string): boolean {
  return existsSync(`${dir}/run.json`);
}
