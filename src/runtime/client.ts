/**
 * The clients of a real run: each runs a client role's reducer of the spec,
 * unchanged. An operation starts with an input the role's `choices` offer
 * (or the workload's `next`), and enters the history through the `record`
 * effects the reducer emits: the `invoke` event it records, then the `ok` or
 * `fail` that completes it. Timers are real timeouts of the spec's
 * durations. This shell adds what a real client needs around the reducer:
 *
 * - an operation not completed within `deadlineMs` ends as `info` (its
 *   outcome is unknown) and the client is retired: the next operation of its
 *   slot runs under a new client id (Jepsen's rule: a process with an
 *   operation pending forever cannot invoke another), unless the workload
 *   says the role must not be retired;
 * - an answer the reducer does not take (Raft's `NotLeader`) goes to the
 *   workload's `answer`: retry after a backoff, or fail the operation;
 * - a client aimed at one node and pinned never retries elsewhere
 *   (targeted scenarios: "read from the old leader"): its timers stay off.
 *
 * Every event goes to the history in the JSON Lines format of src/history,
 * with `time` in microseconds since the run started.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { HistoryEvent } from "../history/types.js";
import type { Effect, NodeContext, NodeSetup, RoleDef } from "../protocol.js";
import type { RuntimeParamValues } from "../runtime-config.js";
import type { RuntimeBinding } from "./binding.js";
import { decodeFrame, emptyCounters, encodeFrame } from "./wire.js";
import { openTransport, type Transport, type TransportKind } from "./transport.js";

/** How an operation ended. */
export type Outcome =
  { readonly type: "ok"; readonly value: unknown } | { readonly type: "fail" } | { readonly type: "info" };

/**
 * How long an operation may take in all before it ends as `info`: an attempt outlasts an election, an operation
 * survives a few.
 */
const DEFAULT_DEADLINE_MS = 2000;

interface Pending {
  readonly resolve: (o: Outcome) => void;
  readonly deadline: NodeJS.Timeout | undefined;
  readonly pinned: boolean;
  /** The invocation this operation recorded. */
  invoked: HistoryEvent | undefined;
}

interface Client {
  readonly id: string;
  readonly role: string;
  readonly reducer: RoleDef<unknown, unknown, unknown, unknown>;
  /** The setup its reducer sees (built once: it lists every client so far). */
  readonly setup: NodeSetup<unknown>;
  state: unknown;
  pending: Pending | undefined;
  readonly timers: Map<string, { readonly timer: unknown; handle: NodeJS.Timeout }>;
}

/** Where the clients write their history. */
export interface HistorySink {
  write(event: HistoryEvent): void;
  close(): void;
}

/**
 * A history file in JSON Lines. Events keep their order; those of one turn of
 * the event loop are written together at its end (a write per event was a
 * tenth of the driver's time with 50 clients), so a crash of the driver loses
 * at most one turn's events.
 */
export function historyFile(path: string): HistorySink & { events: number } {
  const fd = openSync(path, "w");
  let buffered: string[] = [];
  const flush = () => {
    if (buffered.length === 0) return;
    const text = buffered.join("");
    buffered = [];
    writeSync(fd, text);
  };
  const sink = {
    events: 0,
    write(event: HistoryEvent) {
      if (buffered.length === 0) setImmediate(flush);
      buffered.push(`${JSON.stringify(event)}\n`);
      sink.events++;
    },
    close: () => {
      flush();
      closeSync(fd);
    },
  };
  return sink;
}

/** Where an operation goes first, and whether it may go elsewhere. */
export interface InvokeOptions {
  /** The node of the first attempt (through the workload's `aim`). */
  readonly server?: string;
  /** Never retry at another node: wait for this one until the deadline. */
  readonly pinned?: boolean;
  /** This operation's deadline instead of the clients' `deadlineMs`. */
  readonly deadlineMs?: number;
}

type AnyEffect = Effect<unknown, unknown>;

/** What the clients of one run share. */
export interface ClientsOptions {
  readonly transport: TransportKind;
  readonly binding: RuntimeBinding;
  readonly variant: string | undefined;
  /** Runtime parameter values (timer durations) and the workload's (`keys`...). */
  readonly params: RuntimeParamValues;
  /** Node ports by id, read at each send (a restarted node keeps its port). */
  readonly ports: () => Readonly<Record<string, number>>;
  readonly history: HistorySink;
  readonly deadlineMs?: number;
  readonly random?: () => number;
}

/** The clients of one run, sharing one endpoint. */
export class Clients {
  private readonly clients = new Map<string, Client>();
  private nextId = 1;
  private readonly started = performance.now();
  /** Frames from nodes that were dropped (malformed, unknown client...). */
  readonly dropped = emptyCounters();
  private constructor(
    private readonly transport: Transport,
    private readonly options: ClientsOptions,
  ) {}

  /** Opens the clients' endpoint. */
  static async open(options: ClientsOptions): Promise<Clients> {
    // The transport's callbacks need the clients, which need the transport: the box is filled just below.
    const box: { clients?: Clients } = {};
    const transport = await openTransport(options.transport, {
      onFrame: (frame) => box.clients?.receive(frame),
      onOversized: () => box.clients && box.clients.dropped.oversized++,
    });
    box.clients = new Clients(transport, options);
    return box.clients;
  }

  /** The port nodes answer to. */
  get port(): number {
    return this.transport.port;
  }

  /** A new client of `role` (`c1`, `c2`, ...), in the role's initial state. */
  newClient(role: string): string {
    const id = `c${this.nextId++}`;
    const reducer = this.options.binding.clientRole(this.options.variant, role);
    const setup = this.options.binding.clientSetup(id, role);
    const state = reducer.init(setup);
    this.clients.set(id, { id, role, reducer, setup, state, pending: undefined, timers: new Map() });
    return id;
  }

  /** Whether client `id` was retired (its last operation ended as `info` or failed outside the reducer). */
  retired(id: string): boolean {
    return !this.clients.has(id);
  }

  /** Client `id`'s reducer state and setup, for choosing its next operation. */
  stateOf(id: string): { state: unknown; setup: NodeSetup<unknown>; choices(): readonly unknown[] } | undefined {
    const client = this.clients.get(id);
    if (client === undefined) return undefined;
    return {
      state: client.state,
      setup: client.setup,
      // Asked only when the workload has no `next`.
      choices: () => client.reducer.choices?.(client.state, client.setup) ?? [],
    };
  }

  /**
   * Runs one operation as client `id`, starting with `input`: resolves with
   * its outcome. After `info` the client is retired; the caller takes a new one.
   */
  invoke(id: string, input: unknown, how: InvokeOptions = {}): Promise<Outcome> {
    const client = this.clients.get(id);
    if (client === undefined || client.pending !== undefined) throw new Error(`client ${id} is retired or busy`);
    const aim = this.options.binding.workload.aim;
    if (how.server !== undefined && aim !== undefined) client.state = aim(client.state, how.server);
    const retire = this.options.binding.workload.retire?.[client.role] ?? true;
    return new Promise((resolve) => {
      const ms = how.deadlineMs ?? this.options.deadlineMs ?? DEFAULT_DEADLINE_MS;
      const deadline = retire ? setTimeout(() => this.giveUp(client), ms) : undefined;
      client.pending = { resolve, deadline, pinned: how.pinned === true, invoked: undefined };
      const enabled = this.step(client, input, undefined);
      // An operation the reducer does not start (not enabled) never happened.
      if (!enabled || (client.pending !== undefined && client.pending.invoked === undefined))
        this.settle(client, { type: "fail" }, { record: false, retire: false });
    });
  }

  private ctx(client: Client, from: string | undefined): NodeContext<unknown> {
    return {
      ...client.setup,
      from,
      kind: from === undefined ? "choice" : "message",
    };
  }

  private step(client: Client, input: unknown, from: string | undefined, kind?: "timer"): boolean {
    const ctx = kind === undefined ? this.ctx(client, from) : { ...this.ctx(client, undefined), kind };
    const result = client.reducer.reduce(client.state, input, ctx) as
      { state: unknown; effects: readonly AnyEffect[] } | undefined;
    if (result === undefined) return false;
    client.state = result.state;
    for (const e of result.effects) this.perform(client, e);
    return true;
  }

  private perform(client: Client, e: AnyEffect): void {
    switch (e.type) {
      case "record": {
        const event = { ...e.event, time: this.now() };
        this.options.history.write(event);
        if (e.event.type === "invoke") {
          if (client.pending !== undefined) client.pending.invoked = e.event;
        } else {
          this.settle(
            client,
            e.event.type === "ok"
              ? { type: "ok", value: e.event.value }
              : e.event.type === "fail"
                ? { type: "fail" }
                : { type: "info" },
            { record: false, retire: e.event.type === "info" },
          );
        }
        return;
      }
      case "send":
        return this.transmit(client, e.to, e.msg);
      case "broadcast":
        for (const to of e.to) this.transmit(client, to, e.msg);
        return;
      case "setTimer":
        return this.arm(client, e.timer, undefined);
      case "cancelTimer": {
        const key = JSON.stringify(e.timer);
        const known = client.timers.get(key);
        if (known !== undefined) clearTimeout(known.handle);
        client.timers.delete(key);
        return;
      }
    }
  }

  private transmit(client: Client, to: string, msg: unknown): void {
    const port = this.options.ports()[to];
    if (port !== undefined) this.transport.send(port, encodeFrame({ from: client.id, to, msg }));
  }

  /** Arms a client timer (after `ms`, or the spec's duration); a pinned client's stay off. */
  private arm(client: Client, timer: unknown, ms: number | undefined): void {
    if (client.pending?.pinned === true) return;
    const key = JSON.stringify(timer);
    const known = client.timers.get(key);
    if (known !== undefined) clearTimeout(known.handle);
    const after = ms ?? this.options.binding.timerMs(timer, this.options.params, this.options.random ?? Math.random);
    const handle = setTimeout(() => {
      client.timers.delete(key);
      if (this.clients.get(client.id) === client) this.step(client, timer, undefined, "timer");
    }, after);
    client.timers.set(key, { timer, handle });
  }

  private clearTimers(client: Client): void {
    for (const { handle } of client.timers.values()) clearTimeout(handle);
    client.timers.clear();
  }

  /** Ends the pending operation: resolves it; with `record`, writes its completion; with `retire`, drops the client. */
  private settle(client: Client, outcome: Outcome, how: { record: boolean; retire: boolean }): void {
    const pending = client.pending;
    if (pending === undefined) return;
    if (pending.deadline !== undefined) clearTimeout(pending.deadline);
    client.pending = undefined;
    if (how.record && pending.invoked !== undefined)
      this.options.history.write({ ...pending.invoked, type: outcome.type, time: this.now() });
    if (how.retire) {
      this.clearTimers(client);
      this.clients.delete(client.id);
    }
    pending.resolve(outcome);
  }

  /** The deadline passed: the outcome is unknown; the client is retired. */
  private giveUp(client: Client): void {
    if (client.pending === undefined) return;
    this.settle(client, { type: "info" }, { record: true, retire: true });
  }

  private receive(frame: Buffer): void {
    const decoded = decodeFrame(frame, this.transport.maxFrameBytes);
    if (!decoded.ok) return void this.dropped[decoded.reason]++;
    const { from, to, msg } = decoded.envelope;
    const client = this.clients.get(to);
    if (client === undefined) return void this.dropped.misaddressed++;
    if (this.options.binding.nodeRoles[from] === undefined) return void this.dropped.unknownPeer++;
    let input: unknown;
    try {
      input = this.options.binding.answerInput(msg);
    } catch {
      input = undefined;
    }
    if (input !== undefined) {
      this.dropped.delivered++;
      this.step(client, input, from);
      return;
    }
    const answer = this.options.binding.workload.answer?.(msg, {
      pinned: client.pending?.pinned === true,
      state: client.state,
      params: this.options.params,
    });
    if (answer === undefined) return void this.dropped.invalid++;
    this.dropped.delivered++;
    if (answer.type === "fail") return this.settle(client, { type: "fail" }, { record: true, retire: true });
    for (const { timer } of [...client.timers.values()]) this.arm(client, timer, answer.afterMs);
  }

  private now(): number {
    return Math.round((performance.now() - this.started) * 1000);
  }

  /** Gives up every pending operation (as `info`) and closes the endpoint. */
  async close(): Promise<void> {
    for (const client of [...this.clients.values()]) {
      this.giveUp(client);
      this.clearTimers(client);
    }
    await this.transport.close();
  }
}
