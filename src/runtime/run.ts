/**
 * `interleave run`: a real cluster of any protocol's reducers on 127.0.0.1
 * (binding.ts derives how), a seeded nemesis, a client workload running the
 * spec's client roles and recording their history, final reads after the
 * network heals, and a summary (ops/s, latency percentiles, faults, dropped
 * frames). The history is JSON Lines for `interleave lincheck`; the run
 * directory holds each node's input log for `interleave conform`.
 *
 * The workload: client slots, each running one operation at a time at a
 * combined `rate` per second, or closed-loop (`--closed-loop`: each slot
 * invokes its next operation as soon as the previous one completes, as
 * etcd's benchmark clients do): per client role, as many slots as the spec's
 * workload says (`--clients` for a role declared "option", else the model's
 * count). Each operation is the workload's `next` or a random one of the
 * role's choices.
 *
 * An honest ending: the run ends within `--duration` plus RUN_GRACE_MS (the
 * operations in flight, the final reads and stopping the nodes share it; a
 * node that does not stop in time is killed), and the summary records the
 * planned and the actual end. A node that dies outside the nemesis's kills
 * (ENOSPC, EPERM, a crash) is named with its cause, and a restart that
 * failed is reported as failed with its error: `runExitCode` makes either
 * one exit 3 (incomplete), never 0. When every node has died the workload
 * stops at once.
 */
import { setMaxListeners } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveParams, type ParamRecord } from "../params.js";
import type { ClientOperation } from "../runtime-config.js";
import { OptionError } from "../spec.js";
import { bindingOf, checkVariant, splitRunParams, type AnySpec, type RuntimeBinding } from "./binding.js";
import { Clients, historyFile, type InvokeOptions, type Outcome } from "./client.js";
import { Cluster, runDirInUse, sleep, type NodeDeath } from "./cluster.js";
import { HEALTHY, type HostStats } from "./host.js";
import type { InputLogLimits } from "./input-log.js";
import { describeEvent, nemesisSchedule, partitionFaults, type NemesisEvent, type NemesisFault } from "./nemesis.js";
import { seededRandom } from "./seeded-random.js";
import type { SpecRef } from "./spec-ref.js";
import type { TransportKind } from "./transport.js";
import { emptyCounters, type WireCounters } from "./wire.js";

/** What `interleave run` takes. */
export interface RunOptions {
  /** The spec, as the CLI resolved it, and where node processes find it. */
  readonly spec: AnySpec;
  readonly specRef: SpecRef;
  /** The spec's file when it is a user's (recorded in run.json for conform). */
  readonly specFile?: string | undefined;
  readonly variant?: string | undefined;
  /** Node processes (undefined: the model's count). */
  readonly nodes?: number | undefined;
  readonly durationS: number;
  readonly nemesis: readonly NemesisFault[];
  /** Operations per second, all clients together (ignored when `closedLoop`). */
  readonly rate: number;
  /** Each client slot invokes its next operation as soon as the previous one completes (no rate). */
  readonly closedLoop?: boolean;
  readonly seed: number;
  /** The history file (JSON Lines). */
  readonly history: string;
  /** The run directory (input logs, durable files, run.json). */
  readonly dir: string;
  readonly transport: TransportKind;
  /** Runtime parameters (`--param k=v`), already typed. */
  readonly params: ParamRecord;
  readonly clients: number;
  readonly keys: number;
  /** Input-log rotation of every node (absent: DEFAULT_INPUT_LOG_LIMITS). */
  readonly inputLog?: InputLogLimits;
  log?(line: string): void;
  /** Called twice a second while the workload runs. */
  onProgress?(p: RunProgress): void;
}

/** Where a run is. */
export interface RunProgress {
  readonly elapsedMs: number;
  readonly ok: number;
  readonly fail: number;
  readonly info: number;
  readonly leader: string | undefined;
  /** The last nemesis event applied. */
  readonly nemesis: string | undefined;
}

/** Latency percentiles of successful operations, in ms. */
export interface Latency {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What a run reports. */
export interface RunSummary {
  readonly spec: string;
  readonly variant: string | null;
  readonly nodes: number;
  readonly transport: TransportKind;
  readonly seed: number;
  readonly durationMs: number;
  readonly operations: { readonly invoked: number; readonly ok: number; readonly fail: number; readonly info: number };
  /** Ok operations per second of the workload (from its start to its last operation's end; final reads excluded). */
  readonly okPerSecond: number;
  readonly latencyMs: Latency;
  readonly nemesis: readonly string[];
  readonly kills: number;
  readonly finalReads: readonly { readonly key: string; readonly value: unknown }[];
  readonly dropped: WireCounters;
  /** Messages too large for the transport, not sent (UDP: over 65,507 bytes). */
  readonly unsendable: number;
  readonly fsyncs: number;
  readonly reducerErrors: number;
  readonly history: string;
  readonly historyEvents: number;
  readonly dir: string;
  /** Nodes that died outside the nemesis's kills (ENOSPC, EPERM, a crash), with the cause. */
  readonly deaths: readonly NodeDeath[];
  /** Restarts that failed: the node stayed down from then on (or until the final restart). */
  readonly failedRestarts: readonly FailedRestart[];
  /**
   * The run's clock, in ms from the start of the workload: the planned end (--duration), the grace after it, and the
   * actual end (every node stopped).
   */
  readonly timing: { readonly plannedEndMs: number; readonly graceMs: number; readonly endedMs: number };
  /** SIGKILLs by node (the nemesis's, and at the end of nodes that did not stop in time). */
  readonly killsByNode: Readonly<Record<string, number>>;
  /**
   * CPU time (user and system) from the start of the workload to the end of
   * the final reads, in ms: of the node processes together (a node restarted
   * meanwhile counts from its restart) and of the driver (this process: the
   * clients and the nemesis). With ok ops, what a quiet machine would
   * sustain: `okPerSecond` on a busy one understates it.
   */
  readonly cpuMs: { readonly nodes: number; readonly driver: number };
}

/** A restart that did not bring its node up. */
export interface FailedRestart {
  readonly node: string;
  readonly atMs: number;
  readonly error: string;
}

/**
 * How long a run may last after `--duration`: operations in flight (each
 * ends within its 2 s deadline), the final reads, and stopping the nodes
 * (the last 1.5 s; a node still running then is killed).
 */
const RUN_GRACE_MS = 5000;

/** A closed-loop slot whose client is offered no operation tries again after this long. */
const CLOSED_LOOP_IDLE_MS = 10;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const STOP_RESERVE_MS = 1500;

/**
 * The exit code a run's summary calls for: 1 when the run found a violation
 * (a reducer threw on a validated input); 3 when the run is incomplete (a
 * node died outside the nemesis's kills, a restart failed, or the run did not
 * end within its grace); 0 otherwise: then check the history with lincheck.
 */
export function runExitCode(s: RunSummary): 0 | 1 | 3 {
  if (s.reducerErrors > 0) return 1;
  if (s.deaths.length > 0 || s.failedRestarts.length > 0 || s.timing.endedMs > s.timing.plannedEndMs + s.timing.graceMs)
    return 3;
  return 0;
}

/** What run.json holds: enough for `interleave conform` to rebuild each node. */
export interface RunRecord {
  readonly spec: string;
  /** The spec's file when it is not the catalogue's (a user's protocol): conform loads it from there. */
  readonly specFile?: string;
  readonly variant: string | null;
  readonly nodes: readonly string[];
  readonly transport: TransportKind;
  readonly params: ParamRecord;
  /** Model parameters the run set with `--param` (absent: none; the reducers saw the spec's runtime defaults). */
  readonly modelParams?: ParamRecord;
  readonly seed: number;
  readonly schedule: readonly NemesisEvent[];
  readonly history: string;
  /**
   * SIGKILLs by node, written when the run ends: a node's input log may lack
   * the end record of that many sessions (conform checks it). Absent: the run
   * did not end (conform then cannot tell a kill from a truncated log).
   */
  kills?: Record<string, number>;
  summary?: RunSummary;
}

/** Percentiles of `values` (nearest rank). */
function percentiles(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? 0) };
}

/** The client slots of a run: one role per slot, in order. */
function clientSlots(binding: RuntimeBinding, clients: number): string[] {
  return binding.clientRoles.flatMap((role) => {
    const declared = binding.workload.instances?.[role];
    const n = declared === "option" ? clients : (declared ?? binding.clientCounts[role] ?? 1);
    return Array.from({ length: n }, () => role);
  });
}

/** Runs a cluster: see the module comment. */
export async function runCluster(options: RunOptions): Promise<RunSummary> {
  const split = splitRunParams(options.spec, options.params);
  const binding = bindingOf(options.spec, { nodes: options.nodes, modelParams: split.model });
  checkVariant(binding, options.variant);
  const params = resolveParams(binding.params, {}, split.runtime);
  const probe = binding.workload.probe;
  if (options.nemesis.includes("isolate-leader") && (probe === undefined || !binding.leaderBased)) {
    throw new OptionError(
      `spec "${binding.spec}" has no leader to isolate: isolate-leader needs a runtime status that reports one and a workload probe`,
    );
  }
  const workloadParams = { ...params, keys: options.keys, clients: options.clients };
  if (runDirInUse(options.dir))
    throw new OptionError(`run directory ${options.dir} already holds a run; choose another with --dir`);
  mkdirSync(options.dir, { recursive: true });
  const log = options.log ?? (() => undefined);
  const history = historyFile(options.history);
  const ids = binding.nodeIds;
  const schedule = nemesisSchedule(options.seed, options.nemesis, ids, options.durationS * 1000);
  const record: RunRecord = {
    spec: binding.spec,
    ...(options.specFile === undefined ? {} : { specFile: options.specFile }),
    variant: options.variant ?? null,
    nodes: ids,
    transport: options.transport,
    params,
    ...(Object.keys(binding.chosenModelParams).length === 0 ? {} : { modelParams: binding.chosenModelParams }),
    seed: options.seed,
    schedule,
    history: options.history,
  };
  writeFileSync(join(options.dir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);

  let cluster: Cluster | undefined;
  const clients = await Clients.open({
    transport: options.transport,
    binding,
    variant: options.variant,
    params: workloadParams,
    ports: () => cluster?.ports() ?? {},
    history,
    random: seededRandom(options.seed * 7919 + 3),
  });
  const counts = { invoked: 0, ok: 0, fail: 0, info: 0 };
  const latencies: number[] = [];
  const applied: string[] = [];
  const failedRestarts: FailedRestart[] = [];
  // Aborted when every node has died outside the nemesis: the workload ends at once.
  const ending = new AbortController();
  // Every client slot and the nemesis sleep on it at once.
  setMaxListeners(0, ending.signal);
  let endAt = Infinity;
  try {
    cluster = await Cluster.start({
      spec: options.specRef,
      learned: binding.learned,
      variant: options.variant,
      nodes: ids,
      transport: options.transport,
      dir: options.dir,
      params,
      modelParams: split.model,
      clientPort: clients.port,
      ...(options.inputLog === undefined ? {} : { inputLog: options.inputLog }),
      log,
      onDeath: () => {
        const dead = new Set(cluster?.deaths.map((d) => d.node));
        if (ids.every((id) => dead.has(id) && cluster?.isUp(id) !== true)) {
          log("every node has died outside the nemesis: the workload ends");
          endAt = Math.min(endAt, Date.now());
          ending.abort();
        }
      },
    });
    const running = cluster;
    const started = Date.now();
    const plannedEnd = started + options.durationS * 1000;
    endAt = Math.min(endAt, plannedEnd);
    const hardEnd = plannedEnd + RUN_GRACE_MS;
    // Final restarts, reads and stats end here; stopping the nodes has the rest.
    const wrapUpBy = hardEnd - STOP_RESERVE_MS;
    const left = (until: number) => Math.max(0, until - Date.now());
    const anyUp = () => ids.some((id) => running.isUp(id));

    /** Runs one operation, keeping the counts; returns the outcome and the client to use next. */
    const operate = async (
      id: string,
      role: string,
      input: unknown,
      how: InvokeOptions = {},
    ): Promise<{ outcome: Outcome; id: string }> => {
      counts.invoked++;
      const t0 = performance.now();
      const outcome = await clients.invoke(id, input, how);
      counts[outcome.type]++;
      if (outcome.type === "ok") latencies.push(performance.now() - t0);
      return { outcome, id: clients.retired(id) ? clients.newClient(role) : id };
    };
    const operation = (op: ClientOperation, how: InvokeOptions = {}) =>
      operate(clients.newClient(op.role), op.role, op.input, how);

    const slots = clientSlots(binding, options.clients);
    const slot = async (i: number, role: string): Promise<void> => {
      const random = seededRandom(options.seed * 1000 + i + 1);
      const interval = options.closedLoop === true ? 0 : (slots.length * 1000) / options.rate;
      let id = clients.newClient(role);
      let next = started + (i * interval) / slots.length;
      while (next < endAt) {
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait, ending.signal);
        if (Date.now() >= endAt) break;
        const input = nextInput(binding, clients, id, role, random, workloadParams);
        if (input !== undefined) id = (await operate(id, role, input)).id;
        // Closed loop: nothing offered waits a little, and an operation that ended at once (not enabled) still
        // lets the event loop turn, so a slot never spins on microtasks.
        if (interval === 0) await (input === undefined ? sleep(CLOSED_LOOP_IDLE_MS, ending.signal) : nextTurn());
        next = Math.max(Date.now(), next + interval);
      }
    };

    let iteration = 0;
    const isolateLeader = async (): Promise<void> => {
      if (probe === undefined) return;
      const n = iteration++;
      // Every wait ends with the workload: the scenario never holds the run past its end.
      const within = (ms: number) => Math.max(1, Math.min(ms, left(endAt)));
      const old = await running.waitFor(() => running.leader(), within(5000));
      if (old === undefined) return log("isolate-leader: no leader within 5 s; skipped");
      const write = probe.write(2 * n + 1);
      const first = await operation(write, { server: old, deadlineMs: within(3000) });
      const writer = first.id;
      if (first.outcome.type !== "ok") return log("isolate-leader: the first write did not complete; skipped");
      const others = ids.filter((x) => x !== old);
      for (const [node, faults] of partitionFaults(ids, [[old], others])) running.setFaults(node, faults);
      const oldTerm = running.status(old)?.term ?? 0;
      const next = await running.waitFor(
        () =>
          others.find(
            (x) => running.isUp(x) && running.status(x)?.role === "leader" && (running.status(x)?.term ?? 0) > oldTerm,
          ),
        within(5000),
      );
      if (next === undefined) return log("isolate-leader: no new leader on the majority side within 5 s");
      await operate(writer, write.role, probe.write(2 * n + 2).input, { server: next, deadlineMs: within(3000) });
      const read = await operation(probe.read(), { server: old, pinned: true, deadlineMs: within(1000) });
      log(
        `isolate-leader: old leader ${old} answered the read with ${read.outcome.type === "ok" ? JSON.stringify(read.outcome.value) : read.outcome.type}`,
      );
    };

    const nemesis = async (): Promise<void> => {
      for (const e of schedule) {
        const wait = started + e.at - Date.now();
        if (wait > 0) await sleep(wait, ending.signal);
        if (ending.signal.aborted) break;
        log(`nemesis: ${describeEvent(e)}`);
        if (e.type === "restart") {
          // A node slow to start (a loaded machine) may come up after the workload ends: it has until the final reads.
          const r = await running.restart(e.node, wrapUpBy);
          if (r.ok)
            applied.push(
              `${describeEvent(e)}${r.error === undefined ? "" : ` (after ${r.attempts} attempts${r.port === undefined ? "" : `, on a new port ${r.port}`}; first failures: ${r.error})`}`,
            );
          else {
            applied.push(`${describeEvent(e)} FAILED after ${r.attempts} attempts: ${r.error}`);
            failedRestarts.push({ node: e.node, atMs: Date.now() - started, error: r.error });
          }
          continue;
        }
        applied.push(describeEvent(e));
        switch (e.type) {
          case "partition":
            for (const [node, faults] of partitionFaults(ids, e.groups)) running.setFaults(node, faults);
            break;
          case "kill":
            running.kill(e.node);
            break;
          case "delay":
            for (const node of ids) running.setFaults(node, { ...HEALTHY, delayMs: e.ms });
            break;
          case "duplicate":
            for (const node of ids) running.setFaults(node, { ...HEALTHY, duplicate: e.probability });
            break;
          case "isolate-leader":
            await isolateLeader();
            break;
          case "heal":
            for (const node of ids) running.setFaults(node, HEALTHY);
            break;
        }
      }
    };

    // The first leader, for leader-based specs; not when every node has already died.
    if (binding.leaderBased)
      await running.waitFor(() => running.leader() ?? (ending.signal.aborted ? "none" : undefined), 5000);
    const cpuAtStart = { nodes: await running.stats(1000), driver: process.cpuUsage() };
    const progress = options.onProgress;
    const ticker =
      progress === undefined
        ? undefined
        : setInterval(
            () =>
              progress({
                elapsedMs: Date.now() - started,
                ok: counts.ok,
                fail: counts.fail,
                info: counts.info,
                leader: running.leader(),
                nemesis: applied[applied.length - 1],
              }),
            500,
          );
    try {
      // A spec without client roles (two-phase commit: its nodes act on their own choices) runs for the duration too.
      const idle = slots.length === 0 ? [sleep(left(endAt), ending.signal)] : [];
      await Promise.all([nemesis(), ...slots.map((role, i) => slot(i, role)), ...idle]);
    } finally {
      if (ticker !== undefined) clearInterval(ticker);
    }
    // Throughput is the workload's: the final reads below run one at a time, after it.
    const workload = { ms: Math.max(1, Date.now() - started), ok: counts.ok };

    // Heal everything, bring every node the nemesis killed back, and read each key once the cluster serves again;
    // all within the grace. A node that died outside the nemesis stays down: it would die again.
    for (const node of ids) running.setFaults(node, HEALTHY);
    const crashed = new Set(running.deaths.map((d) => d.node));
    for (const node of ids) {
      if (running.isUp(node) || crashed.has(node)) continue;
      const r = await running.restart(node, wrapUpBy);
      if (!r.ok) failedRestarts.push({ node, atMs: Date.now() - started, error: r.error });
    }
    if (binding.leaderBased && anyUp()) await running.waitFor(() => running.leader(), Math.min(10_000, left(wrapUpBy)));
    const finalReads: { key: string; value: unknown }[] = [];
    const reads = [...(binding.workload.finalReads?.(workloadParams, binding.setup(ids[0] ?? "").roles) ?? [])];
    if (probe !== undefined && options.nemesis.includes("isolate-leader"))
      reads.push({ ...probe.read(), key: probe.key });
    for (const { key, role, input } of reads) {
      let id = clients.newClient(role);
      let value: unknown = "unknown";
      for (let attempt = 0; attempt < 5 && anyUp() && left(wrapUpBy) >= 50; attempt++) {
        const r = await operate(id, role, input, { deadlineMs: Math.min(3000, left(wrapUpBy)) });
        id = r.id;
        if (r.outcome.type === "ok") {
          value = r.outcome.value;
          break;
        }
      }
      finalReads.push({ key, value });
    }
    const durationMs = Date.now() - started;
    const stats = await running.stats(Math.max(1, Math.min(2000, left(wrapUpBy))));
    const driverCpu = process.cpuUsage(cpuAtStart.driver);
    // SIGKILL lands a little after it is sent: a margin keeps the end within the grace.
    await running.stop(Math.max(1, left(hardEnd) - 250));
    const endedMs = Date.now() - started;
    const summary: RunSummary = {
      spec: binding.spec,
      variant: options.variant ?? null,
      nodes: ids.length,
      transport: options.transport,
      seed: options.seed,
      durationMs,
      operations: { ...counts },
      okPerSecond: Math.round((workload.ok / (workload.ms / 1000)) * 10) / 10,
      latencyMs: percentiles(latencies),
      nemesis: applied,
      kills: running.kills,
      finalReads,
      dropped: sumDropped(Object.values(stats)),
      unsendable: Object.values(stats).reduce((n, s) => n + s.unsendable, 0),
      fsyncs: Object.values(stats).reduce((n, s) => n + s.syncs, 0),
      reducerErrors: Object.values(stats).reduce((n, s) => n + s.reducerErrors, 0),
      history: options.history,
      historyEvents: history.events,
      dir: options.dir,
      // On the run's clock, which starts once every node listens.
      deaths: running.deaths.map((d) => ({ ...d, atMs: Math.max(0, d.atMs - (started - running.startedAt)) })),
      failedRestarts,
      timing: { plannedEndMs: options.durationS * 1000, graceMs: RUN_GRACE_MS, endedMs },
      killsByNode: { ...running.killsByNode },
      cpuMs: {
        nodes: Math.round(nodesCpuMs(cpuAtStart.nodes, stats)),
        driver: Math.round((driverCpu.user + driverCpu.system) / 1000),
      },
    };
    record.summary = summary;
    return summary;
  } finally {
    await cluster?.stop(1000);
    await clients.close();
    history.close();
    if (cluster !== undefined) {
      record.kills = { ...cluster.killsByNode };
      writeFileSync(join(options.dir, "run.json"), `${JSON.stringify(record, null, 2)}\n`);
    }
  }
}

/**
 * A slot's next operation: the workload's `next`, or a random one of the role's choices (none offered: skip this turn).
 */
function nextInput(
  binding: RuntimeBinding,
  clients: Clients,
  id: string,
  role: string,
  random: () => number,
  params: ParamRecord,
): unknown {
  const at = clients.stateOf(id);
  if (at === undefined) return undefined;
  const next = binding.workload.next;
  if (next !== undefined) return next(role, at.state, at.setup, random, params);
  const choices = at.choices();
  return choices.length === 0 ? undefined : choices[Math.floor(random() * choices.length)];
}

/** The node processes' CPU time between two stats, in ms (a node restarted in between counts from its restart). */
function nodesCpuMs(before: Readonly<Record<string, HostStats>>, after: Readonly<Record<string, HostStats>>): number {
  let total = 0;
  for (const [id, s] of Object.entries(after)) {
    const end = s.cpuMs ?? 0;
    const start = before[id]?.cpuMs ?? 0;
    total += end >= start ? end - start : end;
  }
  return total;
}

function sumDropped(stats: readonly HostStats[]): WireCounters {
  const total = emptyCounters();
  for (const s of stats) for (const k of Object.keys(total) as (keyof WireCounters)[]) total[k] += s.wire[k];
  return total;
}

/** The summary as text lines. */
export function formatRunSummary(s: RunSummary): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const dropped = Object.entries(s.dropped)
    .filter(([k, v]) => k !== "delivered" && v > 0)
    .map(([k, v]) => `${k} ${n(v)}`);
  return [
    `${s.spec}${s.variant === null ? "" : ` (variant ${s.variant})`}: ${s.nodes} nodes over ${s.transport}, ${(s.durationMs / 1000).toFixed(1)} s, seed ${s.seed}`,
    `operations: ${n(s.operations.invoked)} invoked, ${n(s.operations.ok)} ok, ${n(s.operations.fail)} fail, ${n(s.operations.info)} info (unknown outcome)`,
    `throughput: ${s.okPerSecond} ok ops/s; latency of ok ops: p50 ${s.latencyMs.p50} ms, p90 ${s.latencyMs.p90} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`,
    `nemesis: ${s.nemesis.length === 0 ? "none" : `${s.nemesis.length} events (${s.kills} kill -9)`}`,
    ...s.nemesis.map((e) => `  ${e}`),
    `final reads: ${s.finalReads.length === 0 ? "none" : s.finalReads.map((r) => `${r.key}=${JSON.stringify(r.value)}`).join(", ")}`,
    `frames delivered to nodes: ${n(s.dropped.delivered)}; dropped: ${dropped.length === 0 ? "none" : dropped.join(", ")}; durable fsyncs: ${n(s.fsyncs)}${s.unsendable > 0 ? `; ${n(s.unsendable)} messages too large for ${s.transport} not sent` : ""}${s.reducerErrors > 0 ? `; REDUCER ERRORS: ${s.reducerErrors}` : ""}`,
    `cpu: nodes ${seconds(s.cpuMs.nodes)}, driver ${seconds(s.cpuMs.driver)}${s.operations.ok > 0 ? ` (${((s.cpuMs.nodes + s.cpuMs.driver) / s.operations.ok).toFixed(2)} CPU s per 1,000 ok ops)` : ""}`,
    `time: planned ${seconds(s.timing.plannedEndMs)}, ended at ${seconds(s.timing.endedMs)} (grace ${seconds(s.timing.graceMs)} for operations in flight, final reads and stopping the nodes)`,
    `history: ${s.history} (${n(s.historyEvents)} events); run directory: ${s.dir}`,
    ...incompleteLines(s),
    `next: interleave lincheck ${s.history}; interleave conform ${s.dir}`,
  ].join("\n");
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What makes the run incomplete (exit 3), one line each; none for a complete run. */
function incompleteLines(s: RunSummary): string[] {
  const lines: string[] = [];
  if (s.deaths.length > 0) {
    const nodes = [...new Set(s.deaths.map((d) => d.node))].sort();
    lines.push(
      `INCOMPLETE: ${nodes.length === 1 ? "node" : "nodes"} ${nodes.join(", ")} died outside the nemesis's kills:`,
    );
    for (const d of s.deaths) lines.push(`  ${d.node} at ${seconds(d.atMs)}: ${d.cause}`);
  }
  if (s.failedRestarts.length > 0) {
    lines.push(
      `INCOMPLETE: ${s.failedRestarts.length === 1 ? "a restart" : `${s.failedRestarts.length} restarts`} failed:`,
    );
    for (const f of s.failedRestarts) lines.push(`  ${f.node} at ${seconds(f.atMs)}: ${f.error}`);
  }
  if (s.timing.endedMs > s.timing.plannedEndMs + s.timing.graceMs) {
    lines.push(
      `INCOMPLETE: the run ended ${seconds(s.timing.endedMs - s.timing.plannedEndMs)} after its planned end, past the ${seconds(s.timing.graceMs)} grace`,
    );
  }
  return lines;
}
