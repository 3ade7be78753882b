/**
 * Maelstrom's node protocol (https://github.com/jepsen-io/maelstrom): one JSON
 * message per line on stdin/stdout, `{"src","dest","body":{"type",...}}`,
 * logs on stderr. A node first gets `init` ({node_id, node_ids}) and answers
 * `init_ok`, then serves a workload: `echo`, `unique-ids` (Snowflake ids from
 * the reducers of specs/unique-ids.ts), `broadcast` (gossip with retries).
 * `raft` serves lin-kv with the Raft server reducer (see maelstrom-raft.ts).
 *
 * The node is independent of stdio: `MaelstromNode` takes a `send` function,
 * a clock and a timer factory, so tests can route messages between nodes in
 * one process.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { RaftKv } from "./maelstrom-raft.js";
import { encodeId, initialGenerator, nextId, type GeneratorState } from "../../specs/unique-ids.js";

/** The body of a Maelstrom message: a type, an optional id, and the workload's fields. */
export interface Body {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: unknown;
}

/** One Maelstrom message. */
export interface Message {
  readonly src: string;
  readonly dest: string;
  readonly body: Body;
}

/** The workloads this runtime serves, by spec name. */
export const MAELSTROM_SPECS = ["echo", "unique-ids", "broadcast", "raft"] as const;
export type MaelstromSpec = (typeof MAELSTROM_SPECS)[number];

function isMaelstromSpec(name: string): name is MaelstromSpec {
  return (MAELSTROM_SPECS as readonly string[]).includes(name);
}

/** Maelstrom's error codes used here. */
const ErrorCode = { notSupported: 10, malformedRequest: 12 } as const;

/** What a node needs from its surroundings. */
export interface NodeEnv {
  /** Sends a message (to a client or another node). */
  send(message: Message): void;
  /** Writes a log line (stderr in the CLI). */
  log(line: string): void;
  /** The clock, in milliseconds: the explicit time input of the id generator (default Date.now). */
  now?(): number;
  /** Calls `f` every `ms` milliseconds until the returned function is called (default setInterval). */
  every?(ms: number, f: () => void): () => void;
  /** Random numbers in [0, 1) for election timeouts (default Math.random). */
  random?(): number;
  /** How often unacknowledged gossip is resent, in ms (default 100). */
  readonly gossipMs?: number;
}

const defaultEvery = (ms: number, f: () => void): (() => void) => {
  const t = setInterval(f, ms);
  t.unref();
  return () => clearInterval(t);
};

/** Ids per clock tick of the generator (2^12, Twitter's layout). */
const SEQUENCES = 4096;

/** One Maelstrom node serving one workload. */
export class MaelstromNode {
  private nodeId: string | undefined;
  private nodeIds: readonly string[] = [];
  private nextMsgId = 1;
  private readonly now: () => number;
  private readonly every: (ms: number, f: () => void) => () => void;
  private readonly stops: (() => void)[] = [];

  // unique-ids
  private generator: GeneratorState = initialGenerator;
  private nodeIndex = 0;

  // raft (lin-kv)
  private raft: RaftKv | undefined;

  // broadcast
  private readonly seen = new Set<unknown>();
  private readonly seenKeys = new Set<string>();
  private neighbours: string[] = [];
  /** Per neighbour: messages (by key) it has not acknowledged yet. */
  private readonly unacked = new Map<string, Map<string, unknown>>();

  constructor(
    readonly spec: MaelstromSpec,
    private readonly env: NodeEnv,
  ) {
    this.now = env.now ?? Date.now;
    this.every = env.every ?? defaultEvery;
  }

  /** This node's id, once initialised. */
  get id(): string | undefined {
    return this.nodeId;
  }

  /** The Raft server's role, for the raft spec once initialised. */
  get raftRole(): string | undefined {
    return this.raft?.role;
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
    switch (this.spec) {
      case "echo":
        if (body.type === "echo") return this.reply(message, { type: "echo_ok", echo: body["echo"] });
        break;
      case "unique-ids":
        if (body.type === "generate") return this.generate(message);
        break;
      case "broadcast":
        if (this.broadcast(message)) return;
        break;
      case "raft":
        if (this.raft?.handle(message)) return;
        break;
    }
    if (body.in_reply_to !== undefined) {
      this.env.log(`unexpected reply ignored: ${JSON.stringify(message)}`);
      return;
    }
    this.error(message, ErrorCode.notSupported, "not supported");
  }

  private init(message: Message): void {
    const nodeId = message.body["node_id"];
    const nodeIds = message.body["node_ids"];
    if (
      typeof nodeId !== "string" ||
      !Array.isArray(nodeIds) ||
      !nodeIds.every((n): n is string => typeof n === "string")
    ) {
      return this.error(message, ErrorCode.malformedRequest, "init needs node_id (string) and node_ids (strings)");
    }
    const index = nodeIds.indexOf(nodeId);
    if (index < 0 || index >= 1024)
      return this.error(
        message,
        ErrorCode.malformedRequest,
        `node_id ${nodeId} must be one of the first 1024 node_ids`,
      );
    if (this.nodeId !== undefined) this.stop();
    this.nodeId = nodeId;
    this.nodeIds = nodeIds;
    this.nodeIndex = index;
    // A restarted node may share a clock tick with ids its previous life issued:
    // it starts as if it had used up the current tick, so its first id is in a later one.
    this.generator = { lastTimestamp: this.now(), sequence: SEQUENCES - 1 };
    this.neighbours = nodeIds.filter((n) => n !== nodeId);
    if (this.spec === "broadcast") this.stops.push(this.every(this.env.gossipMs ?? 100, () => this.gossipAll()));
    if (this.spec === "raft") {
      const raft = new RaftKv({
        self: nodeId,
        nodeIds,
        now: this.now,
        random: this.env.random ?? Math.random,
        sendPeer: (dest, body) => this.send(dest, body),
        reply: (to, body) => this.reply(to, body),
        log: (line) => this.env.log(line),
      });
      this.raft = raft;
      this.stops.push(this.every(10, () => raft.tick()));
    }
    this.env.log(`init ${nodeId} (index ${index}) of ${nodeIds.join(",")} serving ${this.spec}`);
    this.reply(message, { type: "init_ok" });
  }

  private generate(message: Message): void {
    // The clock enters the reducer as an explicit input; when it says wait
    // (clock behind the last id, or the tick's sequences used up) we read it again.
    for (let attempt = 0; attempt < 1_000_000; attempt++) {
      const r = nextId(this.generator, this.now(), { node: this.nodeIndex, sequences: SEQUENCES });
      if (r.type === "issued") {
        this.generator = r.state;
        return this.reply(message, { type: "generate_ok", id: encodeId(r.id).toString() });
      }
    }
    this.error(message, 11, "clock did not advance; try again");
  }

  /** The broadcast workload; false when the message is not one of its own. */
  private broadcast(message: Message): boolean {
    const { body } = message;
    switch (body.type) {
      case "topology": {
        const topology = body["topology"];
        const mine =
          typeof topology === "object" && topology !== null
            ? (topology as Record<string, unknown>)[this.nodeId!]
            : undefined;
        if (Array.isArray(mine) && mine.every((n): n is string => typeof n === "string")) {
          this.neighbours = mine.filter((n) => n !== this.nodeId);
          // Messages we know go to new neighbours too.
          for (const n of this.neighbours)
            for (const key of this.seenKeys) this.pending(n).set(key, JSON.parse(key) as unknown);
        } else {
          this.env.log(`topology without an entry for ${this.nodeId}; keeping neighbours ${this.neighbours.join(",")}`);
        }
        this.reply(message, { type: "topology_ok" });
        return true;
      }
      case "broadcast":
        if (!("message" in body)) {
          this.error(message, ErrorCode.malformedRequest, "broadcast needs a message");
          return true;
        }
        this.learn([body["message"]], message.src);
        this.reply(message, { type: "broadcast_ok" });
        return true;
      case "read":
        this.reply(message, { type: "read_ok", messages: [...this.seen] });
        return true;
      case "gossip": {
        const messages = body["messages"];
        if (!Array.isArray(messages)) {
          this.env.log(`gossip without messages ignored: ${JSON.stringify(message)}`);
          return true;
        }
        this.learn(messages, message.src);
        this.reply(message, { type: "gossip_ok", messages });
        return true;
      }
      case "gossip_ok": {
        const messages = body["messages"];
        const pending = this.unacked.get(message.src);
        if (Array.isArray(messages) && pending) for (const m of messages) pending.delete(JSON.stringify(m));
        return true;
      }
      default:
        return false;
    }
  }

  private pending(neighbour: string): Map<string, unknown> {
    let p = this.unacked.get(neighbour);
    if (!p) this.unacked.set(neighbour, (p = new Map<string, unknown>()));
    return p;
  }

  /** Records messages; new ones are gossiped to every neighbour but the one they came from, right away and until acknowledged. */
  private learn(messages: readonly unknown[], from: string): void {
    const fresh: string[] = [];
    for (const m of messages) {
      const key = JSON.stringify(m);
      if (key === undefined || this.seenKeys.has(key)) continue;
      this.seenKeys.add(key);
      this.seen.add(m);
      fresh.push(key);
    }
    if (fresh.length === 0) return;
    for (const n of this.neighbours) {
      if (n === from) continue;
      const p = this.pending(n);
      for (const key of fresh) p.set(key, JSON.parse(key) as unknown);
      this.gossip(n);
    }
  }

  private gossip(neighbour: string): void {
    const p = this.unacked.get(neighbour);
    if (!p || p.size === 0) return;
    this.send(neighbour, { type: "gossip", messages: [...p.values()] });
  }

  private gossipAll(): void {
    for (const n of this.unacked.keys()) this.gossip(n);
  }

  private send(dest: string, body: { type: string; [field: string]: unknown }): void {
    this.env.send({ src: this.nodeId ?? "", dest, body: { ...body, msg_id: this.nextMsgId++ } });
  }

  private reply(to: Message, body: { type: string; [field: string]: unknown }): void {
    const inReplyTo = to.body.msg_id === undefined ? {} : { in_reply_to: to.body.msg_id };
    this.env.send({
      src: this.nodeId ?? to.dest,
      dest: to.src,
      body: { ...body, msg_id: this.nextMsgId++, ...inReplyTo },
    });
  }

  private error(to: Message, code: number, text: string): void {
    this.env.log(`error ${code} (${text}) for ${JSON.stringify(to)}`);
    if (to.body.msg_id !== undefined) this.reply(to, { type: "error", code, text });
  }
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
    return `not JSON: ${e instanceof Error ? e.message : String(e)}`;
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
 * Runs a Maelstrom node for `spec` on stdin/stdout until stdin ends; returns
 * the exit code (2 for an unknown spec).
 */
export async function runMaelstrom(spec: string, io: MaelstromIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
  if (!isMaelstromSpec(spec)) {
    stderr(`interleave: unknown maelstrom spec "${spec}"; valid: ${MAELSTROM_SPECS.join(", ")}\n`);
    return 2;
  }
  const node = new MaelstromNode(spec, {
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
        stderr(`error handling ${line}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  } finally {
    node.stop();
  }
  return 0;
}
