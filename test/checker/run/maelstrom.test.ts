/**
 * A Maelstrom node in process: `runMaelstrom` on a stream with its output
 * captured (the CLI's `interleave maelstrom` is this function on stdio,
 * test/runtime/maelstrom.test.ts runs it as a process), message parsing,
 * and the node's answers to every kind of bad or unexpected input, word
 * for word, with a clock and a poll the test drives.
 */
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { MaelstromNode, parseMessage, runMaelstrom, type Message } from "../../../checker/run/maelstrom.js";

/** Runs `workload` on `lines`; its exit code, stdout lines (parsed) and stderr lines. */
async function run(workload: string, lines: readonly string[]) {
  let out = "";
  let err = "";
  const code = await runMaelstrom(workload, {
    input: Readable.from(lines.map((l) => `${l}\n`)),
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
  });
  return {
    code,
    out:
      out === ""
        ? []
        : out
            .trimEnd()
            .split("\n")
            .map((l) => JSON.parse(l) as Message),
    err: err === "" ? [] : err.trimEnd().split("\n"),
    raw: { out, err },
  };
}

const msg = (src: string, dest: string, body: Message["body"]): Message => ({ src, dest, body });
const initBody = (node = "n1", nodes = ["n1"], msgId = 1) => ({
  type: "init",
  msg_id: msgId,
  node_id: node,
  node_ids: nodes,
});

describe("runMaelstrom: the node on a stream", () => {
  it("an unknown workload: exit 2 and one line naming the valid ones, nothing read", async () => {
    const r = await run("paxos", ["{}"]);
    expect([r.code, r.out, r.raw.err]).toEqual([
      2,
      [],
      'interleave: unknown maelstrom workload "paxos"; valid: echo, unique-ids, broadcast, lin-kv, raft\n',
    ]);
  });

  it("echo: answers each line, skips blank and malformed ones with the reason, one line each", async () => {
    const r = await run("echo", [
      JSON.stringify(msg("c0", "n1", initBody())),
      "",
      "   ",
      "not json",
      "[1,2]",
      '{"src":"c1","dest":"n1","body":null}',
      JSON.stringify(msg("c1", "n1", { type: "echo", msg_id: 7, echo: "hi" })),
      JSON.stringify(msg("c1", "n1", { type: "echo", msg_id: 8, echo: [1, { a: null }] })),
    ]);
    expect(r.code).toBe(0);
    expect(r.raw.out).toBe(
      [
        '{"src":"n1","dest":"c0","body":{"type":"init_ok","msg_id":1,"in_reply_to":1}}',
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":"hi","msg_id":2,"in_reply_to":7}}',
        '{"src":"n1","dest":"c1","body":{"type":"echo_ok","echo":[1,{"a":null}],"msg_id":3,"in_reply_to":8}}',
        "",
      ].join("\n"),
    );
    expect(r.err).toEqual([
      "init n1 of n1 serving echo",
      expect.stringMatching(/^malformed input line skipped \(not JSON: .+\): not json$/),
      "malformed input line skipped (not a JSON object): [1,2]",
      'malformed input line skipped (body must be an object): {"src":"c1","dest":"n1","body":null}',
    ]);
  });

  it("lin-kv: a request the node cannot serve yet is answered before the node stops at the end of input", async () => {
    // One node, no leader yet: the read is offered again for 100 ms, then answered 11.
    const r = await run("lin-kv", [
      JSON.stringify(msg("c0", "n1", initBody())),
      JSON.stringify(msg("c1", "n1", { type: "read", msg_id: 5, key: 1 })),
    ]);
    expect(r.code).toBe(0);
    expect(r.out.map((m) => m.body)).toEqual([
      { type: "init_ok", msg_id: 1, in_reply_to: 1 },
      { type: "error", code: 11, text: "lin-kv: cannot serve this request now", msg_id: 2, in_reply_to: 5 },
    ]);
  });
});

describe("parseMessage: what is wrong with a line", () => {
  it("names the first thing wrong", () => {
    const cases: [string, string][] = [
      ["null", "not a JSON object"],
      ["3", "not a JSON object"],
      ['"x"', "not a JSON object"],
      ["[]", "not a JSON object"],
      ['{"dest":"n1","body":{"type":"a"}}', "src and dest must be strings"],
      ['{"src":"c1","body":{"type":"a"}}', "src and dest must be strings"],
      ['{"src":1,"dest":"n1","body":{"type":"a"}}', "src and dest must be strings"],
      ['{"src":"c1","dest":"n1"}', "body must be an object"],
      ['{"src":"c1","dest":"n1","body":null}', "body must be an object"],
      ['{"src":"c1","dest":"n1","body":[]}', "body must be an object"],
      ['{"src":"c1","dest":"n1","body":"echo"}', "body must be an object"],
      ['{"src":"c1","dest":"n1","body":{"type":3}}', "body.type must be a string"],
      ['{"src":"c1","dest":"n1","body":{"type":"a","msg_id":"1"}}', "body.msg_id must be a number"],
      ['{"src":"c1","dest":"n1","body":{"type":"a","in_reply_to":null}}', "body.in_reply_to must be a number"],
    ];
    for (const [line, why] of cases) expect([line, parseMessage(line)]).toEqual([line, why]);
    expect(parseMessage("{")).toMatch(/^not JSON: /);
    const ok = '{"src":"c1","dest":"n1","body":{"type":"a","msg_id":1,"in_reply_to":2}}';
    expect(parseMessage(ok)).toEqual(JSON.parse(ok));
  });
});

describe("MaelstromNode: bad and unexpected input, with the test's clock", () => {
  let node: MaelstromNode | undefined;
  afterEach(() => node?.stop());

  /** A node whose clock and poll the test drives; what it sent and logged, and the polls started and stopped. */
  function harness(workload: string, options: { requestTimeoutMs?: number; retryMs?: number } = {}) {
    const sent: Message[] = [];
    const logs: string[] = [];
    const polls: { ms: number; f: () => void; stopped: boolean }[] = [];
    let now = 1_000;
    node = new MaelstromNode(workload, {
      send: (m) => sent.push(m),
      log: (l) => logs.push(l),
      now: () => now,
      random: () => 0,
      every: (ms, f) => {
        const p = { ms, f, stopped: false };
        polls.push(p);
        return () => void (p.stopped = true);
      },
      ...options,
    });
    const n = node;
    return {
      node: n,
      sent,
      logs,
      polls,
      /** Moves the clock by `ms` and runs the live polls. */
      advance(ms: number) {
        now += ms;
        for (const p of polls) if (!p.stopped) p.f();
      },
    };
  }

  it("an unknown workload is refused as the node is made", () => {
    expect(() => new MaelstromNode("kafka", { send: () => {}, log: () => {} })).toThrow(
      'unknown maelstrom workload "kafka"; valid: echo, unique-ids, broadcast, lin-kv, raft',
    );
  });

  it("before init: messages are logged and ignored; the id is unknown", () => {
    const h = harness("echo");
    const early = msg("c1", "n1", { type: "echo", msg_id: 1, echo: 1 });
    h.node.handle(early);
    expect([h.node.id, h.sent, h.logs]).toEqual([
      undefined,
      [],
      [`message before init, ignored: ${JSON.stringify(early)}`],
    ]);
  });

  it("a malformed init is answered 12 from the address it was sent to, and leaves the node uninitialised", () => {
    const h = harness("echo");
    const text = "init needs node_id (a string) and node_ids (strings, node_id among them)";
    const bodies = [
      { type: "init", msg_id: 1, node_id: 1, node_ids: ["n1"] },
      { type: "init", msg_id: 2, node_id: "n1", node_ids: "n1" },
      { type: "init", msg_id: 3, node_id: "n1", node_ids: ["n1", 2] },
      { type: "init", msg_id: 4, node_id: "n1", node_ids: ["n2"] },
      { type: "init", node_id: "n1" },
    ];
    for (const body of bodies) h.node.handle(msg("c0", "n9", body));
    expect(h.sent).toEqual(
      [1, 2, 3, 4].map((k) => msg("n9", "c0", { type: "error", code: 12, text, msg_id: k, in_reply_to: k })),
    );
    // The last had no msg_id: logged, not answered.
    expect(h.logs.at(-1)).toBe(`error 12 (${text}) for ${JSON.stringify(msg("c0", "n9", bodies[4]!))}`);
    expect([h.node.id, h.polls.length]).toEqual([undefined, 0]);
  });

  it("init: the id known, one poll every 10 ms; a second init stops the first's poll and starts afresh", () => {
    const h = harness("echo");
    h.node.handle(msg("c0", "n1", initBody("n1", ["n1", "n2"])));
    expect([h.node.id, h.polls.map((p) => [p.ms, p.stopped])]).toEqual(["n1", [[10, false]]]);
    h.node.handle(msg("c0", "n2", initBody("n2", ["n1", "n2"], 2)));
    expect([h.node.id, h.polls.map((p) => [p.ms, p.stopped])]).toEqual([
      "n2",
      [
        [10, true],
        [10, false],
      ],
    ]);
    expect(h.logs).toEqual(["init n1 of n1,n2 serving echo", "init n2 of n1,n2 serving echo"]);
    // Message ids count on across the inits.
    expect(h.sent.map((m) => [m.src, m.body.msg_id, m.body.in_reply_to])).toEqual([
      ["n1", 1, 1],
      ["n2", 2, 2],
    ]);
  });

  it("from clients: a reply is logged and ignored; a request without msg_id is served but cannot be answered", () => {
    const h = harness("echo");
    h.node.handle(msg("c0", "n1", initBody()));
    const stray = msg("c1", "n1", { type: "echo_ok", in_reply_to: 4 });
    h.node.handle(stray);
    h.node.handle(msg("c1", "n1", { type: "echo", echo: 1 }));
    h.node.handle(msg("c1", "n1", { type: "frob" }));
    expect(h.sent).toHaveLength(1);
    expect(h.logs.slice(1)).toEqual([
      `unexpected reply ignored: ${JSON.stringify(stray)}`,
      "message to c1 answers no request, dropped",
      `error 10 (frob is not supported) for ${JSON.stringify(msg("c1", "n1", { type: "frob" }))}`,
    ]);
  });

  it("from other nodes: a malformed relay and an invalid peer message are logged; other types answered 10 unless replies", () => {
    const h = harness("echo");
    h.node.handle(msg("c0", "n1", initBody("n1", ["n1", "n2"])));
    const relay = msg("n2", "n1", { type: "relay", client: 3, msg: {} });
    const peer = msg("n2", "n1", { type: "peer", msg: { anything: 1 } });
    h.node.handle(relay);
    h.node.handle(peer);
    h.node.handle(msg("n2", "n1", { type: "gossip", msg_id: 9 }));
    h.node.handle(msg("n2", "n1", { type: "gossip_ok", in_reply_to: 9 }));
    expect(h.sent.slice(1)).toEqual([
      msg("n1", "n2", {
        type: "error",
        code: 10,
        text: "gossip is not a message between nodes",
        msg_id: 2,
        in_reply_to: 9,
      }),
    ]);
    expect(h.logs.slice(1, 3)).toEqual([
      `malformed relay ignored: ${JSON.stringify(relay)}`,
      `invalid message ignored: ${JSON.stringify(peer)}`,
    ]);
  });

  it("lin-kv: a request no role takes is offered again for retryMs, then answered 11", () => {
    const h = harness("lin-kv", { retryMs: 50 });
    h.node.handle(msg("c0", "n1", initBody("n1", ["n1", "n2", "n3"])));
    h.node.handle(msg("c1", "n1", { type: "read", msg_id: 5, key: 1 }));
    expect([h.sent.length, h.node.retryingRequests]).toEqual([1, 1]);
    for (let k = 0; k < 4; k++) h.advance(10);
    expect([h.sent.length, h.node.retryingRequests]).toEqual([1, 1]);
    h.advance(10);
    expect([h.sent.at(-1)!.body, h.node.retryingRequests]).toEqual([
      { type: "error", code: 11, text: "lin-kv: cannot serve this request now", msg_id: 2, in_reply_to: 5 },
      0,
    ]);
  });

  it("lin-kv: a request the leader took but cannot commit is answered 0 at requestTimeoutMs; one it commits, by its reply", () => {
    const h = harness("lin-kv", { requestTimeoutMs: 300 });
    h.node.handle(msg("c0", "n1", initBody("n1", ["n1", "n2", "n3"])));
    // Its election timer (random 0: the shortest) fires and it asks for pre-votes, then votes: n2 grants both.
    for (let k = 0; k < 40; k++) h.advance(10);
    expect(h.sent.slice(1, 3).map((m) => [m.dest, m.body])).toEqual([
      ["n2", { type: "peer", msg: { type: "PreVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 }, msg_id: 2 }],
      ["n3", { type: "peer", msg: { type: "PreVote", term: 1, lastLogIndex: 0, lastLogTerm: 0 }, msg_id: 3 }],
    ]);
    h.node.handle(msg("n2", "n1", { type: "peer", msg: { type: "PreVoteResponse", term: 1, granted: true } }));
    h.node.handle(msg("n2", "n1", { type: "peer", msg: { type: "RequestVoteResponse", term: 1, granted: true } }));
    expect((h.node.roleState as { role: string }).role).toBe("leader");
    const toClient = () => h.sent.filter((m) => m.dest === "c1").map((m) => m.body);
    h.node.handle(msg("c1", "n1", { type: "write", msg_id: 5, key: 1, value: 2 }));
    for (let k = 0; k < 29; k++) h.advance(10);
    expect(toClient()).toEqual([]);
    h.advance(10);
    expect(toClient()).toEqual([
      expect.objectContaining({
        type: "error",
        code: 0,
        text: "no answer in time; the operation may still take effect",
        in_reply_to: 5,
      }),
    ]);
    expect(h.logs.at(-1)).toBe(
      `error 0 (no answer in time; the operation may still take effect) for ${JSON.stringify(msg("c1", "n1", { type: "write", msg_id: 5, key: 1, value: 2 }))}`,
    );
  });
});
