/**
 * One node of a real cluster: the spec's reducer, unchanged, with a thin
 * shell around it. The shell decodes and validates frames (wire.ts), turns
 * timers into real timeouts, writes durable fields to an fsynced append-only
 * file before sending anything that depends on them (durable.ts), applies the
 * nemesis' network faults to its own traffic, and records every input and the
 * reducer's answer in an input log that `interleave conform` replays.
 *
 * The input log (JSON Lines, not fsynced: it must survive kill -9, which the
 * page cache does, not power loss):
 *
 *     {"t":"boot","restored":{...durable fields...}|null}
 *     {"t":"in","kind":"message","from":"n2","input":{...}}   (kind "timer" or "choice": no from)
 *     {"t":"out","effects":[...]}          (or "effects":null: not enabled; "error":"...": the reducer threw)
 *     {"t":"local","action":{...}}
 *
 *     {"t":"sync"}                          (the durable fields are on disk as of here)
 *     {"t":"snapshot","state":{...}}        (first line of a segment after the first: the reducer's state here)
 *     {"t":"end"}                           (the node stopped cleanly: the log is complete)
 *
 * A log whose last session lacks its `end` line was cut short (truncated, or
 * the node was killed): conform accepts that only for the kills run.json
 * records. The log is split into segments and only the newest are kept
 * (input-log.ts), so it stays bounded on long runs.
 *
 * An `in` line is written before the step and its `out` line right after it,
 * so a kill between them leaves an `in` without an `out`. Messages wait for
 * the fsync of the durable write that follows them (group commit, see
 * `flush`), so a node restarted after kill -9 restores the durable fields as
 * of its last `sync` line (each marks a durable write), or as of its last
 * complete step when it died between the write and that line.
 */
import { deepEqual } from "../fingerprint.js";
import { restartedState, type Effect, type NodeContext, type NodeSetup, type RoleDef } from "../protocol.js";
import type { AnyBinding, HostControl, LocalAction, NodeDriver, NodeStatus } from "./binding.js";
import { DurableFile } from "./durable.js";
import { InputLog, type InputLogLimits } from "./input-log.js";
import { decodeFrame, emptyCounters, encodeFrame, type DropReason, type WireCounters } from "./wire.js";
import type { Transport } from "./transport.js";

/** The network faults a node applies to its own traffic (set by the nemesis). */
export interface NetFaults {
  /** Nodes this node cannot exchange messages with (both directions). */
  readonly blocked: readonly string[];
  /** Each message sent waits a random time in this range, in ms (so messages reorder). */
  readonly delayMs: readonly [number, number] | null;
  /** The probability that a message sent is sent twice. */
  readonly duplicate: number;
}

/** How often a node reports a status whose role and term did not change (commit index, log length...), at most. */
const STATUS_INTERVAL_MS = 100;

/** No faults. */
export const HEALTHY: NetFaults = { blocked: [], delayMs: null, duplicate: 0 };

/** Where a node is and what it runs. */
export interface HostOptions {
  readonly binding: AnyBinding;
  readonly variant: string | undefined;
  readonly self: string;
  readonly nodes: readonly string[];
  /** Runtime parameter values (timer durations...). */
  readonly params: Readonly<Record<string, number | boolean | string>>;
  readonly transport: Pick<Transport, "send" | "maxFrameBytes">;
  /** Ports of the nodes, by id, and of the clients' endpoint. */
  readonly ports: Readonly<Record<string, number>>;
  readonly clientPort: number;
  /** The durable file (absent: volatile, e.g. in tests). */
  readonly durablePath?: string;
  /** The input log (absent: not recorded): its first segment's path. */
  readonly inputLogPath?: string;
  /** Its rotation (absent: DEFAULT_INPUT_LOG_LIMITS). */
  readonly inputLogLimits?: InputLogLimits;
  /** Status changes (leader tracking). */
  onStatus?(status: NodeStatus): void;
  log?(line: string): void;
  random?(): number;
}

/** Counters a node reports. */
export interface HostStats {
  readonly wire: WireCounters;
  /** Messages dropped by the nemesis' partitions (sent or received). */
  readonly partitioned: number;
  /** Messages too large for the transport, not sent. */
  readonly unsendable: number;
  readonly inputs: number;
  readonly reducerErrors: number;
  readonly syncs: number;
  /** CPU time (user and system) of the node's process so far, in ms: set by the node process, not the host. */
  readonly cpuMs?: number;
}

type AnyEffect = Effect<unknown, unknown>;

/** One node: see the module comment. */
export class NodeHost {
  private state: unknown;
  private readonly role: RoleDef<unknown, unknown, unknown, unknown>;
  private readonly setup: NodeSetup<unknown>;
  private readonly timers = new Map<string, { timer: unknown; handle: NodeJS.Timeout }>();
  private readonly durable: DurableFile | undefined;
  private readonly inputLog: InputLog | undefined;
  private readonly started = Date.now();
  private readonly random: () => number;
  private faults: NetFaults = HEALTHY;
  private ports: Readonly<Record<string, number>>;
  private tick: NodeJS.Timeout | undefined;
  private choosing: NodeJS.Timeout | undefined;
  private lastStatus: NodeStatus | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private statusSentAt = 0;
  private stopped = false;
  private readonly counters = emptyCounters();
  private partitioned = 0;
  private unsendable = 0;
  private inputs = 0;
  private reducerErrors = 0;
  private readonly control: HostControl<unknown>;
  private outbox: { readonly to: string; readonly msg: unknown }[] = [];
  private flushScheduled = false;
  /** The messages waiting for the fsync in flight, if one is (see `flush`). */
  private inFlight: { readonly to: string; readonly msg: unknown }[] | undefined;
  /** Written since the fsync in flight started (or since the last one ended), and the messages that wait for that. */
  private unsynced = false;
  private waiting: { readonly to: string; readonly msg: unknown }[] = [];
  private logBuffer: string[] = [];
  private readonly driver: NodeDriver<unknown, unknown, unknown> | undefined;

  constructor(
    private readonly options: HostOptions,
    restored: Record<string, unknown> | undefined,
  ) {
    const { binding } = options;
    this.role = binding.role(options.variant, options.self);
    this.setup = binding.setup(options.self, options.nodes);
    this.random = options.random ?? Math.random;
    this.ports = options.ports;
    this.driver = binding.driver?.(options.params);
    this.state = bootState(this.role, this.setup, restored);
    this.durable = options.durablePath === undefined ? undefined : new DurableFile(options.durablePath, restored);
    this.inputLog =
      options.inputLogPath === undefined ? undefined : new InputLog(options.inputLogPath, options.inputLogLimits);
    this.control = {
      rearm: (timer) => this.rearm(timer),
      fireNow: (timer) => this.fireNow(timer),
      sendRaw: (to, msg) => this.transmit(to, msg),
      local: (action) => this.applyLocal(action),
      now: () => Date.now() - this.started,
    };
    this.write({ t: "boot", restored: restored ?? null });
  }

  /** Arms the initial timers and the binding's tick: the node starts taking part. */
  start(): void {
    for (const t of this.role.initialTimers?.(this.state, this.setup) ?? []) this.arm(t);
    const { driver } = this;
    if (driver?.onTick !== undefined && driver.tickMs !== undefined) {
      this.tick = setInterval(() => driver.onTick!(this.control, this.state), driver.tickMs);
    }
    // A role's spontaneous decisions (the model's choices), one at random every choiceMs.
    const choices = this.role.choices;
    if (choices !== undefined) {
      this.choosing = setInterval(() => {
        const offered = choices(this.state, this.setup);
        if (offered.length > 0)
          this.step(offered[Math.floor(this.random() * offered.length)], undefined, {
            kind: "choice",
            fromClient: false,
          });
      }, this.options.binding.choiceMs);
    }
    this.reportStatus();
  }

  /** Stops timers and closes files, the input log with its `end` line; the node takes no more input. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const { handle } of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
    if (this.tick !== undefined) clearInterval(this.tick);
    if (this.statusTimer !== undefined) clearTimeout(this.statusTimer);
    if (this.choosing !== undefined) clearInterval(this.choosing);
    this.durable?.close();
    this.write({ t: "end" });
    this.flushLog();
    this.inputLog?.close();
  }

  /** The reducer's current state (tests, status). */
  get current(): unknown {
    return this.state;
  }

  setFaults(faults: NetFaults): void {
    this.faults = faults;
  }

  /** The peers' ports, when one restarted on a new port. */
  setPorts(ports: Readonly<Record<string, number>>): void {
    this.ports = ports;
  }

  stats(): HostStats {
    return {
      wire: { ...this.counters },
      partitioned: this.partitioned,
      unsendable: this.unsendable,
      inputs: this.inputs,
      reducerErrors: this.reducerErrors,
      syncs: this.durable?.syncs ?? 0,
    };
  }

  /** Counts a frame the transport dropped before decoding (e.g. oversized). */
  dropped(reason: DropReason): void {
    this.counters[reason]++;
  }

  /** Handles one received frame; never throws. */
  receive(frame: Uint8Array | string): void {
    if (this.stopped) return;
    const decoded = decodeFrame(frame, this.options.transport.maxFrameBytes);
    if (!decoded.ok) return void this.counters[decoded.reason]++;
    const { from, to, msg } = decoded.envelope;
    const { binding, self } = this.options;
    if (to !== self) return void this.counters.misaddressed++;
    const fromNode = this.options.nodes.includes(from) && from !== self;
    const fromClient = !fromNode && binding.isClient(from);
    if (!fromNode && !fromClient) return void this.counters.unknownPeer++;
    if (fromNode && this.faults.blocked.includes(from)) return void this.partitioned++;
    const type = msg["type"] as string;
    if (!(fromNode ? binding.peerTypes : binding.clientTypes).has(type)) return void this.counters.unknownType++;
    let input: unknown;
    try {
      input = fromNode ? binding.peerInput(msg) : binding.clientInput(msg);
    } catch {
      input = undefined;
    }
    if (input === undefined) return void this.counters.invalid++;
    // Each frame counts once: a frame the reducer throws on is rejected, not delivered.
    this.counters[this.step(input, from, { kind: "message", fromClient }) === "threw" ? "rejected" : "delivered"]++;
  }

  /**
   * Runs the reducer on one input: whether it was enabled, or threw (a timer's error is counted in `reducerErrors`
   * only).
   */
  private step(
    input: unknown,
    from: string | undefined,
    how: { kind: "message" | "timer" | "choice"; fromClient: boolean },
  ): "enabled" | "disabled" | "threw" {
    if (this.stopped) return "disabled";
    this.inputs++;
    this.write({ t: "in", kind: how.kind, ...(from === undefined ? {} : { from }), input });
    const before = this.state;
    const ctx: NodeContext<unknown> = { ...this.setup, from, kind: how.kind };
    let result: { state: unknown; effects: readonly AnyEffect[] } | undefined;
    try {
      result = this.role.reduce(before, input, ctx);
    } catch (e) {
      // A reducer that throws on a validated input is a bug; the node logs it and keeps running.
      this.reducerErrors++;
      const error = e instanceof Error ? e.message : String(e);
      this.write({ t: "out", error });
      this.options.log?.(`reducer error on ${JSON.stringify(input)}: ${error}`);
      return "threw";
    }
    if (result !== undefined) this.state = result.state;
    this.write({ t: "out", effects: result === undefined ? null : result.effects });
    if (result !== undefined) for (const e of result.effects) this.perform(e);
    this.driver?.afterInput?.(this.control, {
      input,
      from,
      before,
      after: this.state,
      enabled: result !== undefined,
      fromClient: how.fromClient,
    });
    this.reportStatus();
    return result === undefined ? "disabled" : "enabled";
  }

  /**
   * Group commit, pipelined: the durable fields of every input handled since
   * the last flush are written at once (one record), and fsynced on libuv's
   * thread pool; the messages those inputs produced are sent when an fsync
   * that started after their write completes. Meanwhile the node goes on
   * taking input and writing; one fsync is in flight at a time and the next
   * starts as soon as it ends, covering everything written meanwhile, so
   * batches grow with the disk's latency instead of the event loop stalling
   * on it (the blocking fsync was a third of the leader's time in a
   * saturating run, measured with --cpu-prof). Nothing leaves before the
   * state it depends on is written, so kill -9 (the page cache survives)
   * restores exactly what any message revealed; a `sync` line in the input
   * log marks each write. Nothing leaves before its fsync either, except
   * what the spec's runtime declares `sendBeforeFsync` (Raft: replies to
   * clients, which reveal only entries a majority already fsynced): those
   * leave right after their write, without queueing behind an fsync of
   * entries they do not depend on.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.stopped) return;
    this.flushLog();
    const outbox = this.outbox;
    this.outbox = [];
    if (this.durable !== undefined && this.role.durable !== undefined) {
      const s = this.state as Record<string, unknown>;
      const fields: Record<string, unknown> = {};
      for (const f of this.role.durable) fields[f] = s[f];
      if (this.durable.write(fields)) {
        this.write({ t: "sync" });
        this.unsynced = true;
      }
    }
    // The durable file holds the state's durable fields: a point a new segment can start from.
    this.rotateIfFull();
    const early = this.options.binding.sendBeforeFsync;
    for (const m of outbox) {
      if (early(m.msg)) this.sendNow(m.to, m.msg);
      // Written since the fsync in flight started: the next fsync covers it.
      else if (this.unsynced) this.waiting.push(m);
      // Written before the fsync in flight started: that fsync covers it.
      else if (this.inFlight !== undefined) this.inFlight.push(m);
      else this.sendNow(m.to, m.msg);
    }
    if (this.unsynced && this.inFlight === undefined) this.startSync();
  }

  /** Starts an fsync of everything written so far; the messages waiting for it leave when it completes. */
  private startSync(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.unsynced = false;
    this.inFlight = batch;
    this.durable!.sync((error) => this.synced(error, batch));
  }

  /** An fsync completed: its messages leave, and the next fsync starts if anything was written meanwhile. */
  private synced(error: Error | null, batch: readonly { readonly to: string; readonly msg: unknown }[]): void {
    this.inFlight = undefined;
    if (this.stopped) return;
    // As before with fsyncSync: a node that cannot make its state durable dies (node-main reports why).
    if (error !== null) throw error;
    this.sendAll(batch);
    if (this.unsynced) this.startSync();
  }

  private sendAll(outbox: readonly { readonly to: string; readonly msg: unknown }[]): void {
    for (const { to, msg } of outbox) this.sendNow(to, msg);
  }

  /**
   * A full segment is closed here, right after a durable write (or a commit
   * with nothing to write): no step is half written, and the durable file
   * holds the state's durable fields, so the next segment's snapshot is a
   * point conform can start from.
   */
  private rotateIfFull(): void {
    if (this.inputLog === undefined || !this.inputLog.full) return;
    this.flushLog();
    this.inputLog.rotate(JSON.stringify({ t: "snapshot", state: this.state }));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private perform(e: AnyEffect): void {
    switch (e.type) {
      case "send":
        return this.transmit(e.to, e.msg);
      case "broadcast":
        for (const to of e.to) this.transmit(to, e.msg);
        return;
      case "setTimer":
        return this.arm(e.timer);
      case "cancelTimer":
        return this.disarm(e.timer);
      case "record":
        return;
    }
  }

  private transmit(to: string, msg: unknown): void {
    if (this.stopped) return;
    this.outbox.push({ to, msg });
    this.scheduleFlush();
  }

  private sendNow(to: string, msg: unknown): void {
    const port = this.ports[to] ?? (this.options.binding.isClient(to) ? this.options.clientPort : undefined);
    if (port === undefined) return;
    if (this.faults.blocked.includes(to)) return void this.partitioned++;
    const frame = encodeFrame({ from: this.options.self, to, msg });
    const copies = this.random() < this.faults.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.faults.delayMs;
      if (delay === null) this.sendFrame(port, frame);
      else setTimeout(() => this.sendFrame(port, frame), delay[0] + this.random() * (delay[1] - delay[0])).unref();
    }
  }

  private sendFrame(port: number, frame: string): void {
    if (this.stopped) return;
    if (!this.options.transport.send(port, frame)) this.unsendable++;
  }

  private arm(timer: unknown): void {
    const key = JSON.stringify(timer);
    const known = this.timers.get(key);
    if (known !== undefined) clearTimeout(known.handle);
    const ms = this.options.binding.timerMs(timer, this.options.params, this.random);
    const handle = setTimeout(() => this.fire(key), ms);
    this.timers.set(key, { timer, handle });
  }

  private disarm(timer: unknown): void {
    const key = JSON.stringify(timer);
    const known = this.timers.get(key);
    if (known === undefined) return;
    clearTimeout(known.handle);
    this.timers.delete(key);
  }

  private fire(key: string): void {
    const known = this.timers.get(key);
    if (known === undefined) return;
    this.timers.delete(key);
    const outcome = this.step(known.timer, undefined, { kind: "timer", fromClient: false });
    // As in the model, a timer whose input is not enabled stays pending (a Raft
    // leader's heartbeat while every peer is awaiting): it fires again later.
    if (outcome === "disabled" && !this.stopped && !this.timers.has(key)) this.arm(known.timer);
  }

  private rearm(timer: unknown): void {
    if (this.timers.has(JSON.stringify(timer))) this.arm(timer);
  }

  private fireNow(timer: unknown): void {
    const key = JSON.stringify(timer);
    const known = this.timers.get(key);
    if (known === undefined) return;
    clearTimeout(known.handle);
    known.handle = setTimeout(() => this.fire(key), 0);
  }

  private applyLocal(action: LocalAction): void {
    const local = this.options.binding.local;
    if (local === undefined || this.stopped) return;
    const next = local(this.state, action);
    if (deepEqual(next, this.state)) return;
    this.write({ t: "local", action });
    this.state = next;
  }

  /**
   * Reports the binding's status when it changes: at once when the role or
   * term changes (the run follows the leader by them), otherwise at most
   * every STATUS_INTERVAL_MS (a leader's commit index changes on every
   * step, and an IPC message per step was a tenth of its time).
   */
  private reportStatus(): void {
    if (this.options.onStatus === undefined || this.stopped) return;
    const status = this.options.binding.status(this.state, this.options.self);
    const last = this.lastStatus;
    if (last !== undefined && deepEqual(status, last)) return;
    if (last === undefined || last.role !== status.role || last.term !== status.term) return this.sendStatus(status);
    if (this.statusTimer === undefined)
      this.statusTimer = setTimeout(
        () => {
          this.statusTimer = undefined;
          this.reportStatus();
        },
        Math.max(0, this.statusSentAt + STATUS_INTERVAL_MS - Date.now()),
      );
  }

  private sendStatus(status: NodeStatus): void {
    if (this.statusTimer !== undefined) clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    this.lastStatus = status;
    this.statusSentAt = Date.now();
    this.options.onStatus?.(status);
  }

  /**
   * Input-log lines are buffered and written once per event-loop turn, before
   * the turn's fsync: a write per input queued behind the fsync and cost the
   * leader 1.5 s of an 8 s saturating run (measured with --cpu-prof).
   */
  private write(line: unknown): void {
    if (this.inputLog === undefined) return;
    this.logBuffer.push(JSON.stringify(line));
    this.scheduleFlush();
  }

  private flushLog(): void {
    if (this.inputLog === undefined || this.logBuffer.length === 0) return;
    const text = `${this.logBuffer.join("\n")}\n`;
    this.logBuffer = [];
    this.inputLog.append(text);
  }
}

/** A node's state at boot: `init`, or after a crash the checker's restart with the durable fields read back. */
export function bootState<S>(
  role: RoleDef<S, unknown, unknown, unknown>,
  setup: NodeSetup<unknown>,
  restored: Record<string, unknown> | undefined,
): S {
  return restored === undefined ? role.init(setup) : restartedState(role, setup, restored);
}
