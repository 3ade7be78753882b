import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { catalogueModule } from "../../checker/run/spec.js";
import { kvOpOf, lastIndex, lastLogTerm, raft, raftServer, type ServerState } from "../../specs/raft.js";
import type { RoleDef } from "../../src/index.js";
import { bindingOf, type RuntimeBinding } from "../../src/runtime/binding.js";
import { Cluster } from "../../src/runtime/cluster.js";
import { NodeHost } from "../../src/runtime/host.js";
import { emptyCounters, isCount, isRecord, MAX_UDP_FRAME_BYTES, type WireCounters } from "../../src/runtime/wire.js";

const params = { electionMinMs: 150, electionMaxMs: 300, heartbeatMs: 50, resendTicks: 10 };
const NODES = ["n1", "n2", "n3"] as const;
const PORTS: Record<string, number> = { n1: 1, n2: 2, n3: 3 };
const CLIENT_PORT = 9;

interface Sent {
  readonly port: number;
  readonly frame: string;
}

/** n1 of a three-node Raft cluster, in-process, over a transport that records what it sends. */
function makeHost(
  sent: Sent[],
  nodes: readonly string[] = NODES,
  more: { readonly binding?: RuntimeBinding; readonly durablePath?: string } = {},
): NodeHost {
  return new NodeHost(
    {
      binding: more.binding ?? bindingOf(raft, { nodes: nodes.length }),
      ...(more.durablePath === undefined ? {} : { durablePath: more.durablePath }),
      variant: undefined,
      self: "n1",
      nodes,
      params,
      transport: {
        maxFrameBytes: MAX_UDP_FRAME_BYTES,
        send: (port, frame) => {
          sent.push({ port, frame });
          return true;
        },
      },
      ports: Object.fromEntries(nodes.map((n) => [n, PORTS[n]!])),
      clientPort: CLIENT_PORT,
      random: () => 0.5,
    },
    undefined,
  );
}

const frame = (from: string, to: string, msg: unknown): string => JSON.stringify({ v: 1, from, to, msg });
const sum = (c: WireCounters): number => Object.values(c).reduce((a, b) => a + b, 0);
const state = (host: NodeHost): ServerState => host.current as ServerState;

// ---------------------------------------------------------------------------------------------
// Generators: valid Raft messages, mutations of them, and garbage.

const smallCount = fc.nat({ max: 6 });
const key = fc.constantFrom("x", "y", "");
const kvOp = fc.oneof(
  fc.record({ type: fc.constant("get"), key }),
  fc.record({ type: fc.constant("put"), key, value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({
    type: fc.constant("cas"),
    key,
    expected: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
    value: fc.integer({ min: -5, max: 5 }),
  }),
);
const logEntry = fc.record({
  term: smallCount,
  command: fc.record({
    client: fc.constantFrom("c1", "c2", "__proto__", "toString", "n2"),
    seq: fc.integer({ min: 1, max: 4 }),
    op: kvOp,
  }),
});

/** A state machine as a snapshot carries it: data, and sessions of client ids with their last answers. */
const machine = fc.record({
  data: fc.dictionary(key, fc.integer({ min: -5, max: 5 }), { maxKeys: 3 }),
  sessions: fc.dictionary(
    fc.constantFrom("c1", "c2"),
    fc.record({
      seq: fc.integer({ min: 1, max: 4 }),
      result: fc.constantFrom(
        { type: "put" },
        { type: "get", value: 3 },
        { type: "get", value: null, error: 20 },
        { type: "cas", swapped: false, error: 22 },
      ),
    }),
    { maxKeys: 2 },
  ),
});

/**
 * Valid messages from a peer (RequestVote, RequestVoteResponse, AppendEntries, AppendEntriesResponse, InstallSnapshot).
 */
const peerMessage = fc.oneof(
  fc.record({ type: fc.constant("RequestVote"), term: smallCount, lastLogIndex: smallCount, lastLogTerm: smallCount }),
  fc.record({ type: fc.constant("RequestVoteResponse"), term: smallCount, granted: fc.boolean() }),
  fc.record({
    type: fc.constant("AppendEntries"),
    term: smallCount,
    prevLogIndex: fc.nat({ max: 3 }),
    prevLogTerm: smallCount,
    entries: fc.array(logEntry, { maxLength: 3 }),
    leaderCommit: smallCount,
  }),
  fc.record({
    type: fc.constant("AppendEntriesResponse"),
    term: smallCount,
    success: fc.boolean(),
    matchIndex: smallCount,
  }),
  // A pipelining follower's rejection: the index rejected and its last index.
  fc.record({
    type: fc.constant("AppendEntriesResponse"),
    term: smallCount,
    success: fc.constant(false),
    matchIndex: fc.constant(0),
    rejected: smallCount,
    hint: smallCount,
  }),
  fc.integer({ min: 1, max: 6 }).chain((term) =>
    fc.record({
      type: fc.constant("InstallSnapshot"),
      term: fc.constant(term),
      lastIncludedIndex: fc.integer({ min: 1, max: 4 }),
      lastIncludedTerm: fc.integer({ min: 1, max: term }),
      machine,
    }),
  ),
);

/** A valid request from a client. */
const clientMessage = fc.record({ type: fc.constant("ClientRequest"), seq: fc.integer({ min: 1, max: 4 }), op: kvOp });

/**
 * Numbers JSON can carry that a validator must judge: negative, fractional,
 * huge, unsafe, and tokens `JSON.stringify` never writes (written raw: see {@link RAW}).
 */
const oddNumber = fc.oneof(
  // Not 2^53 - 1 itself: a term that high is valid and leaves no later one (see "a forged term of 2^53 - 1").
  fc.constantFrom(
    -1,
    -0.5,
    0.5,
    1.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    -Number.MAX_SAFE_INTEGER,
    1e21,
    1e300,
    -1e300,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc
    .constantFrom(
      "1e400",
      "-1e400",
      "-0",
      "1.0",
      "100e-2",
      "1E1",
      "0.1e1",
      "00",
      "+1",
      "0x10",
      "NaN",
      "Infinity",
      "9007199254740993",
    )
    .map((t) => `${RAW}${t}${RAW}`),
);

/** Strings that stand for raw JSON text are wrapped in this marker; {@link rawFrame} writes them out unquoted. */
const RAW = "@@raw@@";
const rawFrame = (text: string): string =>
  text.replace(/"@@raw@@((?:[^"\\]|\\.)*?)@@raw@@"/g, (_, inner: string) => JSON.parse(`"${inner}"`) as string);

/** Values that may replace a field: any JSON, odd numbers, odd strings, and deep nesting (raw). */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 4, arbitrary: oddNumber },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "n1",
      "n2",
      "c1",
      "__proto__",
      "constructor",
      "RequestVote",
      "ClientRequest",
      "\u0000",
      "\ud800",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 3000 }).map((d) => `${RAW}${"[".repeat(d)}${"]".repeat(d)}${RAW}`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 50, max: 2000 }).map((d) => `${RAW}${'{"a":'.repeat(d)}1${"}".repeat(d)}${RAW}`),
  },
);

/** Keys an extra field may have, prototype-polluting ones first. */
const oddKey = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "type", "term", "v"),
  fc.string({ maxLength: 8 }),
);

type Mutation =
  | { readonly kind: "replace"; readonly value: unknown }
  | { readonly kind: "delete" }
  | { readonly kind: "add"; readonly key: string; readonly value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("replace" as const), value: oddValue }) },
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), key: oddKey, value: oddValue }) },
);

/** Every path to a field or element of `v` (the root excluded), depth first. */
function paths(v: unknown, prefix: readonly (string | number)[] = []): (readonly (string | number)[])[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...paths(x, [...prefix, i])]);
  if (isRecord(v)) return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...paths(x, [...prefix, k])]);
  return [];
}

/** A deep copy of `v` with `m` applied at `path` (an `add` adds a key to the object at or holding `path`). */
function mutate(v: unknown, path: readonly (string | number)[], m: Mutation): unknown {
  const copy = JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.kind === "replace") parent[last] = m.value;
  else if (m.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = isRecord(parent[last]) ? parent[last] : Array.isArray(parent) ? copy : parent;
    // defineProperty: a plain assignment to "__proto__" would set the prototype instead of adding a key.
    Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}

/** A frame whose envelope or message has one field replaced, deleted or added. */
const mutatedFrame = (msg: fc.Arbitrary<Record<string, unknown>>, from: string, to: string): fc.Arbitrary<string> =>
  fc.tuple(msg, fc.nat(), mutation).map(([m, at, mut]) => {
    const envelope = { v: 1, from, to, msg: m };
    const all = paths(envelope);
    return rawFrame(JSON.stringify(mutate(envelope, all[at % all.length]!, mut)));
  });

/** Options of the fuzzer: who the node is, who its peer and client are, and the largest frame to make. */
interface FuzzOptions {
  readonly self: string;
  readonly peer: string;
  readonly client: string;
  readonly oversized: boolean;
}

/** One fuzzed frame: garbage, random envelopes, and mostly valid Raft messages with one field broken. */
function fuzzFrame(o: FuzzOptions): fc.Arbitrary<string | Uint8Array> {
  const id = fc.oneof(
    fc.constantFrom(o.self, o.peer, o.client, "n2", "n3", "n4", "c0", "c01", "x9", "", "__proto__", " n1", "n1\u0000"),
    fc.string({ maxLength: 6 }),
  );
  const envelope = fc
    .record({
      v: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: oddValue }),
      from: id,
      to: fc.oneof(fc.constant(o.self), id),
      msg: fc.record(
        {
          type: fc.oneof(
            fc.constantFrom(
              "RequestVote",
              "RequestVoteResponse",
              "AppendEntries",
              "AppendEntriesResponse",
              "InstallSnapshot",
              "ClientRequest",
              "ClientReply",
              "NotLeader",
              "__proto__",
              "toString",
            ),
            fc.string({ maxLength: 6 }),
          ),
          term: fc.oneof(smallCount, oddValue),
          seq: fc.oneof(smallCount, oddValue),
          granted: fc.oneof(fc.boolean(), oddValue),
          entries: fc.oneof(fc.array(logEntry, { maxLength: 2 }), oddValue),
        },
        { requiredKeys: ["type"] },
      ),
    })
    .map((e) => rawFrame(JSON.stringify(e)));
  const valid = fc.oneof(
    peerMessage.map((m) => frame(o.peer, o.self, m)),
    clientMessage.map((m) => frame(o.client, o.self, m)),
  );
  const cutShort = fc.tuple(valid, fc.nat()).map(([f, at]) => f.slice(0, at % f.length));
  const flipped = fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([f, at, byte]) => {
    const bytes = Buffer.from(f);
    bytes[at % bytes.byteLength] = byte;
    return new Uint8Array(bytes);
  });
  const arbitraries: fc.WeightedArbitrary<string | Uint8Array>[] = [
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "") },
    { weight: 3, arbitrary: envelope },
    { weight: 1, arbitrary: cutShort },
    { weight: 1, arbitrary: flipped },
    { weight: 12, arbitrary: mutatedFrame(peerMessage, o.peer, o.self) },
    { weight: 4, arbitrary: mutatedFrame(clientMessage, o.client, o.self) },
    { weight: 4, arbitrary: valid },
  ];
  if (o.oversized)
    arbitraries.push({
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 100 })
        .map((extra) => frame(o.peer, o.self, { type: "RequestVote", pad: "x".repeat(MAX_UDP_FRAME_BYTES + extra) })),
    });
  return fc.oneof(...arbitraries);
}

// ---------------------------------------------------------------------------------------------
// What a Raft server's state must look like whatever it was sent.

/** Plain JSON data: no functions, no undefined, no non-finite numbers, no class instances. */
function isPlainData(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isPlainData);
  if (isRecord(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(isPlainData);
  return false;
}

const isSubsetOf = (xs: unknown, of: readonly string[]): boolean =>
  Array.isArray(xs) && xs.every((x) => typeof x === "string" && of.includes(x));
const countsOver = (r: unknown, keys: readonly string[]): boolean =>
  isRecord(r) && Object.entries(r).every(([k, v]) => keys.includes(k) && isCount(v));

/** Why `s` is not a well-formed Raft server state of n1 in `nodes`, or undefined. */
function malformation(s: ServerState, nodes: readonly string[]): string | undefined {
  const peers = nodes.filter((n) => n !== "n1");
  if (!isPlainData(s)) return "not plain data";
  if (!isCount(s.currentTerm)) return `currentTerm ${String(s.currentTerm)}`;
  if (!(s.votedFor === null || nodes.includes(s.votedFor))) return `votedFor ${String(s.votedFor)}`;
  if (!["follower", "precandidate", "candidate", "leader"].includes(s.role)) return `role ${s.role}`;
  if (!Array.isArray(s.log)) return "log not an array";
  for (const [i, e] of (s.log as readonly unknown[]).entries()) {
    const c = isRecord(e) ? e["command"] : undefined;
    const ok = isRecord(e) && isCount(e["term"]) && isRecord(c) && typeof c["client"] === "string" && isCount(c["seq"]);
    if (!ok || JSON.stringify(kvOpOf(c["op"])) !== JSON.stringify(c["op"]))
      return `log entry ${i + 1}: ${JSON.stringify(e)}`;
  }
  if (!isCount(s.commitIndex) || s.lastApplied !== s.commitIndex)
    return `commitIndex ${s.commitIndex}, lastApplied ${s.lastApplied}`;
  const snapshot = s.snapshot as unknown;
  if (
    !isRecord(snapshot) ||
    !isCount(snapshot["index"]) ||
    !isCount(snapshot["term"]) ||
    s.snapshot.index > s.commitIndex ||
    !Object.keys(s.snapshot.machine.sessions).every((c) => /^c\d+$/.test(c))
  )
    return `snapshot ${JSON.stringify(snapshot)} (commitIndex ${s.commitIndex})`;
  if (!isSubsetOf(s.votesGranted, nodes)) return `votesGranted ${JSON.stringify(s.votesGranted)}`;
  if (!isSubsetOf(s.preVotes, nodes)) return `preVotes ${JSON.stringify(s.preVotes)}`;
  if (!countsOver(s.nextIndex, peers) || !countsOver(s.matchIndex, peers))
    return `nextIndex ${JSON.stringify(s.nextIndex)}, matchIndex ${JSON.stringify(s.matchIndex)}`;
  if (!isSubsetOf(s.awaiting, peers)) return `awaiting ${JSON.stringify(s.awaiting)}`;
  if (!Object.entries(s.inflight).every(([p, out]) => s.awaiting.includes(p) && out.length > 0 && out.every(isCount)))
    return `inflight ${JSON.stringify(s.inflight)} (awaiting ${JSON.stringify(s.awaiting)})`;
  // Values are any JSON but null (see kv.ts); isPlainData checked the rest.
  if (!Object.values(s.machine.data).every((v) => v !== null)) return `machine data ${JSON.stringify(s.machine.data)}`;
  if (!Object.keys(s.machine.sessions).every((c) => /^c\d+$/.test(c)))
    return `machine sessions ${JSON.stringify(s.machine.sessions)}`;
  return undefined;
}

/**
 * Lets the host's group commit send what it queued: it flushes on `setImmediate`, which the fake
 * clock runs at once, or 1 ms later when it was scheduled from inside a timer callback.
 */
const settle = (): void => void vi.advanceTimersByTime(1);

/** Where the fuzzed node starts: as booted, mid-election, or leading (reached through its own timer and a vote). */
type Start = "follower" | "candidate" | "leader";

function startAs(host: NodeHost, start: Start): void {
  if (start === "follower") return;
  host.start();
  vi.advanceTimersByTime(params.electionMaxMs);
  // Pre-vote first: n2's grant and n1's own make a majority, so n1 stands for the next term.
  host.receive(frame("n2", "n1", { type: "PreVoteResponse", term: state(host).currentTerm + 1, granted: true }));
  settle();
  if (start === "leader")
    host.receive(frame("n2", "n1", { type: "RequestVoteResponse", term: state(host).currentTerm, granted: true }));
  settle();
}

describe("kvOpOf: a store value nests at most 64 levels", () => {
  /** A put of a value `depth` arrays deep around 1. */
  const put = (depth: number) => ({
    type: "put",
    key: "x",
    value: JSON.parse(`${"[".repeat(depth)}1${"]".repeat(depth)}`),
  });
  it("takes 64 levels and refuses 65 or 3,000, whatever stack the process has left", () => {
    expect(kvOpOf(put(64))).toEqual(put(64));
    expect(kvOpOf(put(65))).toBeUndefined();
    expect(kvOpOf(put(3000))).toBeUndefined();
    expect(kvOpOf({ type: "cas", key: "x", expected: put(65).value, value: 1 })).toBeUndefined();
  });
});

describe("NodeHost with Raft's runtime configuration (in-process)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reaches the three starting points of the fuzzer", () => {
    for (const start of ["follower", "candidate", "leader"] as const) {
      const host = makeHost([]);
      startAs(host, start);
      expect(state(host).role).toBe(start);
      host.stop();
    }
  });

  it("Fuzzed wire input (fast-check, thousands of malformed datagrams) never crashes a node", () => {
    const fuzz = fuzzFrame({ self: "n1", peer: "n2", client: "c1", oversized: true });
    // Between frames, now and then, time passes and the node's timers fire (elections, heartbeats).
    const step = fc.record({
      frame: fuzz,
      advanceMs: fc.oneof(
        { weight: 9, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }) },
      ),
    });
    let fed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<Start>("follower", "candidate", "leader"),
        fc.array(step, { minLength: 50, maxLength: 90 }),
        (start, steps) => {
          const sent: Sent[] = [];
          const host = makeHost(sent);
          try {
            startAs(host, start);
            const before = sum(host.stats().wire);
            for (const [i, { frame: f, advanceMs }] of steps.entries()) {
              expect(() => host.receive(f)).not.toThrow();
              fed++;
              vi.advanceTimersByTime(advanceMs);
              expect(sum(host.stats().wire) - before, `frame ${i}`).toBe(i + 1);
              expect(malformation(state(host), NODES), `after frame ${i}`).toBeUndefined();
            }
            const stats = host.stats();
            expect(stats.reducerErrors).toBe(0);
            expect(stats.wire.rejected).toBe(0);
            // Still live: a candidate of a later term with an up-to-date log gets n1's vote.
            const s = state(host);
            const term = s.currentTerm + 1;
            sent.length = 0;
            host.receive(
              frame("n2", "n1", {
                type: "RequestVote",
                term,
                lastLogIndex: lastIndex(s),
                lastLogTerm: lastLogTerm(s),
              }),
            );
            settle();
            expect(host.stats().wire.delivered).toBe(stats.wire.delivered + 1);
            const answers = sent.filter((x) => x.port === PORTS["n2"]).map((x) => JSON.parse(x.frame) as unknown);
            expect(answers).toContainEqual({
              v: 1,
              from: "n1",
              to: "n2",
              msg: { type: "RequestVoteResponse", term, granted: true },
            });
          } finally {
            host.stop();
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(fed).toBeGreaterThanOrEqual(80 * 50);
    expect(Object.isFrozen(Object.prototype)).toBe(false);
  });

  it("counts each kind of drop exactly, changing nothing and sending nothing", () => {
    const entry = (op: unknown) => ({ term: 1, command: { client: "c1", seq: 1, op } });
    const appendEntries = (op: unknown) => ({
      type: "AppendEntries",
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [entry(op)],
      leaderCommit: 0,
    });
    const vote = { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 };
    const request = { type: "ClientRequest", seq: 1, op: { type: "put", key: "x", value: 1 } };
    const snapshot = {
      type: "InstallSnapshot",
      term: 1,
      lastIncludedIndex: 2,
      lastIncludedTerm: 1,
      machine: { data: { x: 1 }, sessions: { c1: { seq: 2, result: { type: "put" } } } },
    };
    const cases: [string, string, Partial<WireCounters>][] = [
      ["to n2", frame("n2", "n2", vote), { misaddressed: 1 }],
      ["from x9", frame("x9", "n1", vote), { unknownPeer: 1 }],
      ["from itself", frame("n1", "n1", vote), { unknownPeer: 1 }],
      ["from a node outside the cluster", frame("n4", "n1", vote), { unknownPeer: 1 }],
      [
        "a client sending AppendEntries",
        frame("c1", "n1", appendEntries({ type: "put", key: "x", value: 1 })),
        { unknownType: 1 },
      ],
      ["a peer sending ClientRequest", frame("n2", "n1", request), { unknownType: 1 }],
      [
        "a client sending a ClientReply",
        frame("c1", "n1", { type: "ClientReply", seq: 1, result: { type: "put" } }),
        { unknownType: 1 },
      ],
      // Values are any JSON (Maelstrom's lin-kv allows them) but null, which stands for an absent key.
      ["a put of null", frame("n2", "n1", appendEntries({ type: "put", key: "x", value: null })), { invalid: 1 }],
      [
        "a put of 1e400 (Infinity once parsed)",
        frame("n2", "n1", appendEntries({ type: "put", key: "x", value: [1] })).replace("[1]", "[1e400]"),
        { invalid: 1 },
      ],
      [
        "an entry of a client named __proto__",
        frame("n2", "n1", {
          ...appendEntries({ type: "get", key: "x" }),
          entries: [{ term: 1, command: { client: "__proto__", seq: 1, op: { type: "get", key: "x" } } }],
        }),
        { invalid: 1 },
      ],
      [
        "an entry of a node's command",
        frame("n2", "n1", {
          ...appendEntries({ type: "get", key: "x" }),
          entries: [{ term: 1, command: { client: "n2", seq: 1, op: { type: "get", key: "x" } } }],
        }),
        { invalid: 1 },
      ],
      [
        "a snapshot with a session of a client named __proto__",
        frame("n2", "n1", {
          ...snapshot,
          machine: { data: {}, sessions: JSON.parse('{"__proto__":{"seq":1,"result":{"type":"put"}}}') },
        }),
        { invalid: 1 },
      ],
      [
        "a snapshot with a session whose answer is not one",
        frame("n2", "n1", { ...snapshot, machine: { data: {}, sessions: { c1: { seq: 1, result: { type: "x" } } } } }),
        { invalid: 1 },
      ],
      [
        "a snapshot storing null",
        frame("n2", "n1", { ...snapshot, machine: { data: { x: null }, sessions: {} } }),
        { invalid: 1 },
      ],
      ["a snapshot of a later term", frame("n2", "n1", { ...snapshot, lastIncludedTerm: 2 }), { invalid: 1 }],
      ["a snapshot of no entry", frame("n2", "n1", { ...snapshot, lastIncludedIndex: 0 }), { invalid: 1 }],
      ["a snapshot without a machine", frame("n2", "n1", { ...snapshot, machine: undefined }), { invalid: 1 }],
      ["a negative term", frame("n2", "n1", { ...vote, term: -1 }), { invalid: 1 }],
      ["a term past 2^53", frame("n2", "n1", { ...vote, term: 2 ** 53 }), { invalid: 1 }],
      ["a request with seq 0", frame("c1", "n1", { ...request, seq: 0 }), { invalid: 1 }],
      ["version 2", JSON.stringify({ v: 2, from: "n2", to: "n1", msg: vote }), { version: 1 }],
      ["not JSON", "{", { malformed: 1 }],
      [
        "one byte over the limit",
        frame("n2", "n1", { ...vote, pad: "x".repeat(MAX_UDP_FRAME_BYTES) }),
        { oversized: 1 },
      ],
    ];
    for (const [what, f, counts] of cases) {
      const sent: Sent[] = [];
      const host = makeHost(sent);
      const before = host.current;
      host.receive(f);
      settle();
      expect(host.stats().wire, what).toEqual({ ...emptyCounters(), ...counts });
      expect(host.stats().inputs, what).toBe(0);
      expect(host.current, what).toBe(before);
      expect(sent, what).toEqual([]);
      host.stop();
    }
  });

  it("delivers a valid RequestVote and answers it, and a client's request to a follower that knows no leader with NotLeader (code 11)", () => {
    const sent: Sent[] = [];
    const host = makeHost(sent);
    host.receive(frame("n2", "n1", { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 }));
    host.receive(frame("c7", "n1", { type: "ClientRequest", seq: 3, op: { type: "get", key: "x" } }));
    expect(sent).toEqual([]);
    settle();
    expect(host.stats().wire).toEqual({ ...emptyCounters(), delivered: 2 });
    expect(sent).toEqual([
      { port: 2, frame: frame("n1", "n2", { type: "RequestVoteResponse", term: 1, granted: true }) },
      { port: CLIENT_PORT, frame: frame("n1", "c7", { type: "NotLeader", seq: 3, code: 11 }) },
    ]);
    expect(state(host)).toMatchObject({ currentTerm: 1, votedFor: "n2", role: "follower" });
    host.stop();
  });

  it("installs a leader's snapshot (a fresh machine, __proto__ an ordinary key) and answers as to an AppendEntries", () => {
    const sent: Sent[] = [];
    const host = makeHost(sent);
    host.receive(
      '{"v":1,"from":"n2","to":"n1","msg":{"type":"InstallSnapshot","term":1,"lastIncludedIndex":2,"lastIncludedTerm":1,' +
        '"machine":{"data":{"__proto__":5},"sessions":{"c1":{"seq":2,"result":{"type":"put"}}}},"extra":1}}',
    );
    settle();
    expect(host.stats().wire).toEqual({ ...emptyCounters(), delivered: 1 });
    expect(sent).toEqual([
      { port: 2, frame: frame("n1", "n2", { type: "AppendEntriesResponse", term: 1, success: true, matchIndex: 2 }) },
    ]);
    const s = state(host);
    expect([s.snapshot.index, s.commitIndex, s.lastApplied, s.leader, s.log]).toEqual([2, 2, 2, "n2", []]);
    expect(Object.getPrototypeOf(s.machine.data)).toBe(Object.prototype);
    expect(Object.entries(s.machine.data)).toEqual([["__proto__", 5]]);
    expect(s.machine.sessions).toEqual({ c1: { seq: 2, result: { type: "put" } } });
    expect(s.snapshot.machine).toBe(s.machine);
    host.stop();
  });

  it("forwards a client's request from a follower that knows its leader; the leader answers the client directly", () => {
    const put = { type: "put", key: "x", value: 4 };
    // n1, a follower, accepts an AppendEntries from n2, the leader of term 1: it knows its leader and forwards.
    const sent: Sent[] = [];
    const follower = makeHost(sent);
    follower.receive(
      frame("n2", "n1", {
        type: "AppendEntries",
        term: 1,
        prevLogIndex: 0,
        prevLogTerm: 0,
        entries: [],
        leaderCommit: 0,
      }),
    );
    follower.receive(frame("c7", "n1", { type: "ClientRequest", seq: 3, op: put }));
    settle();
    expect(sent).toEqual([
      { port: 2, frame: frame("n1", "n2", { type: "AppendEntriesResponse", term: 1, success: true, matchIndex: 0 }) },
      { port: 2, frame: frame("n1", "n2", { type: "ForwardedRequest", client: "c7", seq: 3, op: put }) },
    ]);
    expect(follower.stats().wire).toEqual({ ...emptyCounters(), delivered: 2 });
    follower.stop();

    // n1 as the leader takes the request n3 forwarded; once n2 stores the entry it commits and answers c7 itself.
    const fromLeader: Sent[] = [];
    const leader = makeHost(fromLeader);
    startAs(leader, "leader");
    const term = state(leader).currentTerm;
    leader.receive(frame("n3", "n1", { type: "ForwardedRequest", client: "c7", seq: 3, op: put }));
    for (const peer of ["n2", "n3"])
      leader.receive(frame(peer, "n1", { type: "AppendEntriesResponse", term, success: true, matchIndex: 0 }));
    settle();
    leader.receive(frame("n2", "n1", { type: "AppendEntriesResponse", term, success: true, matchIndex: 1 }));
    settle();
    expect(state(leader).commitIndex).toBe(1);
    expect(fromLeader.filter((x) => x.port === CLIENT_PORT)).toEqual([
      { port: CLIENT_PORT, frame: frame("n1", "c7", { type: "ClientReply", seq: 3, result: { type: "put" } }) },
    ]);
    leader.stop();
  });

  it("counts a frame the reducer throws on once, as rejected, and keeps running", () => {
    const throwing: RuntimeBinding = {
      ...bindingOf(raft, { nodes: 3 }),
      role: () =>
        ({
          ...raftServer,
          reduce: () => {
            throw new Error("boom");
          },
        }) as unknown as RoleDef<unknown, unknown, unknown, unknown>,
    };
    const logged: string[] = [];
    const host = new NodeHost(
      {
        binding: throwing,
        variant: undefined,
        self: "n1",
        nodes: NODES,
        params,
        transport: { maxFrameBytes: MAX_UDP_FRAME_BYTES, send: () => true },
        ports: PORTS,
        clientPort: CLIENT_PORT,
        log: (l) => logged.push(l),
      },
      undefined,
    );
    const before = host.current;
    expect(() =>
      host.receive(frame("n2", "n1", { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 })),
    ).not.toThrow();
    expect(host.stats()).toMatchObject({ wire: { ...emptyCounters(), rejected: 1 }, inputs: 1, reducerErrors: 1 });
    expect(host.current).toBe(before);
    expect(logged).toEqual(['reducer error on {"type":"RequestVote","term":1,"lastLogIndex":0,"lastLogTerm":0}: boom']);
    host.stop();
  });

  // Keys named like Object.prototype's properties are ordinary keys (kv.ts reads own properties only).
  /** The messages a one-node cluster, once leader, sends in answer to `frames`. */
  function answersOfSoleLeader(frames: readonly string[]): unknown[] {
    const sent: Sent[] = [];
    const host = makeHost(sent, ["n1"]);
    host.start();
    vi.advanceTimersByTime(params.electionMaxMs);
    expect(state(host).role).toBe("leader");
    for (const f of frames) host.receive(f);
    settle();
    host.stop();
    return sent.map((x) => (JSON.parse(x.frame) as { msg: unknown }).msg);
  }

  it("a put and a get of the key __proto__ store and read an ordinary key, leaving Object.prototype alone", () => {
    const answers = answersOfSoleLeader([
      '{"v":1,"from":"c1","to":"n1","msg":{"type":"ClientRequest","seq":1,"op":{"type":"put","key":"__proto__","value":5}}}',
      '{"v":1,"from":"c1","to":"n1","msg":{"type":"ClientRequest","seq":2,"op":{"type":"get","key":"__proto__"}}}',
    ]);
    expect(answers).toEqual([
      { type: "ClientReply", seq: 1, result: { type: "put" } },
      { type: "ClientReply", seq: 2, result: { type: "get", value: 5 } },
    ]);
    expect(Object.isFrozen(Object.prototype)).toBe(false);
    expect(({} as Record<string, unknown>)["value"]).toBeUndefined();
  });

  it("a get of a key named like an Object.prototype property answers null with Maelstrom's key-does-not-exist code", () => {
    const answers = answersOfSoleLeader([
      frame("c1", "n1", { type: "ClientRequest", seq: 1, op: { type: "get", key: "toString" } }),
    ]);
    expect(answers).toEqual([{ type: "ClientReply", seq: 1, result: { type: "get", value: null, error: 20 } }]);
  });

  // Raft trusts its peers' terms: a (forged) term of 2^53 - 1 is valid, and the node's next
  // election makes it 2^53, which no validator accepts, so the cluster can elect no one after it.
  it("accepts a forged term of 2^53 - 1, after which no later term can be sent", () => {
    const sent: Sent[] = [];
    const host = makeHost(sent);
    const vote = (term: number) => frame("n2", "n1", { type: "RequestVote", term, lastLogIndex: 0, lastLogTerm: 0 });
    host.receive(vote(Number.MAX_SAFE_INTEGER));
    host.receive(vote(Number.MAX_SAFE_INTEGER + 1));
    expect(host.stats().wire).toEqual({ ...emptyCounters(), delivered: 1, invalid: 1 });
    expect(state(host).currentTerm).toBe(Number.MAX_SAFE_INTEGER);
    host.stop();
  });

  it("keeps a leader's heartbeat pending while every peer is awaiting, as the model does, and replicates once one answers", () => {
    const sent: Sent[] = [];
    const host = makeHost(sent);
    startAs(host, "leader");
    expect(state(host).role).toBe("leader");
    const appendsTo = (port: number) =>
      sent.filter((x) => x.port === port && x.frame.includes('"AppendEntries"')).length;
    // Elected: the first tick went out at once, to both peers, which now await an answer.
    expect([appendsTo(2), appendsTo(3)]).toEqual([1, 1]);
    expect(state(host).awaiting).toEqual(["n2", "n3"]);
    // Ticks while both await are not enabled; they must not disarm the heartbeat.
    vi.advanceTimersByTime(params.heartbeatMs * 3);
    expect([appendsTo(2), appendsTo(3)]).toEqual([1, 1]);
    host.receive(
      frame("n2", "n1", { type: "AppendEntriesResponse", term: state(host).currentTerm, success: true, matchIndex: 0 }),
    );
    vi.advanceTimersByTime(params.heartbeatMs);
    expect([appendsTo(2), appendsTo(3)]).toEqual([2, 1]);
    host.stop();
  });

  it("pipelines AppendEntries (pipeline=4 in real runs): up to 4 outstanding per peer, then a probe from the hint after a rejection", () => {
    const sent: Sent[] = [];
    const host = makeHost(sent);
    startAs(host, "leader");
    const term = state(host).currentTerm;
    const appendsTo = (port: number) =>
      sent.flatMap((x) => {
        const msg = (JSON.parse(x.frame) as { msg: { type: string; prevLogIndex: number; entries: unknown[] } }).msg;
        return x.port === port && msg.type === "AppendEntries" ? [[msg.prevLogIndex, msg.entries.length]] : [];
      });
    const put = (seq: number) => {
      host.receive(
        frame(`c${seq}`, "n1", { type: "ClientRequest", seq: 1, op: { type: "put", key: "x", value: seq } }),
      );
      settle();
    };
    // The election's heartbeat is outstanding; each put goes out at once, without waiting for an answer.
    for (const seq of [1, 2, 3, 4]) put(seq);
    expect(appendsTo(2)).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(state(host).inflight["n2"]).toEqual([0, 1, 2, 3]);
    // n2 acknowledges entry 2: what it acknowledges is freed, and entry 4 goes out after entry 3.
    host.receive(frame("n2", "n1", { type: "AppendEntriesResponse", term, success: true, matchIndex: 2 }));
    settle();
    expect(appendsTo(2).slice(4)).toEqual([[3, 1]]);
    expect([state(host).matchIndex["n2"], state(host).inflight["n2"]]).toEqual([2, [3, 4]]);
    // n2 lost entry 3: it rejects entry 4's AppendEntries, and the leader sends from its last index + 1.
    const reject = { type: "AppendEntriesResponse", term, success: false, matchIndex: 0, rejected: 3, hint: 2 };
    host.receive(frame("n2", "n1", reject));
    settle();
    expect(appendsTo(2).slice(5)).toEqual([[2, 2]]);
    expect([state(host).nextIndex["n2"], state(host).inflight["n2"]]).toEqual([5, [4]]);
    host.stop();
  });

  it("takes no input once stopped", () => {
    const host = makeHost([]);
    host.stop();
    host.receive(frame("n2", "n1", { type: "RequestVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 }));
    expect(host.stats().wire).toEqual(emptyCounters());
  });
});

// ---------------------------------------------------------------------------------------------
// Group commit with a durable file: what waits for the fsync and what does not.

describe("NodeHost's group commit (a real durable file and fsync)", () => {
  beforeEach(() => {
    // Timers are fake (elections, heartbeats); setImmediate, which runs the flush, and fsync are real.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const put = (client: string, value: number) =>
    frame(client, "n1", { type: "ClientRequest", seq: 1, op: { type: "put", key: "x", value } });
  const repliesTo = (sent: readonly Sent[], client: string): number =>
    sent.filter((x) => x.port === CLIENT_PORT && (JSON.parse(x.frame) as { to: string }).to === client).length;

  for (const early of [true, false])
    it(`a reply to a client ${early ? "leaves right after its write (Raft's sendBeforeFsync)" : "waits for an fsync when the spec declares nothing"}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "interleave-commit-"));
      const sent: Sent[] = [];
      const binding = bindingOf(raft, { nodes: 3 });
      const host = makeHost(sent, NODES, {
        binding: early ? binding : { ...binding, sendBeforeFsync: () => false },
        durablePath: join(dir, "n1.durable.jsonl"),
      });
      try {
        startAs(host, "leader");
        host.receive(put("c1", 1));
        settle();
        await sleep(50);
        // The AppendEntries with c1's entry left after its fsync; n2 holds it now.
        expect(state(host).log).toHaveLength(1);
        // In one turn: c2's put (a durable change, not yet written) and n2's answer, which commits c1's put.
        host.receive(put("c2", 2));
        host.receive(
          frame("n2", "n1", {
            type: "AppendEntriesResponse",
            term: state(host).currentTerm,
            success: true,
            matchIndex: 1,
          }),
        );
        expect(state(host).commitIndex).toBe(1);
        await turn();
        // The flush ran: c2's entry is written; the fsync that covers it has not completed in this turn.
        expect(readFileSync(join(dir, "n1.durable.jsonl"), "utf8")).toContain('"c2"');
        expect(repliesTo(sent, "c1")).toBe(early ? 1 : 0);
        await sleep(50);
        expect(repliesTo(sent, "c1")).toBe(1);
      } finally {
        host.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
});

// ---------------------------------------------------------------------------------------------
// The same fuzzer against a node running as its own OS process, over UDP.

/** Sends `frames` from `socket` to `port` and waits until every one has left. */
function sendAll(socket: Socket, port: number, frames: readonly (string | Uint8Array)[]): Promise<void> {
  return Promise.all(
    frames.map(
      (f) =>
        new Promise<void>((resolve, reject) =>
          socket.send(typeof f === "string" ? Buffer.from(f) : f, port, "127.0.0.1", (e) =>
            e ? reject(e) : resolve(),
          ),
        ),
    ),
  ).then(() => undefined);
}

/**
 * The client of the put after the fuzzing: a client id (c and digits) longer than any the fuzzer makes or a flipped
 * byte reaches.
 */
const PUT_CLIENT = "c31415926";

describe("a one-node Raft cluster process under fuzzed UDP datagrams", () => {
  it("drops every malformed datagram, counts it, and still commits a client's put", { timeout: 30_000 }, async () => {
    const seed = Number(process.env["INTERLEAVE_FUZZ_SEED"] ?? Date.now() % 2 ** 31);
    const replay = `replay with INTERLEAVE_FUZZ_SEED=${seed}`;
    // Fuzzed client requests come from c2, and a flipped byte can turn "c2" into "c1" (seed 907342484 did):
    // the put below comes from a client id longer than any the fuzzer makes, so no fuzzed frame can own its session.
    const frames = fc.sample(fuzzFrame({ self: "n1", peer: "n2", client: "c2", oversized: false }), {
      numRuns: 2000,
      seed,
    });
    // What the node must count: the same frames through an in-process node of the same one-node cluster.
    const twin = makeHost([], ["n1"]);
    for (const f of frames) twin.receive(typeof f === "string" ? Buffer.from(f) : f);
    const expected = { ...twin.stats().wire, delivered: twin.stats().wire.delivered + 1 };
    twin.stop();

    const dir = mkdtempSync(join(tmpdir(), "interleave-fuzz-"));
    const socket = createSocket("udp4");
    const replies: unknown[] = [];
    socket.on("message", (m) => {
      try {
        replies.push(JSON.parse(m.toString("utf8")));
      } catch {
        replies.push(m.toString("utf8"));
      }
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    let cluster: Cluster | undefined;
    try {
      cluster = await Cluster.start({
        spec: { module: catalogueModule(), name: "raft" },
        nodes: ["n1"],
        transport: "udp",
        dir,
        params,
        clientPort: socket.address().port,
      });
      const c = cluster;
      expect(await c.waitFor(() => c.leader(), 5000)).toBe("n1");
      const port = c.ports()["n1"]!;
      const counted = async (): Promise<number> => {
        const wire = (await c.stats()).n1?.wire;
        return wire === undefined ? -1 : sum(wire);
      };
      // Batches small enough for the socket buffer: a datagram lost on the way would not be the node's doing.
      for (let i = 0; i < frames.length; i += 50) {
        const batch = frames.slice(i, i + 50);
        await sendAll(socket, port, batch);
        const target = i + batch.length;
        const deadline = Date.now() + 5000;
        while ((await counted()) < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(await counted(), `frames counted after ${target} sent; ${replay}`).toBe(target);
      }
      const put = {
        v: 1,
        from: PUT_CLIENT,
        to: "n1",
        msg: { type: "ClientRequest", seq: 1, op: { type: "put", key: "x", value: 7 } },
      };
      await sendAll(socket, port, [JSON.stringify(put)]);
      const deadline = Date.now() + 5000;
      const isReply = (r: unknown) =>
        isRecord(r) &&
        r["to"] === PUT_CLIENT &&
        isRecord(r["msg"]) &&
        r["msg"]["type"] === "ClientReply" &&
        r["msg"]["seq"] === 1;
      while (!replies.some(isReply) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(replies.find(isReply), replay).toEqual({
        v: 1,
        from: "n1",
        to: PUT_CLIENT,
        msg: { type: "ClientReply", seq: 1, result: { type: "put" } },
      });
      expect(c.isUp("n1")).toBe(true);
      const wire = (await c.stats()).n1!.wire;
      expect(wire, replay).toEqual(expected);
      const drops = sum(wire) - wire.delivered;
      expect(drops, replay).toBeGreaterThanOrEqual(2000 - (expected.delivered - 1));
      expect(drops).toBeGreaterThan(1000);
    } finally {
      await cluster?.stop();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
