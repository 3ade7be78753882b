/**
 * An in-process stand-in for Maelstrom: runs N `MaelstromNode`s, routes their
 * messages through one queue (optionally dropping inter-node messages with a
 * seeded random choice), and plays the clients. Time is virtual: the nodes'
 * periodic timers fire only when the harness ticks, which it does when the
 * queue runs dry. Everything is bounded by counts, never by wall-clock time.
 */
import { MaelstromNode, type Body, type MaelstromSpec, type Message } from "./maelstrom.js";
import { seededRandom } from "../../src/runtime/index.js";

export interface ClusterOptions {
  /** Number of nodes, named n1..nN (default 3). */
  readonly nodes?: number;
  /** Probability of dropping a message between two nodes (default 0). */
  readonly dropRate?: number;
  /** Seed of the drops (default 1). */
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

  constructor(
    readonly spec: MaelstromSpec,
    private readonly options: ClusterOptions = {},
  ) {
    this.nodeIds = Array.from({ length: options.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    this.rand = seededRandom(options.seed ?? 1);
    for (const id of this.nodeIds) {
      this.nodes.set(
        id,
        new MaelstromNode(spec, {
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

  private readonly isolated = new Set<string>();

  /** Drops every message between `node` and the other nodes from now on (a partition; clients still reach it). */
  isolate(node: string): void {
    this.isolated.add(node);
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
      this.replies.set(`${m.dest}/${m.body.in_reply_to}`, m.body);
    } else {
      this.logs.push(`to client ${m.dest} without in_reply_to: ${JSON.stringify(m)}`);
    }
  }

  /** Delivers queued messages, ticking the timers when the queue is empty, until `done` or the bounds. True if `done`. */
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

  /** Sends a client request to `node` and runs the cluster until the reply arrives; throws if it does not within the bounds. */
  request(node: string, body: { type: string; [field: string]: unknown }, client = "c1"): Body {
    const msgId = this.clientMsgId++;
    this.queue.push({ src: client, dest: node, body: { ...body, msg_id: msgId } });
    const key = `${client}/${msgId}`;
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

  /** Runs until the queue is empty and a timer tick sends nothing (all gossip acknowledged); false if the bounds hit first. */
  settle(): boolean {
    return this.runUntil(() => this.queue.length === 0 && this.tick() === 0);
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
}
