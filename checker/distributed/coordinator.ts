/**
 * Distributed breadth-first search through a broker (NATS), level by level.
 *
 * Each worker owns a hash partition of the fingerprint space (protocol.ts:
 * ownerOf) and stores only its states; successors another partition owns
 * are sent to it in batches. The coordinator starts each level, waits for
 * every worker's counts (a barrier), and stops when a level finds no new
 * state, a property fails, or a limit is hit. Every state is stored by one
 * worker and expanded once, so the distinct and generated counts equal the
 * one-process search's; a violation is found in the first level that has
 * one, so its trace is as short as the one-process BFS's. The trace is
 * rebuilt from the parent links each partition keeps and replayed here.
 */
import { existsSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ActionActivity, InstantiateOptions, Model } from "../../src/index.js";
import { trapNondeterminism } from "../../src/user-code.js";
import { Budget, fingerprintWord, guardOptions, outcome, type StoreView } from "../explore.js";
import type { Found } from "../expander.js";
import { LostWorkerError } from "../lost-worker.js";
import type { SpecSource } from "../spec-source.js";
import type { Limit, SearchOptions, SearchOutcome } from "../strategy.js";
import { connectBroker, type NatsConnection } from "./broker.js";
import {
  decode,
  encode,
  subjects,
  type Control,
  type JoinReply,
  type LevelReport,
  type Link,
  type Setup,
} from "./protocol.js";

/** The run could not finish: a worker died or went silent, or the broker went away. The CLI exits 3 (incomplete). */
export class DistributedError extends LostWorkerError {
  override name = "DistributedError";
}

/** Where and how the workers run. */
export interface DistributedOptions {
  /** The broker, e.g. nats://127.0.0.1:4222. */
  readonly url: string;
  /** Partitions, one worker each. */
  readonly workers: number;
  /**
   * Start the workers as child processes of this one (false: wait for `interleave worker` processes started elsewhere).
   */
  readonly spawn: boolean;
  /** The run's name, which the workers give too (default: a fresh one when spawning, "default" otherwise). */
  readonly run?: string;
  /** How long to wait for every worker to join (default: 60 s when spawning, 600 s otherwise). */
  readonly joinTimeoutMs?: number;
  /**
   * A worker silent for this long is taken for dead (default 20 s; workers send a beat every second, even while
   * expanding).
   */
  readonly silenceMs?: number;
}

const SILENCE_MS = 20_000;

/** `bin/interleave.js`, which starts a worker (tests run the TypeScript sources; the CLI always runs dist/). */
function binPath(): string {
  for (const rel of ["../../../bin/interleave.js", "../../bin/interleave.js"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error("bin/interleave.js not found next to the checker");
}

/**
 * Checks `model` (instantiated from `source`'s spec with `instantiate`, which the
 * workers repeat) with `dist.workers` partitions through the broker.
 */
export async function distributedSearch(
  source: SpecSource,
  instantiate: InstantiateOptions,
  model: Model<unknown>,
  options: SearchOptions & { readonly properties?: readonly string[] },
  dist: DistributedOptions,
): Promise<SearchOutcome<unknown>> {
  const budget = new Budget(options);
  const nc = await connectBroker(dist.url, "interleave coordinator");
  const cluster = new Cluster(nc, dist, {
    partitions: dist.workers,
    spec: source,
    instantiate,
    properties: options.properties ?? [],
    guards: guardOptions(options),
    ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
    ...(options.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: options.maxMemoryBytes }),
  });
  const halt = () => cluster.control({ type: "halt" });
  options.signal?.addEventListener("abort", halt);
  let release = () => {};
  try {
    await cluster.started();
    if (process.env["INTERLEAVE_DEBUG"])
      process.stderr.write(`${dist.workers} workers ready at ${Math.round(budget.elapsedMs)} ms\n`);
    const deadline = options.timeoutMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + options.timeoutMs;
    let reports: LevelReport[] = [];
    let limit: Limit | undefined;
    let violation: Found | undefined;
    for (let level = -1; ; level++) {
      if (level >= 0) {
        const waiting = reports.reduce((n, r) => n + r.next, 0);
        if (waiting === 0) break;
        if (level >= (options.maxDepth ?? Infinity)) {
          limit = "max-depth";
          break;
        }
      }
      reports = await cluster.level(level, deadline);
      if (process.env["INTERLEAVE_DEBUG"])
        process.stderr.write(
          `level ${level + 1}: ${reports.map((r) => r.next).join(" ")} at ${Math.round(budget.elapsedMs)} ms\n`,
        );
      violation = shortest(reports.flatMap((r) => (r.violation ? [r.violation] : [])));
      if (violation) break;
      const stored = reports.reduce((n, r) => n + r.stored, 0);
      if (reports.some((r) => r.full) || stored > (options.maxStates ?? Infinity)) limit = "max-states";
      else if (options.signal?.aborted || reports.some((r) => r.halted)) limit = "interrupted";
      else if (reports.some((r) => r.timedOut)) limit = "timeout";
      else if (reports.some((r) => r.memory)) limit = "max-memory";
      else limit = budget.exceeded(true);
      if (limit) break;
      options.onProgress?.({
        distinctStates: stored,
        generatedStates: reports.reduce((n, r) => n + r.generated, 0),
        queue: reports.reduce((n, r) => n + r.next, 0),
        depth: level + 1,
        elapsedMs: budget.elapsedMs,
      });
    }
    const distinct = reports.reduce((n, r) => n + r.stored, 0);
    const chain = violation && violation.index >= 0 ? await cluster.links(violation.index) : [];
    const sometimes = model.properties.filter((p) => p.kind === "sometimes").map((p) => p.name);
    const counts = {
      generated: reports.reduce((n, r) => n + r.generated, 0),
      deepest: Math.max(0, ...reports.map((r) => r.deepest)),
      // The violation names the last state of the chain fetched from the partitions.
      violation: violation && violation.index >= 0 ? { ...violation, index: chain.length - 1 } : violation,
      unreached: sometimes.filter((_, k) => !reports.some((r) => r.reached[k])),
    };
    // The counterexample is replayed here, with the same traps as in the workers.
    release = options.guards === false ? () => {} : trapNondeterminism();
    return outcome(
      model,
      counts,
      limit,
      budget,
      chainView(chain, Math.min(distinct, options.maxStates ?? Infinity)),
      mergeActivity(reports),
    );
  } finally {
    release();
    options.signal?.removeEventListener("abort", halt);
    await cluster.close();
  }
}

/** The trace links fetched from the partitions as a store of their own (index k: the k-th state of the chain). */
function chainView(chain: readonly Link[], distinct: number): StoreView {
  return {
    distinct,
    bytesPerState: 0,
    pathTo: (i) => Array.from({ length: i + 1 }, (_, k) => k),
    ordinal: (i) => chain[i]!.ordinal,
    fingerprints: (indices) =>
      new Map(
        indices.map((i) => [
          i,
          [fingerprintWord(chain[i]!.fingerprint[0]), fingerprintWord(chain[i]!.fingerprint[1])] as const,
        ]),
      ),
  };
}

function mergeActivity(reports: readonly LevelReport[]): Map<string, ActionActivity> | undefined {
  const merged = new Map<string, ActionActivity>();
  for (const [name, a] of reports.flatMap((r) => r.activity)) {
    const m = merged.get(name);
    merged.set(name, m ? { tried: m.tried + a.tried, enabled: m.enabled + a.enabled } : a);
  }
  return merged.size > 0 ? merged : undefined;
}

/**
 * The violation with the shortest trace when several workers found one in
 * the same level: an expanded state's own (deadlock, final) before one of a
 * successor (invariants, action properties), which is a step longer.
 */
function shortest(found: readonly Found[]): Found | undefined {
  const rank = (f: Found) => (f.kind === "final" ? 0 : 1);
  return [...found].sort((a, b) => rank(a) - rank(b))[0];
}

/** The coordinator's side of the broker: joins, levels, trace links, and the watch over the workers. */
class Cluster {
  private readonly subjects: ReturnType<typeof subjects>;
  private readonly children: ChildProcess[] = [];
  private readonly joined = new Set<number>();
  private readonly ready = new Set<number>();
  private readonly lastBeat = new Map<number, number>();
  private reports = new Map<number, LevelReport>();
  private onReport: (() => void) | undefined;
  private failure: DistributedError | undefined;
  private onFailure: ((e: DistributedError) => void) | undefined;
  private closing = false;
  private running = -2;
  private readonly watch: ReturnType<typeof setInterval>;
  private readonly run: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly dist: DistributedOptions,
    setup: Setup,
  ) {
    this.run = dist.run ?? (dist.spawn ? randomUUID().slice(0, 8) : "default");
    this.subjects = subjects(this.run);
    nc.subscribe(this.subjects.join, {
      callback: (_e, m) => {
        const { partition } = decode<{ partition: number }>(m.data);
        let reply: JoinReply;
        if (!Number.isInteger(partition) || partition < 0 || partition >= dist.workers)
          reply = { type: "refused", reason: `the run has partitions 0..${dist.workers - 1}` };
        else if (this.joined.has(partition) || this.running > -2)
          reply = { type: "refused", reason: "another worker has joined as that partition" };
        else {
          this.joined.add(partition);
          this.lastBeat.set(partition, Date.now());
          reply = { type: "setup", setup };
        }
        m.respond(encode(reply));
        this.onReport?.();
      },
    });
    // A worker's beats start once it has subscribed to everything: the first one says it is ready.
    nc.subscribe(this.subjects.beat, {
      callback: (_e, m) => {
        const { partition } = decode<{ partition: number }>(m.data);
        if (!this.joined.has(partition)) return;
        this.lastBeat.set(partition, Date.now());
        this.ready.add(partition);
        this.onReport?.();
      },
    });
    nc.subscribe(this.subjects.report, {
      callback: (_e, m) => {
        const r = decode<LevelReport>(m.data);
        if (r.level !== this.running) return;
        this.reports.set(r.partition, r);
        this.onReport?.();
      },
    });
    void nc.closed().then((error) => {
      if (!this.closing)
        this.fail(`the connection to the broker at ${dist.url} closed${error ? ` (${error.message})` : ""}`);
    });
    this.watch = setInterval(() => {
      // The workers' watch over the coordinator: a worker whose coordinator is gone leaves.
      this.control({ type: "beat" });
      const now = Date.now();
      for (const [partition, at] of this.lastBeat) {
        if (now - at > (this.dist.silenceMs ?? SILENCE_MS))
          this.fail(`worker ${partition} has been silent for ${Math.round((now - at) / 1000)} s`);
      }
    }, 1000);
    this.watch.unref();
    if (dist.spawn) this.spawnWorkers();
  }

  private spawnWorkers(): void {
    const bin = binPath();
    // Stryker disable next-line UpdateOperator: k-- never ends the loop, which then starts detached worker processes without bound until the machine stalls (a run of 2026-12-05 reached a load of 25).
    for (let k = 0; k < this.dist.workers; k++) {
      // A process group of its own: Ctrl-C reaches the coordinator only, which halts the level and reports.
      const child = spawn(
        process.execPath,
        [bin, "worker", "--distributed", this.dist.url, "--partition", String(k), "--run", this.run],
        {
          stdio: ["ignore", "ignore", "pipe"],
          detached: true,
        },
      );
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (t: string) => void (stderr = (stderr + t).slice(-2000)));
      child.on("exit", (code, signal) => {
        if (this.closing) return;
        const last = stderr.trim().split("\n").pop();
        this.fail(
          `worker ${k} (pid ${child.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`}${this.running > -2 ? ` in level ${this.running + 1}` : " before the search started"}${last ? `: ${last}` : ""}`,
        );
      });
      this.children.push(child);
    }
  }

  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new DistributedError(`the distributed search is incomplete: ${message}`);
    this.onFailure?.(this.failure);
  }

  /** Resolves when `ready()` holds, rejects when the run fails or after `timeoutMs`. */
  private until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`),
        timeoutMs,
      );
      const done = (error?: DistributedError) => {
        clearTimeout(timer);
        this.onReport = undefined;
        this.onFailure = undefined;
        if (error) reject(error);
        else resolve();
      };
      if (this.failure) return done(this.failure);
      if (ready()) return done();
      this.onReport = () => ready() && done();
      this.onFailure = (e) => done(e);
    });
  }

  /** Every worker has joined. */
  started(): Promise<void> {
    const timeout = this.dist.joinTimeoutMs ?? (this.dist.spawn ? 60_000 : 600_000);
    return this.until(
      () => this.ready.size === this.dist.workers,
      timeout,
      `all ${this.dist.workers} workers joining run "${this.run}"`,
    );
  }

  control(c: Control): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subjects.ctl, encode(c));
  }

  /** Runs one level on every worker and returns their reports. */
  async level(level: number, deadline: number): Promise<LevelReport[]> {
    this.running = level;
    this.reports = new Map();
    this.control({ type: "level", level, deadline });
    // A level has no time limit of its own: a worker that dies or goes silent fails it.
    await this.until(() => this.reports.size === this.dist.workers, 2 ** 31 - 1, `level ${level + 1}`);
    return [...this.reports.values()].sort((a, b) => a.partition - b.partition);
  }

  /** The trace links from an initial state to state `id`, asked of each state's partition. */
  async links(id: number): Promise<Link[]> {
    const chain: Link[] = [];
    for (let at = id; at >= 0;) {
      const answer = decode<{ links?: Link[]; error?: string }>(
        (await this.nc.request(this.subjects.ask(at % this.dist.workers), encode([at]), { timeout: 10_000 })).data,
      );
      if (!answer.links)
        throw new DistributedError(
          `the distributed search is incomplete: the trace could not be rebuilt (${answer.error})`,
        );
      chain.push(answer.links[0]!);
      at = answer.links[0]!.parent;
    }
    return chain.reverse();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.watch);
    this.control({ type: "stop" });
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => {});
    // Workers leave on "stop"; one that does not within 5 s is ended.
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill(), 5000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}
