/**
 * A worker of a distributed search: owns one partition of the fingerprint
 * space, expands its share of each BFS level and sends the successors other
 * partitions own to them through the broker. Started by the coordinator
 * (one child process per partition) or by hand on other machines with
 * `interleave worker --distributed <url> --partition <k>`.
 *
 * A level ends for a worker when it has expanded its share, sent every other
 * worker an end-of-level message with the number of states it sent it, and
 * received every state the others said they sent it; then it reports its
 * counts to the coordinator, which starts the next level (a barrier).
 */
import { selectProperties, type Model } from "../../src/index.js";
import { deepFreeze, realNow, trapNondeterminism } from "../../src/user-code.js";
import { defaultMemoryLimit } from "../explore.js";
import { Expander, type Found } from "../expander.js";
import { Frontier } from "../frontier.js";
import { loadSpecSource } from "../spec-source.js";
import { UsageError } from "../usage-error.js";
import { connectBroker, type NatsConnection } from "./broker.js";
import { PartitionStore, ROUTED, RoutingSet } from "./partition.js";
import {
  decode,
  encode,
  subjects,
  type Batch,
  type Control,
  type DataMessage,
  type EndOfLevel,
  type JoinReply,
  type LevelReport,
  type Setup,
} from "./protocol.js";

/** How a worker finds its run. */
export interface WorkerOptions {
  readonly url: string;
  readonly partition: number;
  /** The run's name (the coordinator's `--run`). */
  readonly run: string;
  /** How long to wait for the coordinator to answer (ms). */
  readonly waitMs: number;
}

/** States per batch to start with; adapted so that a batch stays well under the broker's payload limit. */
const FIRST_BATCH = 256;
/** Expand for at most this long before letting the event loop read the broker's messages. */
const SLICE_MS = 10;
/** A coordinator silent for this long is taken for gone (it sends a beat every second). */
const SILENCE_MS = 20_000;

/**
 * Joins the run, serves levels until the coordinator says stop, and returns
 * the exit code (0; input errors are thrown as UsageError).
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const nc = await connectBroker(options.url, `interleave worker ${options.partition}`);
  try {
    const setup = await join(nc, options);
    const spec = await loadSpecSource(setup.spec);
    const instantiated = spec.instantiate(setup.instantiate);
    const model = setup.properties.length > 0 ? selectProperties(instantiated, setup.properties) : instantiated;
    const worker = new PartitionWorker(nc, options, setup, model);
    await worker.finished;
    return 0;
  } finally {
    if (!nc.isClosed()) await nc.drain().catch(() => {});
  }
}

/** Asks the coordinator for the setup until it answers (it may start after the workers). */
async function join(nc: NatsConnection, options: WorkerOptions): Promise<Setup> {
  const until = realNow() + options.waitMs;
  for (;;) {
    try {
      const reply = decode<JoinReply>(
        (await nc.request(subjects(options.run).join, encode({ partition: options.partition }), { timeout: 2000 }))
          .data,
      );
      if (reply.type === "refused")
        throw new UsageError(
          `the coordinator of run "${options.run}" refused partition ${options.partition}: ${reply.reason}`,
        );
      return reply.setup;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (realNow() > until)
        throw new UsageError(
          `no coordinator of run "${options.run}" answered on ${options.url} within ${Math.round(options.waitMs / 1000)} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

class PartitionWorker {
  readonly finished: Promise<void>;
  private finish!: () => void;
  private readonly subjects: ReturnType<typeof subjects>;
  private readonly own: PartitionStore;
  private readonly routing: RoutingSet;
  private readonly expander: Expander<unknown>;
  private current: Frontier<unknown>;
  private next: Frontier<unknown>;
  private readonly outbox: Outbox[];
  /** The level under way (-2 before the first). */
  private level = -2;
  private expanding = false;
  private halted = false;
  private timedOut = false;
  private memory = false;
  private deepest = 0;
  private reported = true;
  /** Messages for a level this worker has not started. */
  private early: DataMessage[] = [];
  private ends = new Map<number, number>();
  private received: number[];
  private readonly maxMemory: number;
  private readonly freeze: (state: unknown) => void;
  private readonly beat: ReturnType<typeof setInterval>;
  private coordinatorSeen = Date.now();
  private slices = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: WorkerOptions,
    private readonly setup: Setup,
    private readonly model: Model<unknown>,
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.current = new Frontier("fifo", undefined, model.codec);
    this.next = new Frontier("fifo", undefined, model.codec);
    this.subjects = subjects(options.run);
    const n = setup.partitions;
    this.own = new PartitionStore(options.partition, n);
    this.routing = new RoutingSet(this.own);
    this.received = new Array<number>(n).fill(0);
    this.outbox = Array.from({ length: n }, () => new Outbox());
    this.maxMemory = setup.maxMemoryBytes ?? defaultMemoryLimit();
    this.freeze = setup.guards.guards === false ? () => {} : model.freeze ? (s) => model.freeze!(s) : deepFreeze;
    this.expander = new Expander(
      model,
      this.routing,
      (state, index, hi, lo, depth) => this.onNew(state, index, hi, lo, depth),
      setup.maxStates,
      setup.guards,
    );
    // A worker lives for one search: the traps stay installed until it ends.
    if (setup.guards.guards !== false) trapNondeterminism();
    nc.subscribe(this.subjects.ctl, { callback: (_e, m) => this.control(decode<Control>(m.data)) });
    nc.subscribe(this.subjects.data(options.partition), {
      callback: (_e, m) => {
        try {
          this.data(decode<DataMessage>(m.data));
        } catch (error) {
          this.die(error);
        }
      },
    });
    nc.subscribe(this.subjects.ask(options.partition), {
      callback: (_e, m) => {
        const ids = decode<number[]>(m.data);
        try {
          m.respond(encode({ links: ids.map((id) => this.own.link(id)) }));
        } catch (error) {
          m.respond(encode({ error: error instanceof Error ? error.message : String(error) }));
        }
      },
    });
    const beat = encode({ partition: options.partition });
    // The first beat, sent after the subscriptions, tells the coordinator this worker is ready.
    nc.publish(this.subjects.beat, beat);
    this.beat = setInterval(() => {
      this.nc.publish(this.subjects.beat, beat);
      if (Date.now() - this.coordinatorSeen > SILENCE_MS)
        this.die(new Error(`the coordinator of run "${options.run}" has been silent for ${SILENCE_MS / 1000} s`));
    }, 1000);
    void nc.closed().then(() => this.stop());
  }

  /** A fault of the checker itself: the coordinator sees this worker fail by its exit (or its silence). */
  private die(error: unknown): never {
    process.stderr.write(
      `interleave worker ${this.options.partition}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(2);
  }

  private stop(): void {
    clearInterval(this.beat);
    this.finish();
  }

  private control(c: Control): void {
    switch (c.type) {
      case "level":
        void this.runLevel(c.level, c.deadline).catch((error: unknown) => this.die(error));
        return;
      case "halt":
        this.halted = true;
        return;
      case "beat":
        this.coordinatorSeen = Date.now();
        return;
      case "stop":
        this.stop();
        return;
    }
  }

  private async runLevel(level: number, deadline: number): Promise<void> {
    this.level = level;
    this.reported = false;
    this.expanding = true;
    this.ends = new Map();
    this.received.fill(0);
    this.routing.nextLevel();
    this.current = this.next;
    this.next = new Frontier("fifo", undefined, this.model.codec);
    const early = this.early;
    this.early = [];
    for (const m of early) this.data(m);
    if (level < 0) {
      if (this.options.partition === 0) this.expander.addInitial();
    } else {
      await this.expandAll(deadline);
    }
    for (let to = 0; to < this.outbox.length; to++) this.flush(to);
    for (let to = 0; to < this.outbox.length; to++) {
      if (to === this.options.partition) continue;
      const end: EndOfLevel = { type: "end", level, from: this.options.partition, sent: this.outbox[to]!.sent };
      this.nc.publish(this.subjects.data(to), encode(end));
      this.outbox[to]!.sent = 0;
    }
    this.expanding = false;
    this.maybeReport();
  }

  private async expandAll(deadline: number): Promise<void> {
    const { expander, current } = this;
    let expanded = 0;
    let sliceEnd = realNow() + SLICE_MS;
    while (!expander.violation && !expander.full && !this.halted && !this.timedOut && !this.memory) {
      if (!current.take()) return;
      expander.expand(current.state, current.index, current.hi, current.lo, current.depth);
      if ((++expanded & 63) === 0) {
        for (let to = 0; to < this.outbox.length; to++)
          if (this.outbox[to]!.length >= this.outbox[to]!.size) this.flush(to);
        const now = realNow();
        if (now > sliceEnd) {
          if (Date.now() > deadline) this.timedOut = true;
          // Reading the RSS is a system call: every 16th slice is enough.
          if ((++this.slices & 15) === 0 && process.memoryUsage.rss() > this.maxMemory * 0.9) this.memory = true;
          // Let the client read the broker's messages (states for this partition) and send ours.
          await new Promise((resolve) => setImmediate(resolve));
          sliceEnd = realNow() + SLICE_MS;
        }
      }
    }
  }

  private onNew(state: unknown, index: number, hi: number, lo: number, depth: number): void {
    if (index === ROUTED) {
      const { owner, parent, ordinal } = this.routing.lastRouted;
      this.outbox[owner]!.push(state, parent, ordinal, hi, lo);
      return;
    }
    if (depth > this.deepest) this.deepest = depth;
    this.next.push(state, index, hi, lo, depth);
  }

  private flush(to: number): void {
    const box = this.outbox[to]!;
    if (box.length === 0) return;
    const batch = box.take(this.level, this.options.partition);
    let bytes = encode(batch);
    const limit = this.nc.info?.max_payload ?? 1 << 20;
    // Halve the batch until it fits the broker's payload limit (then send smaller ones from now on).
    const parts: Batch[] = [batch];
    while (bytes.length > limit * 0.75 && parts[0]!.states.length > 1) {
      box.size = Math.max(1, box.size >> 1);
      const halves = parts.flatMap(split);
      parts.splice(0, parts.length, ...halves);
      bytes = encode(parts[0]);
    }
    if (parts.length === 1) {
      if (bytes.length < limit / 8 && box.size < 8192) box.size *= 2;
      this.nc.publish(this.subjects.data(to), bytes);
    } else {
      for (const p of parts) this.nc.publish(this.subjects.data(to), encode(p));
    }
  }

  private data(m: DataMessage): void {
    if (m.level > this.level) {
      this.early.push(m);
      return;
    }
    if (m.type === "end") {
      this.ends.set(m.from, m.sent);
    } else {
      this.absorb(m);
      this.received[m.from]! += m.states.length;
    }
    this.maybeReport();
  }

  /** Stores the states another worker sent; the new ones wait for the next level. */
  private absorb(b: Batch): void {
    const depth = b.level + 1;
    for (let k = 0; k < b.states.length; k++) {
      const id = this.own.insert(b.his[k]!, b.los[k]!, b.parents[k]!, b.ordinals[k]!);
      if (id < 0) continue;
      let state = b.states[k];
      if (this.model.adopt) state = this.model.adopt(state);
      this.freeze(state);
      if (depth > this.deepest) this.deepest = depth;
      this.next.push(state, id, b.his[k]!, b.los[k]!, depth);
    }
  }

  private maybeReport(): void {
    if (this.reported || this.expanding) return;
    const n = this.setup.partitions;
    for (let from = 0; from < n; from++) {
      if (from === this.options.partition) continue;
      const sent = this.ends.get(from);
      if (sent === undefined || this.received[from]! < sent) return;
      if (this.received[from]! > sent)
        throw new Error(
          `partition ${from} said it sent ${sent} states in level ${this.level}, ${this.received[from]} arrived`,
        );
    }
    this.reported = true;
    const e = this.expander;
    const report: LevelReport = {
      partition: this.options.partition,
      level: this.level,
      stored: this.own.size,
      next: this.next.length,
      generated: e.generated,
      deepest: this.deepest,
      ...(e.violation ? { violation: this.acrossCluster(e.violation) } : {}),
      full: e.full,
      timedOut: this.timedOut,
      halted: this.halted,
      memory: this.memory,
      reached: e.reached,
      coverage: [],
      activity: [...(this.model.activity?.() ?? [])],
      rssBytes: process.memoryUsage.rss(),
    };
    this.nc.publish(this.subjects.report, encode(report));
  }

  /** A violation on a state routed elsewhere names its parent and ordinal instead (the state is not stored here). */
  private acrossCluster(v: Found): Found {
    if (v.index !== ROUTED) return v;
    const { parent, ordinal } = this.routing.lastRouted;
    const { index: _index, ordinal: _ordinal, ...rest } = v;
    return parent < 0 ? { ...rest, index: -1, initOrdinal: ordinal } : { ...rest, index: parent, ordinal };
  }
}

function split(b: Batch): Batch[] {
  const h = b.states.length >> 1;
  const part = (from: number, to: number): Batch => ({
    ...b,
    states: b.states.slice(from, to),
    parents: b.parents.slice(from, to),
    ordinals: b.ordinals.slice(from, to),
    his: b.his.slice(from, to),
    los: b.los.slice(from, to),
  });
  return [part(0, h), part(h, b.states.length)];
}

/** States waiting to be sent to one partition. */
class Outbox {
  /** States per batch (adapted to the payload limit). */
  size = FIRST_BATCH;
  /** States sent in this level. */
  sent = 0;
  private states: unknown[] = [];
  private parents: number[] = [];
  private ordinals: number[] = [];
  private his: number[] = [];
  private los: number[] = [];

  get length(): number {
    return this.states.length;
  }

  push(state: unknown, parent: number, ordinal: number, hi: number, lo: number): void {
    this.states.push(state);
    this.parents.push(parent);
    this.ordinals.push(ordinal);
    this.his.push(hi);
    this.los.push(lo);
  }

  take(level: number, from: number): Batch {
    const batch: Batch = {
      type: "batch",
      level,
      from,
      states: this.states,
      parents: Float64Array.from(this.parents),
      ordinals: Int32Array.from(this.ordinals),
      his: Uint32Array.from(this.his),
      los: Uint32Array.from(this.los),
    };
    this.sent += this.states.length;
    this.states = [];
    this.parents = [];
    this.ordinals = [];
    this.his = [];
    this.los = [];
    return batch;
  }
}
