/**
 * The real-network runtime end to end: Raft node processes on 127.0.0.1, the
 * nemesis, the clients' history checked by lincheck, and conformance of each
 * node's recorded inputs against the model. Runs are short (7 to 9 s); the
 * assertions are verdicts and counts that hold on any run, not timings.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLinearizability, parseHistory, registerModel } from "../../src/history/index.js";
import { catalogueModule } from "../../checker/run/spec.js";
import { raft, SCENARIO_KEY } from "../../specs/raft.js";
import { resolveParams } from "../../src/params.js";
import { bindingOf } from "../../src/runtime/binding.js";
import { Clients, historyFile } from "../../src/runtime/client.js";
import { Cluster, sleep } from "../../src/runtime/cluster.js";
import { conform as replay, readRunRecord } from "../../src/runtime/conform.js";
import { nodeFiles } from "../../src/runtime/node-config.js";
import { nemesisSchedule, describeEvent } from "../../src/runtime/nemesis.js";
import { runCluster, type RunOptions, type RunSummary } from "../../src/runtime/run.js";

const root = mkdtempSync(join(tmpdir(), "interleave-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function options(name: string, over: Partial<RunOptions>): RunOptions {
  return {
    spec: raft,
    specRef: { module: catalogueModule(), name: "raft" },
    nodes: 3,
    durationS: 7,
    nemesis: [],
    rate: 200,
    seed: 1,
    history: join(root, `${name}.jsonl`),
    dir: join(root, name),
    transport: "tcp",
    params: {},
    clients: 5,
    keys: 3,
    ...over,
  };
}

/** Replays a Raft run (conform takes the spec the run ran). */
const conform = (dir: string, options: { readonly variant?: string | null } = {}) =>
  replay(dir, { spec: raft, ...options });

function verdict(history: string): string {
  return checkLinearizability(parseHistory(readFileSync(history), { file: history }).events, registerModel).result;
}

describe("nemesis schedule", () => {
  it("comes from the seed alone", () => {
    const nodes = ["n1", "n2", "n3"];
    const schedule = nemesisSchedule(1, ["partition", "kill"], nodes, 30_000).map(describeEvent);
    expect(schedule).toEqual([
      "2.0s kill -9 n2",
      "3.5s restart n2",
      "5.5s kill -9 n2",
      "7.5s restart n2",
      "9.3s partition [n3] | [n1 n2]",
      "12.8s heal",
      "14.0s partition [n1] | [n2 n3]",
      "16.5s heal",
      "17.7s partition [n3] | [n1 n2]",
      "20.0s heal",
      "21.7s kill -9 n1",
      "24.7s restart n1",
      "26.4s partition [n2] | [n3 n1]",
      "29.5s heal",
    ]);
    expect(nemesisSchedule(1, ["partition", "kill"], nodes, 30_000)).toEqual(
      nemesisSchedule(1, ["partition", "kill"], nodes, 30_000),
    );
    expect(nemesisSchedule(2, ["partition", "kill"], nodes, 30_000)).not.toEqual(
      nemesisSchedule(1, ["partition", "kill"], nodes, 30_000),
    );
    // Every fault ends before the run does.
    for (const e of nemesisSchedule(5, ["partition", "kill", "delay", "duplicate", "isolate-leader"], nodes, 10_000))
      expect(e.at).toBeLessThanOrEqual(9_500);
  });
});

describe("interleave run: raft on 3 node processes", () => {
  let killed: RunSummary;
  beforeAll(async () => {
    killed = await runCluster(options("kill", { durationS: 9, nemesis: ["partition", "kill"] }));
  }, 60_000);

  it("survives kill -9 and partitions with a linearizable history and final reads of every key", () => {
    // On a loaded machine (a CI run once) the nemesis can fall so far behind that the last restart comes after the
    // run's wrap-up time: the run then says so, and starts no process, rather than failing a start it gave 0 ms.
    const late = "7.5s restart n2 FAILED after 0 attempts: no time was left before the run's wrap-up";
    expect(killed.nemesis.slice(0, 3)).toEqual(["2.0s kill -9 n2", "3.5s restart n2", "5.5s kill -9 n2"]);
    expect(killed.nemesis.slice(3)).toEqual([killed.nemesis[3] === late ? late : "7.5s restart n2"]);
    expect(killed.kills).toBe(2);
    // No node died outside the nemesis, none was killed at the end: every session but the killed ones closed its log.
    expect(killed.deaths).toEqual([]);
    expect(killed.killsByNode).toEqual({ n1: 0, n2: 2, n3: 0 });
    expect(killed.operations.ok).toBeGreaterThanOrEqual(100);
    expect(killed.operations.invoked).toBe(killed.operations.ok + killed.operations.fail + killed.operations.info);
    expect(killed.finalReads.map((r) => r.key)).toEqual(["k0", "k1", "k2"]);
    for (const r of killed.finalReads) expect(r.value === null || typeof r.value === "number").toBe(true);
    expect(killed.reducerErrors).toBe(0);
    // Acknowledged writes survive kill -9: otherwise the final reads (or later reads) contradict them.
    expect(verdict(killed.history)).toBe("linearizable");
  });

  it("conforms: every node's recorded outputs are the model's, across restarts from the durable file", () => {
    const r = conform(killed.dir);
    expect(r.divergence).toBeUndefined();
    expect(r.nodes.map((n) => [n.node, n.boots]).filter(([node]) => node !== "n2")).toEqual([
      ["n1", 1],
      ["n3", 1],
    ]);
    // n2 boots 3 times when its first restart (3.5 s) is up before the second kill (5.5 s); on a
    // machine so loaded that the restart takes 2 s, kill -9 lands before the node logs its boot.
    expect(r.nodes.find((n) => n.node === "n2")?.boots).toBeGreaterThanOrEqual(2);
    expect(r.nodes.find((n) => n.node === "n2")?.boots).toBeLessThanOrEqual(3);
    for (const n of r.nodes) expect(n.inputs).toBeGreaterThan(50);
  });

  it("conform reports the first output that differs: another variant, a tampered output, a lost durable write", () => {
    // Replayed against stale-read, the first read a leader handled is answered at once in the model.
    const other = conform(killed.dir, { variant: "stale-read" });
    expect(other.divergence?.what).toMatch(/^input ClientRequest from c\d+: the model's output differs/);

    // A recorded output changed: the divergence names that input's line.
    const tampered = join(root, "tampered");
    cpSync(killed.dir, tampered, { recursive: true });
    const log = join(tampered, "nodes", "n1.inputs.jsonl");
    const lines = readFileSync(log, "utf8").split("\n");
    const at = lines.findIndex((l) => l.startsWith('{"t":"out","effects":[{"type":"send"'));
    expect(at).toBeGreaterThan(0);
    lines[at] = '{"t":"out","effects":[]}';
    writeFileSync(log, lines.join("\n"));
    const d = conform(tampered).divergence;
    expect(d?.node).toBe("n1");
    expect(d?.line).toBe(at); // the input's line (1-based), just before its output
    expect(d?.recorded).toEqual([]);

    // A restart that restored less than the model had: what "fsync before send" prevents.
    const lossy = join(root, "lossy");
    cpSync(killed.dir, lossy, { recursive: true });
    const n2 = join(lossy, "nodes", "n2.inputs.jsonl");
    const n2lines = readFileSync(n2, "utf8").split("\n");
    const boot = n2lines.findIndex((l, i) => i > 0 && l.startsWith('{"t":"boot"'));
    expect(boot).toBeGreaterThan(0);
    n2lines[boot] = JSON.stringify({ t: "boot", restored: { currentTerm: 0, votedFor: null, log: [] } });
    writeFileSync(n2, n2lines.join("\n"));
    const lost = conform(lossy).divergence;
    expect(lost?.node).toBe("n2");
    expect(lost?.line).toBe(boot + 1);
    expect(lost?.what).toMatch(/^restart: the durable fields restored differ/);
  });
});

describe("interleave run: isolate the leader, write on the majority side, read from the old leader", () => {
  it("stale-read answers from the old leader and lincheck rejects the history; correct Raft stays linearizable", async () => {
    // Check-quorum per term (a model parameter set for the run): with real runs' per-period check the
    // cut-off leader steps down about when the majority elects a new one, and whether it still answers
    // the read would be a race.
    const params = { checkQuorum: "term" };
    const [stale, correct] = [
      await runCluster(options("stale", { variant: "stale-read", nemesis: ["isolate-leader"], params })),
      await runCluster(options("correct", { nemesis: ["isolate-leader"], params })),
    ];
    for (const s of [stale, correct]) {
      expect(s.nemesis).toEqual([
        "2.0s isolate the leader, write on the majority side, read from the old leader",
        "6.0s heal",
      ]);
      expect(s.finalReads.find((r) => r.key === SCENARIO_KEY)?.value).toBe(2);
    }
    expect(verdict(stale.history)).toBe("violation");
    expect(verdict(correct.history)).toBe("linearizable");
    // The runtime's own choices are recorded too, with --param's over them: conform replays what ran.
    expect(readRunRecord(correct.dir).modelParams).toEqual({ checkQuorum: "term", compactAfter: 1000, pipeline: 4 });
    expect(conform(correct.dir).divergence).toBeUndefined();
  }, 60_000);
});

describe("interleave run: clients talking to followers", () => {
  interface Logged {
    readonly from: string;
    readonly input: { readonly type: string; readonly op?: { readonly type: string } };
  }

  /** The message inputs of `type` a node's input log records. */
  function inputsOf(dir: string, node: string, type: string): Logged[] {
    return readFileSync(nodeFiles(dir, node).inputs, "utf8")
      .split("\n")
      .filter((l) => l.startsWith('{"t":"in","kind":"message"'))
      .map((l) => JSON.parse(l) as Logged)
      .filter((e) => e.input.type === type);
  }

  it("a follower forwards each request to the leader, which answers the client: 44 of 44 ok, linearizable", async () => {
    const binding = bindingOf(raft, { nodes: 3 });
    // Long election timeouts: on a loaded machine a follower must not lose its leader mid-test.
    const params = resolveParams(binding.params, {}, { electionMinMs: 2000, electionMaxMs: 4000 });
    const dir = join(root, "followers");
    const path = join(root, "followers.jsonl");
    const history = historyFile(path);
    let cluster: Cluster | undefined;
    const clients = await Clients.open({
      transport: "tcp",
      binding,
      variant: undefined,
      params: { ...params, keys: 2, clients: 4 },
      ports: () => cluster?.ports() ?? {},
      history,
    });
    let followers: string[] = [];
    const outcomes: string[] = [];
    try {
      cluster = await Cluster.start({
        spec: { module: catalogueModule(), name: "raft" },
        learned: binding.learned,
        variant: undefined,
        nodes: binding.nodeIds,
        transport: "tcp",
        dir,
        params,
        clientPort: clients.port,
      });
      const running = cluster;
      const leader = await running.waitFor(() => running.leader(), 10_000);
      expect(leader).toBeDefined();
      followers = binding.nodeIds.filter((n) => n !== leader);
      // The leader's first heartbeats tell the followers who leads.
      await sleep(500);
      // 4 clients, each pinned to a follower (never retrying elsewhere): 10 writes, then a read of its key.
      const results = await Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          const id = clients.newClient("client");
          const key = `k${i % 2}`;
          const server = followers[i % 2]!;
          const ops = [
            ...Array.from({ length: 10 }, (_, k) => ({ type: "put", key, value: 10 * i + k })),
            { type: "get", key },
          ];
          const out: string[] = [];
          for (const op of ops)
            out.push((await clients.invoke(id, { type: "Invoke", op }, { server, pinned: true })).type);
          return out;
        }),
      );
      outcomes.push(...results.flat());
    } finally {
      await cluster?.stop(2000);
      await clients.close();
      history.close();
    }
    expect(outcomes).toEqual(Array.from({ length: 44 }, () => "ok"));
    // Every request reached a follower, and every write went on to the leader as a ForwardedRequest.
    expect(followers.map((f) => inputsOf(dir, f, "ClientRequest").length)).toEqual([22, 22]);
    const leader = binding.nodeIds.find((n) => !followers.includes(n))!;
    const forwarded = inputsOf(dir, leader, "ForwardedRequest");
    expect(forwarded.filter((e) => e.input.op?.type === "put").length).toBe(40);
    expect(new Set(forwarded.map((e) => e.from))).toEqual(new Set(followers));
    expect(verdict(path)).toBe("linearizable");
  }, 60_000);
});

describe("interleave run --closed-loop --param ops=puts", () => {
  it("each client invokes its next write when the previous one completes: every operation ok, linearizable, CPU counted", async () => {
    const s = await runCluster(
      options("closed", {
        durationS: 4,
        closedLoop: true,
        clients: 8,
        keys: 4,
        // Election timeouts twice the default: on a loaded machine no election interrupts the fault-free run.
        params: { ops: "puts", electionMinMs: 300, electionMaxMs: 600 },
      }),
    );
    // 8 clients, none waiting for a rate: each operation takes well under 320 ms.
    expect(s.operations.ok).toBeGreaterThanOrEqual(100);
    expect(s.operations).toEqual({ invoked: s.operations.ok, ok: s.operations.ok, fail: 0, info: 0 });
    // Writes only, but for the 4 final reads.
    const invoked = parseHistory(readFileSync(s.history), { file: s.history }).events.filter(
      (e) => e.type === "invoke",
    );
    expect(invoked.filter((e) => e.f === "read").length).toBe(4);
    expect(invoked.filter((e) => e.f === "write").length).toBe(s.operations.invoked - 4);
    expect(s.cpuMs.nodes).toBeGreaterThan(0);
    expect(s.cpuMs.driver).toBeGreaterThan(0);
    expect(verdict(s.history)).toBe("linearizable");
  }, 60_000);
});
