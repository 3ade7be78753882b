/**
 * An in-process stand-in for Maelstrom: runs N `MaelstromNode`s, routes their
 * messages through one queue (optionally dropping inter-node messages with a
 * seeded random choice, or all messages across a partition), and plays the
 * clients. Time is virtual: the nodes' periodic timers fire only when the
 * harness ticks. Everything is bounded by counts, never by wall-clock time,
 * and seeded, so a run is the same every time.
 *
 * `runLinKv` plays Maelstrom's lin-kv workload (`maelstrom test -w lin-kv
 * --node-count 3 --rate 10 --concurrency 2n`): one client per concurrency
 * slot, each bound to a node (slot i to node i mod n), issuing an even mix
 * of reads, writes of 0..4 and compare-and-sets of 0..4 to 0..4 on a few
 * keys, at `rate` operations per second in all, and recording the history
 * as Jepsen does: `ok`, `fail` for definite errors, `info` for a timeout or
 * an indefinite error (after which the slot's next client is a new process).
 * A definite error that is not the store's answer (11 temporarily
 * unavailable, 10, 12, 14...: the operation did not happen and observed
 * nothing) is counted as `fail` and left out of the history, as Knossos drops
 * Maelstrom's failed operations; only 20 (key does not exist) and 22
 * (precondition failed) stay, because the register model reads a failed cas
 * as "the register did not hold `from`".
 */
import { MAELSTROM_ERROR_CODES, MaelstromError, type HistoryEvent, type Json } from "../../src/index.js";
import { seededRandom } from "../../src/runtime/index.js";
import { MaelstromNode, type Body, type Message } from "./maelstrom.js";

export interface ClusterOptions {
  /** Number of nodes, named n1..nN (default 3). */
  readonly nodes?: number;
  /** Probability of dropping a message between two nodes (default 0). */
  readonly dropRate?: number;
  /** Seed of the drops and of the nodes' random timers (default 1). */
  readonly seed?: number;
  /** Upper bound on deliveries per `request`/`settle` (default 100000). */
  readonly maxDeliveries?: number;
  /** Upper bound on virtual timer ticks per `request`/`settle` (default 1000). */
  readonly maxTicks?: number;
  /** The nodes' clock (default Date.now; ignored with `tickMs`). */
  readonly now?: () => number;
  /** Virtual time: the nodes' clock starts at 0 and advances this many ms per tick. */
  readonly tickMs?: number;
}

export class MaelstromCluster {
  readonly nodeIds: readonly string[];
  readonly nodes = new Map<string, MaelstromNode>();
  /** Replies received by clients, by client and in_reply_to. */
  private readonly replies = new Map<string, Body>();
  private readonly queue: Message[] = [];
  private readonly timers: (() => void)[] = [];
  private readonly rand: () => number;
  private clientMsgId = 1;
  /** The virtual clock (with `tickMs`). */
  private virtualNow = 0;
  /** Counters for reports. */
  readonly stats = { delivered: 0, dropped: 0, ticks: 0 };
  readonly logs: string[] = [];
  /** Every error code a node answered a client with, and how often. */
  readonly errorCodes = new Map<number, number>();

  constructor(
    readonly workload: string,
    private readonly options: ClusterOptions = {},
  ) {
    this.nodeIds = Array.from({ length: options.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    this.rand = seededRandom(options.seed ?? 1);
    for (const id of this.nodeIds) {
      this.nodes.set(
        id,
        new MaelstromNode(workload, {
          send: (m) => this.route(m),
          log: (line) => this.logs.push(`${id}: ${line}`),
          ...(options.tickMs !== undefined
            ? { now: () => this.virtualNow }
            : options.now === undefined
              ? {}
              : { now: options.now }),
          random: seededRandom((options.seed ?? 1) * 31 + id.length * 7 + Number(id.slice(1))),
          every: (_ms, f) => {
            this.timers.push(f);
            return () => {
              const i = this.timers.indexOf(f);
              if (i >= 0) this.timers.splice(i, 1);
            };
          },
        }),
      );
    }
  }

  /** The virtual clock, in ms. */
  get now(): number {
    return this.virtualNow;
  }

  private readonly isolated = new Set<string>();

  /** Drops every message between `node` and the other nodes from now on (a partition; clients still reach it). */
  isolate(node: string): void {
    this.isolated.add(node);
  }

  /** Ends every partition. */
  heal(): void {
    this.isolated.clear();
  }

  private route(m: Message): void {
    if (this.nodes.has(m.dest)) {
      if (this.nodes.has(m.src) && (this.isolated.has(m.src) || this.isolated.has(m.dest))) {
        this.stats.dropped++;
        return;
      }
      if (this.nodes.has(m.src) && (this.options.dropRate ?? 0) > 0 && this.rand() < (this.options.dropRate ?? 0)) {
        this.stats.dropped++;
        return;
      }
      this.queue.push(m);
    } else if (m.body.in_reply_to !== undefined) {
      if (m.body.type === "error" && typeof m.body["code"] === "number")
        this.errorCodes.set(m.body["code"], (this.errorCodes.get(m.body["code"]) ?? 0) + 1);
      this.replies.set(`${m.dest}/${m.body.in_reply_to}`, m.body);
    } else {
      this.logs.push(`to client ${m.dest} without in_reply_to: ${JSON.stringify(m)}`);
    }
  }

  /** Error codes answered that Maelstrom's protocol does not document (none, in a correct node). */
  undocumentedCodes(): number[] {
    return [...this.errorCodes.keys()].filter((c) => !(MAELSTROM_ERROR_CODES as readonly number[]).includes(c));
  }

  /**
   * Delivers queued messages, ticking the timers when the queue is empty, until `done` or the bounds. True if `done`.
   */
  private runUntil(done: () => boolean): boolean {
    let deliveries = 0;
    let ticks = 0;
    const maxDeliveries = this.options.maxDeliveries ?? 100_000;
    const maxTicks = this.options.maxTicks ?? 1000;
    while (!done()) {
      const m = this.queue.shift();
      if (m) {
        if (++deliveries > maxDeliveries) return false;
        this.stats.delivered++;
        this.nodes.get(m.dest)!.handle(m);
      } else {
        if (++ticks > maxTicks) return false;
        this.tick();
      }
    }
    return true;
  }

  /** Fires every node's periodic timers once; returns how many messages that queued. */
  tick(): number {
    const before = this.queue.length + this.stats.dropped;
    this.stats.ticks++;
    this.virtualNow += this.options.tickMs ?? 0;
    for (const f of [...this.timers]) f();
    return this.queue.length + this.stats.dropped - before;
  }

  /** Sends a client request without waiting; returns the key its reply will arrive under. */
  private submit(node: string, body: { type: string; [field: string]: unknown }, client: string): string {
    const msgId = this.clientMsgId++;
    this.queue.push({ src: client, dest: node, body: { ...body, msg_id: msgId } });
    return `${client}/${msgId}`;
  }

  /**
   * Sends a client request to `node` and runs the cluster until the reply arrives; throws if it does not within the
   * bounds.
   */
  request(node: string, body: { type: string; [field: string]: unknown }, client = "c1"): Body {
    const key = this.submit(node, body, client);
    if (!this.runUntil(() => this.replies.has(key)))
      throw new Error(`no reply from ${node} to ${JSON.stringify(body)} within the bounds`);
    const reply = this.replies.get(key)!;
    this.replies.delete(key);
    return reply;
  }

  /** Initialises every node (`init` → `init_ok`). */
  init(): void {
    for (const id of this.nodeIds) {
      const r = this.request(id, { type: "init", node_id: id, node_ids: this.nodeIds }, "c0");
      if (r.type !== "init_ok") throw new Error(`${id} answered init with ${JSON.stringify(r)}`);
    }
  }

  /**
   * Runs until the queue is empty and `quietTicks` timer ticks in a row send
   * nothing (all gossip acknowledged: with `tickMs`, make the quiet span
   * longer than the longest timer); false if the bounds hit first.
   */
  settle(quietTicks = 50): boolean {
    let quiet = 0;
    return this.runUntil(() => {
      if (this.queue.length > 0) return false;
      quiet = this.tick() === 0 ? quiet + 1 : 0;
      return quiet >= quietTicks;
    });
  }

  /** Ticks `n` times, delivering every message queued in between. */
  runTicks(n: number): void {
    for (let i = 0; i < n; i++) {
      this.tick();
      this.runUntil(() => this.queue.length === 0);
    }
  }

  /** Stops every node's timers. */
  stop(): void {
    for (const n of this.nodes.values()) n.stop();
  }

  /** Plays Maelstrom's lin-kv workload (see the module comment); the cluster must be initialised, with `tickMs`. */
  runLinKv(options: LinKvOptions): LinKvRun {
    const tickMs = this.options.tickMs;
    if (tickMs === undefined) throw new Error("runLinKv needs virtual time (tickMs)");
    const random = seededRandom(options.seed);
    const keys = options.keys ?? 3;
    const timeoutMs = options.timeoutMs ?? 1000;
    const slots = Array.from({ length: options.concurrency }, (_, i) => ({
      node: this.nodeIds[i % this.nodeIds.length]!,
      client: `c${i + 1}`,
      pending: undefined as undefined | { key: string; invoke: HistoryEvent; at: number; during: boolean },
    }));
    let nextClient = options.concurrency + 1;
    const history: HistoryEvent[] = [];
    const run: LinKvRun = {
      history,
      ok: 0,
      fail: 0,
      info: 0,
      codes: {},
      duringPartition: { majority: { ok: 0, fail: 0, info: 0 }, minority: { ok: 0, fail: 0, info: 0 } },
    };
    const majority = (node: string) => !(options.partition?.isolate ?? []).includes(node);
    const start = this.virtualNow;
    const end = start + options.durationMs;
    const complete = (slot: (typeof slots)[number], type: "ok" | "fail" | "info", value: Json, happened = true) => {
      const p = slot.pending!;
      if (happened) history.push({ ...p.invoke, type, value, time: this.virtualNow });
      else history.splice(history.lastIndexOf(p.invoke), 1);
      run[type]++;
      if (p.during) run.duringPartition[majority(slot.node) ? "majority" : "minority"][type]++;
      slot.pending = undefined;
      // Jepsen's rule: a process whose operation is indefinite never runs another.
      if (type === "info") slot.client = `c${nextClient++}`;
    };
    while (this.virtualNow < end || slots.some((s) => s.pending !== undefined)) {
      const now = this.virtualNow - start;
      if (options.partition !== undefined) {
        if (now === options.partition.atMs) for (const n of options.partition.isolate) this.isolate(n);
        if (now === options.partition.healMs) this.heal();
      }
      // Issue operations at `rate` per second in all, on a free slot chosen at random.
      const free = slots.filter((s) => s.pending === undefined);
      if (this.virtualNow < end && free.length > 0 && random() < (options.rate * tickMs) / 1000) {
        const slot = free[Math.floor(random() * free.length)]!;
        const key = String(Math.floor(random() * keys));
        const { f, body, value } = linKvOp(random, key);
        const invoke: HistoryEvent = { type: "invoke", process: slot.client, f, key, value, time: this.virtualNow };
        history.push(invoke);
        const cut = options.partition;
        const during = cut !== undefined && now >= cut.atMs && now < (cut.healMs ?? Infinity);
        slot.pending = { key: this.submit(slot.node, body, slot.client), invoke, at: this.virtualNow, during };
      }
      this.runUntil(() => this.queue.length === 0);
      for (const slot of slots) {
        const p = slot.pending;
        if (p === undefined) continue;
        const reply = this.replies.get(p.key);
        if (reply !== undefined) {
          this.replies.delete(p.key);
          if (reply.type === "error") {
            const code = reply["code"];
            run.codes[String(code)] = (run.codes[String(code)] ?? 0) + 1;
            const indefinite = code === MaelstromError.timeout || code === MaelstromError.crash;
            const answer = code === MaelstromError.keyDoesNotExist || code === MaelstromError.preconditionFailed;
            complete(slot, indefinite ? "info" : "fail", null, indefinite || answer);
          } else complete(slot, "ok", reply.type === "read_ok" ? (reply["value"] as Json) : p.invoke.value);
        } else if (this.virtualNow - p.at >= timeoutMs) complete(slot, "info", null);
      }
      this.tick();
    }
    return run;
  }
}

/** A lin-kv run: duration, rate, concurrency, and an optional partition. */
export interface LinKvOptions {
  readonly durationMs: number;
  /** Operations per second, over all clients. */
  readonly rate: number;
  /** Clients at once (Maelstrom's default for lin-kv: twice the nodes). */
  readonly concurrency: number;
  readonly seed: number;
  /** Keys (default 3). */
  readonly keys?: number;
  /** How long a client waits for a reply before it records `info` (default 1000 ms). */
  readonly timeoutMs?: number;
  /** Cut `isolate` off from the other nodes from `atMs` until `healMs` (ms into the run). */
  readonly partition?: { readonly atMs: number; readonly healMs?: number; readonly isolate: readonly string[] };
}

/** What a lin-kv run recorded. */
export interface LinKvRun {
  readonly history: HistoryEvent[];
  ok: number;
  fail: number;
  info: number;
  /** The error codes of the run's replies, and how often each came. */
  readonly codes: Record<string, number>;
  /**
   * Outcomes of the operations invoked while the partition lasted, by the
   * side of the clients' node: the majority (not cut off) and the minority.
   */
  readonly duringPartition: Readonly<Record<"majority" | "minority", Record<"ok" | "fail" | "info", number>>>;
}

/** One lin-kv operation, an even mix as Maelstrom's: its history name, request body and history value. */
function linKvOp(
  random: () => number,
  key: string,
): { f: string; body: { type: string; [field: string]: unknown }; value: Json } {
  const r = random();
  if (r < 1 / 3) return { f: "read", body: { type: "read", key }, value: null };
  if (r < 2 / 3) {
    const v = Math.floor(random() * 5);
    return { f: "write", body: { type: "write", key, value: v }, value: v };
  }
  const from = Math.floor(random() * 5);
  const to = Math.floor(random() * 5);
  return { f: "cas", body: { type: "cas", key, from, to }, value: [from, to] };
}
