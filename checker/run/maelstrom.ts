/**
 * Maelstrom's node protocol (https://github.com/jepsen-io/maelstrom): one JSON
 * message per line on stdin/stdout, `{"src","dest","body":{"type",...}}`,
 * logs on stderr. A node first gets `init` ({node_id, node_ids}) and answers
 * `init_ok`, then serves a workload.
 *
 * One generic node serves every workload: it runs a catalogue spec's role
 * reducer, unchanged, through the spec's `MaelstromMapping` (declared next
 * to the spec: which client body is which input, which message is which
 * reply, how node-to-node messages are validated) and the spec's runtime
 * configuration (timer durations, driver policies). No workload has node
 * code of its own here; see `MAELSTROM_WORKLOADS` for who serves what.
 *
 * What the node adds around any role, by Maelstrom's protocol:
 * - a client request the role does not take (not enabled, or taken with no
 *   effect and no change of state: a Raft server that knows no leader, a
 *   generator whose clock tick is used up) is offered again, with a fresh
 *   clock reading, at each poll for `retryMs`, then answered 11, temporarily
 *   unavailable: it certainly did not happen, and the client may retry;
 * - a reducer that throws on a request answers 13, crash (indefinite);
 * - a request left unanswered for `requestTimeoutMs` (forwarded to a leader
 *   that fell silent) is answered 0, timeout (indefinite), so the client
 *   moves on instead of waiting out its own timeout;
 * - an answer the role gives on another node (the leader a follower
 *   forwarded to) travels back to the node the client asked, which replies.
 *
 * Messages between nodes travel as `{type: "peer", msg}` (the role's own
 * message) and `{type: "relay", client, msg}` (an answer on its way back).
 *
 * The node is independent of stdio: `MaelstromNode` takes a `send` function,
 * a clock and a timer factory, so tests route messages between nodes in one
 * process (maelstrom-harness.ts).
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import {
  MaelstromError,
  resolveParams,
  type Effect,
  type HostControl,
  type MaelstromBody,
  type MaelstromErrorBody,
  type MaelstromErrorCode,
  type MaelstromMapping,
  type NodeContext,
  type NodeDriver,
  type NodeSetup,
  type RuntimeParamValues,
} from "../../src/index.js";
import { MAELSTROM_WORKLOADS, maelstromWorkloadNames } from "./maelstrom-workloads.js";

/** The body of a Maelstrom message. */
export type Body = MaelstromBody;

/** One Maelstrom message. */
export interface Message {
  readonly src: string;
  readonly dest: string;
  readonly body: Body;
}

/** What a node needs from its surroundings. */
export interface NodeEnv {
  /** Sends a message (to a client or another node). */
  send(message: Message): void;
  /** Writes a log line (stderr in the CLI). */
  log(line: string): void;
  /** The clock, in milliseconds (default Date.now). */
  now?(): number;
  /** Calls `f` every `ms` milliseconds until the returned function is called (default setInterval). */
  every?(ms: number, f: () => void): () => void;
  /** Random numbers in [0, 1) for timer durations (default Math.random). */
  random?(): number;
  /** How long a client request may stay unanswered before the node answers 0, timeout (default 1000 ms). */
  readonly requestTimeoutMs?: number;
  /** How long a request the role does not take is offered again before the node answers 11 (default 100 ms). */
  readonly retryMs?: number;
}

const defaultEvery = (ms: number, f: () => void): (() => void) => {
  const t = setInterval(f, ms);
  t.unref();
  return () => clearInterval(t);
};

/** How often the node looks for due timers and expired requests, in ms. */
const POLL_MS = 10;
/** A timer's duration when the spec's runtime configuration does not say. */
const DEFAULT_TIMER_MS = 100;

type Reply = { readonly type: string; readonly [field: string]: unknown };

/** A client request the node took and has not answered yet. */
interface Pending {
  readonly message: Message;
  readonly deadline: number;
}

/** One Maelstrom node: a spec's role reducer behind the spec's Maelstrom mapping. */
export class MaelstromNode {
  private nodeId: string | undefined;
  private nodeIds: readonly string[] = [];
  private nextMsgId = 1;
  private readonly now: () => number;
  private readonly every: (ms: number, f: () => void) => () => void;
  private readonly random: () => number;
  private readonly stops: (() => void)[] = [];
  private readonly mapping: MaelstromMapping;
  private readonly params: RuntimeParamValues;
  private state: unknown;
  private driver: NodeDriver<unknown, unknown, unknown> | undefined;
  private lastDriverTick = 0;
  /** Armed timers by their JSON: the timer and when it fires. */
  private readonly timers = new Map<string, { readonly timer: unknown; at: number }>();
  /** Client requests awaiting an answer, by `client/msg_id`. */
  private readonly pending = new Map<string, Pending>();
  /** Forwarded requests whose answer goes back to the node the client asked, by `client/msg_id`. */
  private readonly routes = new Map<string, string>();
  /** The request being handled, while its step runs. */
  private current: Message | undefined;
  /** Requests the role did not take, offered again until their deadline. */
  private readonly retrying: { readonly message: Message; readonly until: number }[] = [];

  constructor(
    readonly workload: string,
    private readonly env: NodeEnv,
  ) {
    const mapping = MAELSTROM_WORKLOADS[workload];
    if (mapping === undefined)
      throw new Error(`unknown maelstrom workload "${workload}"; valid: ${maelstromWorkloadNames().join(", ")}`);
    this.mapping = mapping;
    this.params = resolveParams(mapping.runtime?.params ?? {}, {}, {});
    this.now = env.now ?? Date.now;
    this.every = env.every ?? defaultEvery;
    this.random = env.random ?? Math.random;
  }

  /** This node's id, once initialised. */
  get id(): string | undefined {
    return this.nodeId;
  }

  /** The role's state, once initialised (for tests and logs). */
  get roleState(): unknown {
    return this.state;
  }

  /** Stops the node's timers. */
  stop(): void {
    for (const s of this.stops.splice(0)) s();
  }

  /** Handles one incoming message. Never throws on bad input: it logs it and, when it can, answers with an error. */
  handle(message: Message): void {
    const { body } = message;
    if (body.type === "init") return this.init(message);
    if (this.nodeId === undefined) {
      this.env.log(`message before init, ignored: ${JSON.stringify(message)}`);
      return;
    }
    if (this.nodeIds.includes(message.src)) return this.fromPeer(message);
    if (body.in_reply_to !== undefined) {
      this.env.log(`unexpected reply ignored: ${JSON.stringify(message)}`);
      return;
    }
    this.fromClient(message);
  }

  private setup(): NodeSetup<unknown> {
    return {
      self: this.nodeId ?? "",
      params: this.mapping.params ?? {},
      nodes: this.nodeIds,
      roles: { [this.mapping.roleName]: this.nodeIds },
    };
  }

  private init(message: Message): void {
    const nodeId = message.body["node_id"];
    const nodeIds = message.body["node_ids"];
    if (
      typeof nodeId !== "string" ||
      !Array.isArray(nodeIds) ||
      !nodeIds.every((n): n is string => typeof n === "string") ||
      !nodeIds.includes(nodeId)
    ) {
      return this.error(
        message,
        MaelstromError.malformedRequest,
        "init needs node_id (a string) and node_ids (strings, node_id among them)",
      );
    }
    if (this.nodeId !== undefined) this.stop();
    this.nodeId = nodeId;
    this.nodeIds = nodeIds;
    this.timers.clear();
    this.pending.clear();
    this.routes.clear();
    this.retrying.length = 0;
    const setup = this.setup();
    const { role } = this.mapping;
    try {
      this.state = this.mapping.init ? this.mapping.init(setup, this.now()) : role.init(setup);
      for (const t of role.initialTimers?.(this.state, setup) ?? []) this.arm(t);
    } catch (e) {
      this.nodeId = undefined;
      return this.error(message, MaelstromError.malformedRequest, `cannot serve ${this.workload}: ${errorText(e)}`);
    }
    this.driver = this.mapping.runtime?.driver?.(this.params);
    this.lastDriverTick = this.now();
    this.stops.push(this.every(POLL_MS, () => this.poll()));
    this.env.log(`init ${nodeId} of ${nodeIds.join(",")} serving ${this.workload}`);
    this.reply(message, { type: "init_ok" });
  }

  private fromClient(message: Message, retryUntil?: number): void {
    const { body } = message;
    let input: unknown;
    try {
      input = this.mapping.request(body, { now: this.now(), self: this.nodeId!, client: message.src });
    } catch (e) {
      return this.error(message, MaelstromError.malformedRequest, errorText(e));
    }
    if (input === undefined) return this.error(message, MaelstromError.notSupported, `${body.type} is not supported`);
    if (isErrorBody(input)) return this.error(message, input.code, input.text);
    const key = body.msg_id === undefined ? undefined : `${message.src}/${body.msg_id}`;
    if (key !== undefined && !this.pending.has(key))
      this.pending.set(key, { message, deadline: this.now() + (this.env.requestTimeoutMs ?? 1000) });
    const before = this.state;
    this.current = message;
    let taken: boolean;
    try {
      taken = this.step(input, message.src, { fromClient: true });
    } catch (e) {
      if (key !== undefined) this.pending.delete(key);
      return this.error(message, MaelstromError.crash, `the reducer threw: ${errorText(e)}`);
    } finally {
      this.current = undefined;
    }
    if (key === undefined || !this.pending.has(key) || (taken && (this.state !== before || this.lastEffects > 0)))
      return;
    // Not taken: nothing happened, so it may be offered again, and the client may safely try again (elsewhere).
    const until = retryUntil ?? this.now() + (this.env.retryMs ?? 100);
    if (this.now() < until) return void this.retrying.push({ message, until });
    this.pending.delete(key);
    this.error(message, MaelstromError.temporarilyUnavailable, `${this.workload}: cannot serve this request now`);
  }

  private fromPeer(message: Message): void {
    const { body } = message;
    if (body.type === "relay") {
      if (typeof body["client"] !== "string")
        return this.env.log(`malformed relay ignored: ${JSON.stringify(message)}`);
      return this.toClient(body["client"], body["msg"]);
    }
    if (body.type !== "peer") {
      if (body.in_reply_to === undefined)
        this.error(message, MaelstromError.notSupported, `${body.type} is not a message between nodes`);
      return;
    }
    const input: unknown = this.mapping.peer(body["msg"]);
    if (input === undefined) return this.env.log(`invalid message ignored: ${JSON.stringify(message)}`);
    const carried = this.mapping.carries?.(input);
    if (carried !== undefined) this.routes.set(`${carried.client}/${carried.msgId}`, message.src);
    try {
      this.step(input, message.src, { fromClient: false });
    } catch (e) {
      this.env.log(`the reducer threw on ${JSON.stringify(message)}: ${errorText(e)}`);
    }
  }

  /** Effects of the last step, for the "not taken" rule. */
  private lastEffects = 0;

  /** Runs the role's reducer on one input and performs its effects; false when the input is not enabled. */
  private step(input: unknown, from: string | undefined, opts: { readonly fromClient: boolean }): boolean {
    const ctx: NodeContext<unknown> = {
      ...this.setup(),
      from,
      kind: from === undefined ? "timer" : "message",
    };
    const before = this.state;
    const result = this.mapping.role.reduce(before, input, ctx);
    this.lastEffects = result?.effects.length ?? 0;
    if (result !== undefined) {
      this.state = result.state;
      for (const e of result.effects) this.perform(e);
    }
    this.driver?.afterInput?.(this.control(), {
      input,
      from,
      before,
      after: this.state,
      enabled: result !== undefined,
      fromClient: opts.fromClient,
    });
    return result !== undefined;
  }

  private perform(e: Effect<unknown, unknown>): void {
    switch (e.type) {
      case "send":
        return this.sendTo(e.to, e.msg);
      case "broadcast":
        for (const to of e.to) this.sendTo(to, e.msg);
        return;
      case "setTimer":
        return this.arm(e.timer);
      case "cancelTimer":
        this.timers.delete(JSON.stringify(e.timer));
        return;
      case "record":
        return;
    }
  }

  private sendTo(to: string, msg: unknown): void {
    if (this.nodeIds.includes(to)) this.send(to, { type: "peer", msg });
    else this.toClient(to, msg);
  }

  /** The role's message to a client: the reply to its pending request here, or relayed to the node that has it. */
  private toClient(client: string, msg: unknown): void {
    const msgId = this.mapping.answers?.(msg) ?? (this.current?.src === client ? this.current.body.msg_id : undefined);
    if (msgId === undefined) return this.env.log(`message to ${client} answers no request, dropped`);
    const key = `${client}/${msgId}`;
    const waiting = this.pending.get(key);
    if (waiting !== undefined) {
      this.pending.delete(key);
      return this.reply(waiting.message, this.mapping.reply(msg, waiting.message.body));
    }
    const via = this.routes.get(key);
    if (via !== undefined) {
      this.routes.delete(key);
      if (via !== this.nodeId) this.send(via, { type: "relay", client, msg });
    }
  }

  private arm(timer: unknown): void {
    const ms = this.mapping.runtime?.timerMs?.(timer, this.params, this.random) ?? DEFAULT_TIMER_MS;
    this.timers.set(JSON.stringify(timer), { timer, at: this.now() + ms });
  }

  private control(): HostControl<unknown> {
    return {
      rearm: (timer) => {
        if (this.timers.has(JSON.stringify(timer))) this.arm(timer);
      },
      fireNow: (timer) => {
        const t = this.timers.get(JSON.stringify(timer));
        if (t !== undefined) t.at = this.now();
      },
      // Definite answers to clients come from the node's rules above (a driver's "not the leader"
      // would be wrong after a forward: the leader may still apply the request); to nodes, it is a peer message.
      sendRaw: (to, msg) => {
        if (this.nodeIds.includes(to)) this.send(to, { type: "peer", msg });
      },
      local: (action) => {
        const local = this.mapping.runtime?.local;
        if (local !== undefined) this.state = local(this.state, action);
      },
      now: () => this.now(),
    };
  }

  /** Client requests the role has not taken yet, offered again at each poll until taken or answered 11. */
  get retryingRequests(): number {
    return this.retrying.length;
  }

  /** Fires due timers, runs the driver's tick, and answers requests past their deadline. */
  private poll(): void {
    const now = this.now();
    const tickMs = this.driver?.tickMs;
    if (this.driver?.onTick !== undefined && tickMs !== undefined && now - this.lastDriverTick >= tickMs) {
      this.lastDriverTick = now;
      this.driver.onTick(this.control(), this.state);
    }
    for (const [key, t] of [...this.timers]) {
      if (t.at > now || this.timers.get(key) !== t) continue;
      this.timers.delete(key);
      try {
        // A timer whose input is not enabled stays pending, as in the model.
        if (!this.step(t.timer, undefined, { fromClient: false }) && !this.timers.has(key)) this.arm(t.timer);
      } catch (e) {
        this.env.log(`the reducer threw on timer ${key}: ${errorText(e)}`);
      }
    }
    for (const r of this.retrying.splice(0)) this.fromClient(r.message, r.until);
    for (const [key, p] of [...this.pending]) {
      if (p.deadline > now) continue;
      this.pending.delete(key);
      this.error(p.message, MaelstromError.timeout, "no answer in time; the operation may still take effect");
    }
  }

  private send(dest: string, body: Reply): void {
    this.env.send({ src: this.nodeId ?? "", dest, body: { ...body, msg_id: this.nextMsgId++ } });
  }

  private reply(to: Message, body: Reply): void {
    const inReplyTo = to.body.msg_id === undefined ? {} : { in_reply_to: to.body.msg_id };
    this.env.send({
      src: this.nodeId ?? to.dest,
      dest: to.src,
      body: { ...body, msg_id: this.nextMsgId++, ...inReplyTo },
    });
  }

  private error(to: Message, code: MaelstromErrorCode, text: string): void {
    this.env.log(`error ${code} (${text}) for ${JSON.stringify(to)}`);
    if (to.body.msg_id !== undefined) this.reply(to, { type: "error", code, text });
  }
}

function isErrorBody(v: unknown): v is MaelstromErrorBody {
  return typeof v === "object" && v !== null && (v as { type?: unknown }).type === "error";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Parses one input line into a message, or says why it is not one.
 * @example parseMessage('{"src":"c0","dest":"n1","body":{"type":"echo","echo":1}}')
 */
export function parseMessage(line: string): Message | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return `not JSON: ${errorText(e)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const v = value as Record<string, unknown>;
  if (typeof v["src"] !== "string" || typeof v["dest"] !== "string") return "src and dest must be strings";
  const body = v["body"];
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body must be an object";
  const b = body as Record<string, unknown>;
  if (typeof b["type"] !== "string") return "body.type must be a string";
  for (const f of ["msg_id", "in_reply_to"])
    if (b[f] !== undefined && typeof b[f] !== "number") return `body.${f} must be a number`;
  return value as Message;
}

/** Where `runMaelstrom` reads and writes. */
export interface MaelstromIo {
  readonly input?: Readable;
  stdout?(text: string): void;
  stderr?(text: string): void;
}

/**
 * Runs a Maelstrom node for a workload (a spec name or Maelstrom's workload
 * name) on stdin/stdout until stdin ends; returns the exit code (2 for an
 * unknown workload).
 */
export async function runMaelstrom(workload: string, io: MaelstromIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
  if (!Object.hasOwn(MAELSTROM_WORKLOADS, workload)) {
    stderr(`interleave: unknown maelstrom workload "${workload}"; valid: ${maelstromWorkloadNames().join(", ")}\n`);
    return 2;
  }
  const node = new MaelstromNode(workload, {
    send: (m) => stdout(`${JSON.stringify(m)}\n`),
    log: (line) => stderr(`${line}\n`),
  });
  const lines = createInterface({ input: io.input ?? process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === "") continue;
      const m = parseMessage(line);
      if (typeof m === "string") {
        stderr(`malformed input line skipped (${m}): ${line}\n`);
        continue;
      }
      try {
        node.handle(m);
      } catch (e) {
        stderr(`error handling ${line}: ${errorText(e)}\n`);
      }
    }
    // Input ended: requests still offered again (a generator's used-up tick) get their answer before the node stops.
    while (node.retryingRequests > 0) await new Promise((r) => setTimeout(r, 5));
  } finally {
    node.stop();
  }
  return 0;
}
