/**
 * A cluster of node processes on 127.0.0.1: starts them (each a separate OS
 * process running node-main.js), tells each its peers' ports, follows their
 * status (who leads, in which term), kills them with SIGKILL and restarts them
 * on the same port with their durable files, and sets the network faults each
 * applies to its own traffic. Every process is killed when the cluster stops
 * or the parent exits.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { NodeStatus } from "./binding.js";
import { HEALTHY, type HostStats, type NetFaults } from "./host.js";
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
  /** The port clients listen on (nodes send replies there). */
  readonly clientPort: number;
  log?(line: string): void;
}

interface Member {
  child: ChildProcess | undefined;
  port: number;
  status: (NodeStatus & { readonly at: number }) | undefined;
  faults: NetFaults;
  up: boolean;
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

  private constructor(private readonly options: ClusterOptions) {
    this.ids = options.nodes;
  }

  /** Starts every node and waits until all listen and know their peers. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const cluster = new Cluster(options);
    mkdirSync(`${options.dir}/nodes`, { recursive: true });
    process.once("exit", cluster.cleanup);
    try {
      const ports = await Promise.all(cluster.ids.map((id) => cluster.spawn(id, 0, undefined)));
      cluster.ids.forEach((id, i) => cluster.members.set(id, { child: cluster.children.get(id), port: ports[i]!, status: undefined, faults: HEALTHY, up: true }));
      const map = cluster.ports();
      for (const id of cluster.ids) cluster.send(id, { type: "start", ports: map, clientPort: options.clientPort });
    } catch (e) {
      cluster.killAll();
      throw e;
    }
    return cluster;
  }

  private readonly children = new Map<string, ChildProcess>();

  /** Node ports by id. */
  ports(): Record<string, number> {
    return Object.fromEntries([...this.members].map(([id, m]) => [id, m.port]));
  }

  private spawn(id: string, port: number, restart: { ports: Record<string, number>; faults: NetFaults } | undefined): Promise<number> {
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
      ...(restart === undefined ? {} : { ports: restart.ports, clientPort: options.clientPort, faults: restart.faults }),
    };
    const logFd = openSync(nodeFiles(options.dir, id).log, "a");
    // INTERLEAVE_NODE_ARGS passes Node options to node processes only (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
    const execArgv = process.env["INTERLEAVE_NODE_ARGS"]?.split(" ").filter((a) => a !== "") ?? [];
    const child = fork(nodeMainPath(), [JSON.stringify(config)], { stdio: ["ignore", logFd, logFd, "ipc"], execArgv });
    closeSync(logFd);
    this.children.set(id, child);
    const member = this.members.get(id);
    if (member !== undefined) member.child = child;
    child.on("message", (m: FromNode) => this.onMessage(id, child, m));
    child.on("exit", () => {
      const current = this.members.get(id);
      if (current?.child === child) current.up = false;
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${id} did not start within ${START_TIMEOUT_MS} ms (see ${nodeFiles(options.dir, id).log})`)), START_TIMEOUT_MS);
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
        reject(new Error(`node ${id} exited with code ${String(code)} at start (see ${nodeFiles(options.dir, id).log})`));
      });
    });
  }

  private onMessage(id: string, child: ChildProcess, m: FromNode): void {
    const member = this.members.get(id);
    if (member === undefined || member.child !== child) return;
    if (m.type === "status") {
      const before = member.status;
      member.status = { ...m.status, at: Date.now() };
      if (before?.role !== m.status.role || before.term !== m.status.term) this.options.log?.(`${id}: ${m.status.role} in term ${m.status.term}`);
      for (const w of [...this.statusWaiters]) w();
    }
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
    this.options.log?.(`${id}: killed (SIGKILL)`);
  }

  /** Restarts a killed node on its port, with its durable file; retries while the port is still held. */
  async restart(id: string): Promise<void> {
    const member = this.members.get(id);
    if (member === undefined || member.up || this.stopping) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawn(id, member.port, { ports: this.ports(), faults: member.faults });
        member.up = true;
        this.options.log?.(`${id}: restarted`);
        return;
      } catch (e) {
        if (attempt >= 5 || this.stopping) {
          this.options.log?.(`${id}: restart failed: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        await sleep(200 * attempt);
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

  /** Stops every node (gracefully, then SIGKILL after a grace period). */
  async stop(graceMs = 2000): Promise<void> {
    this.stopping = true;
    const exits = [...this.members.values()].map(
      (m) =>
        new Promise<void>((resolve) => {
          const child = m.child;
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          if (child.connected) child.send({ type: "stop" } satisfies ToNode);
          else child.kill("SIGKILL");
        }),
    );
    await Promise.all(exits);
    process.off("exit", this.cleanup);
  }

  private killAll(): void {
    for (const child of this.children.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a run directory already holds a run. */
export function runDirInUse(dir: string): boolean {
  return existsSync(`${dir}/run.json`);
}
