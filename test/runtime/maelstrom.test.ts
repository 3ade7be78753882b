import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { MaelstromCluster } from "../../src/runtime/maelstrom-harness.js";
import { MaelstromNode, parseMessage, type Message } from "../../src/runtime/maelstrom.js";

const bin = fileURLToPath(new URL("../../bin/interleave.js", import.meta.url));

/** Feeds `lines` to `interleave maelstrom <spec>`, closes stdin, and collects stdout lines, stderr and the exit code. */
function runNode(spec: string, lines: readonly string[]): Promise<{ out: Message[]; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "maelstrom", spec], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Message[] = [];
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    createInterface({ input: child.stdout }).on("line", (l) => out.push(JSON.parse(l) as Message));
    child.on("error", reject);
    child.on("close", (code) => resolve({ out, err, code }));
    for (const l of lines) child.stdin.write(`${l}\n`);
    child.stdin.end();
  });
}

const init = (node: string, nodes: string[], msgId = 1) =>
  JSON.stringify({ src: "c0", dest: node, body: { type: "init", msg_id: msgId, node_id: node, node_ids: nodes } });

describe("interleave maelstrom (process, stdio)", () => {
  it("answers init with init_ok in reply to the init's msg_id", async () => {
    const r = await runNode("unique-ids", [init("n1", ["n1"])]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatchObject({ src: "n1", dest: "c0", body: { type: "init_ok", in_reply_to: 1 } });
  });

  it("skips malformed lines without crashing, logging them to stderr only", async () => {
    const r = await runNode("echo", [
      init("n1", ["n1"]),
      "not json",
      '{"src":"c1"}',
      "[1,2]",
      JSON.stringify({ src: "c1", dest: "n1", body: { type: "echo", msg_id: 7, echo: "hi" } }),
    ]);
    expect(r.code).toBe(0);
    expect(r.out.map((m) => m.body.type)).toEqual(["init_ok", "echo_ok"]);
    expect(r.out[1]).toMatchObject({ dest: "c1", body: { echo: "hi", in_reply_to: 7 } });
    expect(r.err.match(/malformed input line skipped/g)).toHaveLength(3);
  });

  it("gives 20 generate requests 20 distinct ids across a restart", async () => {
    const gen = (i: number) => JSON.stringify({ src: "c1", dest: "n1", body: { type: "generate", msg_id: 100 + i } });
    const lines = [init("n1", ["n1", "n2"]), ...Array.from({ length: 10 }, (_, i) => gen(i))];
    const first = await runNode("unique-ids", lines);
    const second = await runNode("unique-ids", lines);
    const ids = [...first.out, ...second.out].filter((m) => m.body.type === "generate_ok").map((m) => m.body["id"]);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it("answers lin-kv requests of the raft spec with error 10 (not supported)", async () => {
    const r = await runNode("raft", [init("n1", ["n1"]), JSON.stringify({ src: "c1", dest: "n1", body: { type: "read", msg_id: 2, key: 0 } })]);
    expect(r.out[1]).toMatchObject({ body: { type: "error", code: 10, text: "not supported", in_reply_to: 2 } });
  });

  it("rejects an unknown spec with exit 2 and one line naming the valid ones", () => {
    const r = spawnSync(process.execPath, [bin, "maelstrom", "nope"], { input: "", encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("echo, unique-ids, broadcast, raft");
  });
});

describe("parseMessage", () => {
  it("accepts a message and explains what is wrong with others", () => {
    expect(parseMessage('{"src":"c0","dest":"n1","body":{"type":"echo"}}')).toEqual({ src: "c0", dest: "n1", body: { type: "echo" } });
    expect(parseMessage("{")).toMatch(/^not JSON/);
    expect(parseMessage('{"src":"c0","dest":"n1","body":{}}')).toBe("body.type must be a string");
    expect(parseMessage('{"src":"c0","dest":"n1","body":{"type":"x","msg_id":"1"}}')).toBe("body.msg_id must be a number");
  });
});

describe("in-process cluster of 3 nodes", () => {
  let cluster: MaelstromCluster | undefined;
  afterEach(() => cluster?.stop());

  it("echo: every node echoes", () => {
    cluster = new MaelstromCluster("echo");
    cluster.init();
    for (const [i, n] of cluster.nodeIds.entries()) {
      expect(cluster.request(n, { type: "echo", echo: { n: i } })).toMatchObject({ type: "echo_ok", echo: { n: i } });
    }
  });

  it("unique-ids: 300 generate requests spread over 3 nodes give 300 distinct ids", () => {
    cluster = new MaelstromCluster("unique-ids");
    cluster.init();
    const ids: unknown[] = [];
    for (let i = 0; i < 300; i++) {
      const r = cluster.request(cluster.nodeIds[i % 3]!, { type: "generate" });
      expect(r.type).toBe("generate_ok");
      ids.push(r["id"]);
    }
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it("unique-ids: ids stay distinct when every node reads the same frozen clock (sequence numbers, node numbers)", () => {
    // A clock that advances one tick every 5 readings: many ids share a tick.
    let readings = 0;
    cluster = new MaelstromCluster("unique-ids", { now: () => Math.floor(readings++ / 5) });
    cluster.init();
    const ids = Array.from({ length: 300 }, (_, i) => cluster!.request(cluster!.nodeIds[i % 3]!, { type: "generate" })["id"]);
    expect(new Set(ids).size).toBe(300);
  });

  for (const dropRate of [0, 0.3]) {
    it(`broadcast: 20 messages to random nodes reach every node's read (drop rate ${dropRate})`, () => {
      cluster = new MaelstromCluster("broadcast", { dropRate, seed: 42 });
      cluster.init();
      // A line topology n1 - n2 - n3: n1 and n3 hear of each other's messages only through n2.
      expect(cluster.request("n2", { type: "topology", topology: { n1: ["n2"], n2: ["n1", "n3"], n3: ["n2"] } }).type).toBe("topology_ok");
      for (const n of cluster.nodeIds.filter((x) => x !== "n2")) cluster.request(n, { type: "topology", topology: { n1: ["n2"], n2: ["n1", "n3"], n3: ["n2"] } });
      let seed = 7;
      const pick = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return cluster!.nodeIds[seed % 3]!;
      };
      for (let m = 1; m <= 20; m++) expect(cluster.request(pick(), { type: "broadcast", message: m }).type).toBe("broadcast_ok");
      expect(cluster.settle()).toBe(true);
      for (const n of cluster.nodeIds) {
        const r = cluster.request(n, { type: "read" });
        expect(r.type).toBe("read_ok");
        expect([...(r["messages"] as number[])].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
      if (dropRate > 0) expect(cluster.stats.dropped).toBeGreaterThan(0);
    });
  }

  it("a node ignores messages before init and answers unknown request types with error 10", () => {
    const sent: Message[] = [];
    const node = new MaelstromNode("echo", { send: (m) => sent.push(m), log: () => {} });
    node.handle({ src: "c1", dest: "n1", body: { type: "echo", msg_id: 1, echo: 1 } });
    expect(sent).toEqual([]);
    node.handle({ src: "c0", dest: "n1", body: { type: "init", msg_id: 2, node_id: "n1", node_ids: ["n1"] } });
    node.handle({ src: "c1", dest: "n1", body: { type: "frobnicate", msg_id: 3 } });
    expect(sent.map((m) => m.body)).toEqual([
      { type: "init_ok", msg_id: 1, in_reply_to: 2 },
      { type: "error", code: 10, text: "not supported", msg_id: 2, in_reply_to: 3 },
    ]);
    node.stop();
  });
});
