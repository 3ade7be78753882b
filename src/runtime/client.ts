/**
 * Clients of the Raft key-value store on a real network. Each client runs the
 * client reducer of specs/raft/client.ts, unchanged: it records the
 * invocation, sends the request, retries at the next server on its timer with
 * the same sequence number (the store applies it once), and records the
 * completion. This shell adds what a real client needs around it:
 *
 * - the retry timer is real (`attemptMs`); a `NotLeader` answer moves on to
 *   the next server after a short backoff (`backoffMs` times the attempt);
 * - an operation not answered within `deadlineMs` ends as `info` (its outcome
 *   is unknown) and the client is retired: the next operation of its slot
 *   runs under a new client id (Jepsen's rule: a process with an operation
 *   pending forever cannot invoke another);
 * - a client pinned to one server never retries elsewhere (targeted scenarios:
 *   "read from the old leader"); a `NotLeader` then fails the operation, which
 *   certainly did not take effect.
 *
 * Every event goes to the history in the JSON Lines format of src/history,
 * with `time` in microseconds since the run started.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { HistoryEvent } from "../history/types.js";
import type { NodeContext } from "../protocol.js";
import { reduceClient, invocationOf, type ClientInput, type ClientState, type ClientStep, type KvOp, type KvResult } from "../../specs/raft.js";
import { decodeFrame, emptyCounters, encodeFrame, isCount, isRecord } from "./wire.js";
import { openTransport, type Transport, type TransportKind } from "./transport.js";

/** How an operation ended. */
export type Outcome = { readonly type: "ok"; readonly value: unknown } | { readonly type: "fail" } | { readonly type: "info" };

/** Client timing. */
export interface ClientTiming {
  /** How long an attempt waits for an answer before the next server is tried. */
  readonly attemptMs: number;
  /** How long an operation may take in all before it ends as `info`. */
  readonly deadlineMs: number;
  /** Backoff after a NotLeader answer, times the attempt number. */
  readonly backoffMs: number;
}

/** Defaults: an attempt outlasts an election (150-300 ms); an operation survives a few. */
export const DEFAULT_TIMING: ClientTiming = { attemptMs: 400, deadlineMs: 2000, backoffMs: 10 };

interface Pending {
  readonly op: KvOp;
  readonly resolve: (o: Outcome) => void;
  readonly deadline: NodeJS.Timeout;
  retry: NodeJS.Timeout | undefined;
  readonly pin: string | undefined;
}

interface Client {
  readonly id: string;
  state: ClientState;
  pending: Pending | undefined;
}

/** Where the clients write their history. */
export interface HistorySink {
  write(event: HistoryEvent): void;
  close(): void;
}

/** A history file in JSON Lines, written synchronously (events keep their order, a crash loses nothing written). */
export function historyFile(path: string): HistorySink & { events: number } {
  const fd = openSync(path, "w");
  const sink = {
    events: 0,
    write(event: HistoryEvent) {
      writeSync(fd, `${JSON.stringify(event)}\n`);
      sink.events++;
    },
    close: () => closeSync(fd),
  };
  return sink;
}

/** A validated answer from a server: a ClientReply or a NotLeader. */
type Answer = { readonly type: "ClientReply"; readonly seq: number; readonly result: KvResult } | { readonly type: "NotLeader"; readonly seq: number };

function answerOf(m: Readonly<Record<string, unknown>>): Answer | undefined {
  if (!isCount(m["seq"])) return undefined;
  if (m["type"] === "NotLeader") return { type: "NotLeader", seq: m["seq"] };
  if (m["type"] !== "ClientReply" || !isRecord(m["result"])) return undefined;
  const r = m["result"];
  switch (r["type"]) {
    case "get":
      return r["value"] === null || (typeof r["value"] === "number" && Number.isSafeInteger(r["value"]))
        ? { type: "ClientReply", seq: m["seq"], result: { type: "get", value: r["value"] } }
        : undefined;
    case "put":
      return { type: "ClientReply", seq: m["seq"], result: { type: "put" } };
    case "cas":
      return typeof r["swapped"] === "boolean" ? { type: "ClientReply", seq: m["seq"], result: { type: "cas", swapped: r["swapped"] } } : undefined;
    default:
      return undefined;
  }
}

/** Where an operation goes first, and whether it may go elsewhere. */
export interface InvokeOptions {
  /** The server of the first attempt (default: the last one that answered this client). */
  readonly server?: string;
  /** Never retry at another server: wait for this one until the deadline. */
  readonly pinned?: boolean;
  /** This operation's deadline instead of the clients' `deadlineMs`. */
  readonly deadlineMs?: number;
}

/** The clients of one run, sharing one endpoint. */
export class KvClients {
  private readonly clients = new Map<string, Client>();
  private nextId = 1;
  private readonly started = performance.now();
  /** Frames from servers that were dropped (malformed, unknown client...). */
  readonly dropped = emptyCounters();
  private constructor(
    private readonly transport: Transport,
    private readonly nodes: readonly string[],
    private readonly ports: () => Readonly<Record<string, number>>,
    private readonly history: HistorySink,
    private readonly timing: ClientTiming,
  ) {}

  /** Opens the clients' endpoint; node ports are read at each send (a restarted node keeps its port). */
  static async open(options: {
    readonly transport: TransportKind;
    readonly nodes: readonly string[];
    readonly ports: () => Readonly<Record<string, number>>;
    readonly history: HistorySink;
    readonly timing?: ClientTiming;
  }): Promise<KvClients> {
    let self: KvClients | undefined;
    const transport = await openTransport(options.transport, {
      onFrame: (frame) => self?.receive(frame),
      onOversized: () => self && self.dropped.oversized++,
    });
    self = new KvClients(transport, options.nodes, options.ports, options.history, options.timing ?? DEFAULT_TIMING);
    return self;
  }

  /** The port servers answer to. */
  get port(): number {
    return this.transport.port;
  }

  /** A new client id (`c1`, `c2`, ...). */
  newClient(): string {
    const id = `c${this.nextId++}`;
    this.clients.set(id, { id, state: { seq: 0, pending: null, leader: this.nodes[(this.nextId - 2) % this.nodes.length]! }, pending: undefined });
    return id;
  }

  /**
   * Runs one operation as client `id`: resolves with its outcome. After
   * `info` the client is retired; the caller takes a new one.
   */
  invoke(id: string, op: KvOp, options: InvokeOptions = {}): Promise<Outcome> {
    const client = this.clients.get(id);
    if (client === undefined || client.pending !== undefined) throw new Error(`client ${id} is retired or busy`);
    if (options.server !== undefined) client.state = { ...client.state, leader: options.server };
    return new Promise((resolve) => {
      const deadline = setTimeout(() => this.giveUp(client), options.deadlineMs ?? this.timing.deadlineMs);
      client.pending = { op, resolve, deadline, retry: undefined, pin: options.pinned === true ? client.state.leader : undefined };
      this.step(client, { type: "Invoke", op }, undefined);
    });
  }

  private ctx(client: Client, from: string | undefined): NodeContext<unknown> {
    return { self: client.id, from, kind: from === undefined ? "choice" : "message", params: {}, nodes: this.nodes, roles: { server: this.nodes } };
  }

  private step(client: Client, input: ClientInput, from: string | undefined): void {
    const result: ClientStep | undefined = reduceClient(client.state, input, this.ctx(client, from));
    if (result === undefined) return;
    client.state = result.state;
    for (const e of result.effects) {
      switch (e.type) {
        case "record":
          this.history.write({ ...e.event, time: this.now() });
          if (e.event.type !== "invoke") this.finish(client, e.event);
          break;
        case "send": {
          const port = this.ports()[e.to];
          if (port !== undefined) this.transport.send(port, encodeFrame({ from: client.id, to: e.to, msg: e.msg }));
          break;
        }
        case "setTimer":
          this.armRetry(client, this.timing.attemptMs);
          break;
        case "cancelTimer":
          if (client.pending?.retry !== undefined) clearTimeout(client.pending.retry);
          break;
        case "broadcast":
          break;
      }
    }
  }

  private armRetry(client: Client, ms: number): void {
    const pending = client.pending;
    if (pending === undefined) return;
    if (pending.retry !== undefined) clearTimeout(pending.retry);
    // A pinned client waits for its one server until the deadline.
    if (pending.pin !== undefined) return;
    pending.retry = setTimeout(() => this.step(client, { type: "RetryTimeout" }, undefined), ms);
  }

  private finish(client: Client, event: HistoryEvent): void {
    const pending = client.pending;
    if (pending === undefined) return;
    clearTimeout(pending.deadline);
    if (pending.retry !== undefined) clearTimeout(pending.retry);
    client.pending = undefined;
    pending.resolve(event.type === "ok" ? { type: "ok", value: event.value } : { type: "fail" });
  }

  /** The deadline passed: the outcome is unknown; the client is retired. */
  private giveUp(client: Client): void {
    const pending = client.pending;
    if (pending === undefined) return;
    if (pending.retry !== undefined) clearTimeout(pending.retry);
    this.history.write({ ...invocationOf(client.id, pending.op), type: "info", time: this.now() });
    client.pending = undefined;
    this.clients.delete(client.id);
    pending.resolve({ type: "info" });
  }

  private receive(frame: Buffer): void {
    const decoded = decodeFrame(frame, this.transport.maxFrameBytes);
    if (!decoded.ok) return void this.dropped[decoded.reason]++;
    const { from, to, msg } = decoded.envelope;
    const client = this.clients.get(to);
    if (client === undefined) return void this.dropped.misaddressed++;
    if (!this.nodes.includes(from)) return void this.dropped.unknownPeer++;
    const answer = answerOf(msg);
    if (answer === undefined) return void this.dropped.invalid++;
    this.dropped.delivered++;
    const pending = client.pending;
    if (answer.type === "ClientReply") return this.step(client, answer, from);
    if (pending === undefined || client.state.pending?.seq !== answer.seq) return;
    if (pending.pin !== undefined) {
      // The pinned server is not the leader: the request was not appended anywhere.
      this.history.write({ ...invocationOf(client.id, pending.op), type: "fail", time: this.now() });
      this.finish(client, { ...invocationOf(client.id, pending.op), type: "fail" });
      client.state = { ...client.state, pending: null };
      return;
    }
    this.armRetry(client, this.timing.backoffMs * (client.state.pending.attempt ?? 1));
  }

  private now(): number {
    return Math.round((performance.now() - this.started) * 1000);
  }

  /** Gives up every pending operation (as `info`) and closes the endpoint. */
  async close(): Promise<void> {
    for (const client of [...this.clients.values()]) this.giveUp(client);
    await this.transport.close();
  }
}
