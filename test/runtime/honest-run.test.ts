/**
 * Honest runs: `interleave run` names the nodes that die outside the
 * nemesis's kills (a full disk is simulated by making a node's input log a
 * link to /dev/full, where every write fails with ENOSPC) and exits 3;
 * reports failed restarts; ends within --duration plus its grace (asserted on
 * the summary's own record of its end, never on the test's clock). `conform`
 * rejects a log cut short, torn, emptied, or with an input without its
 * output, naming the node and the line; and rotated input logs stay bounded
 * and still conform.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveParams } from "../../src/params.js";
import { catalogueModule } from "../../checker/run/spec.js";
import { raft } from "../../specs/raft.js";
import { bindingOf } from "../../src/runtime/binding.js";
import { Cluster } from "../../src/runtime/cluster.js";
import { conform as replay } from "../../src/runtime/conform.js";
import { listSegments } from "../../src/runtime/input-log.js";
import { formatRunSummary, runCluster, runExitCode, type RunOptions, type RunSummary } from "../../src/runtime/run.js";
import { emptyCounters } from "../../src/runtime/wire.js";
import { cli as inProcess } from "../support/cli.js";

const repo = resolve(import.meta.dirname, "../..");
const bin = join(repo, "bin/interleave.js");
const work = mkdtempSync(join(tmpdir(), "interleave-honest-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: work, timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run directory whose nodes' input logs are links to /dev/full: their first write fails with ENOSPC. */
function fullDisk(dir: string, nodes: readonly string[]): void {
  mkdirSync(join(work, dir, "nodes"), { recursive: true });
  for (const n of nodes) symlinkSync("/dev/full", join(work, dir, "nodes", `${n}.inputs.jsonl`));
}

function summaryOf(dir: string): RunSummary {
  return (JSON.parse(readFileSync(join(work, dir, "run.json"), "utf8")) as { summary: RunSummary }).summary;
}

describe("interleave run on a full disk: exit 3, naming the nodes and the cause", () => {
  it("one node's disk is full: it dies of ENOSPC, the others serve, the run exits 3", () => {
    fullDisk("full1", ["n2"]);
    const r = cli("run", "raft", "--duration", "3", "--history", "h-full1.jsonl", "--dir", "full1");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      /^INCOMPLETE: node n2 died outside the nemesis's kills:\n {2}n2 at \d+\.\d s: exit code 1: ENOSPC: no space left on device, write$/m,
    );
    const s = summaryOf("full1");
    expect(s.deaths.map((d) => [d.node, d.cause])).toEqual([
      ["n2", "exit code 1: ENOSPC: no space left on device, write"],
    ]);
    expect(s.timing.endedMs).toBeLessThanOrEqual(s.timing.plannedEndMs + s.timing.graceMs);
  }, 120_000);

  it("every node's disk is full: all three are named, no operation ran, and the run ends at once", () => {
    fullDisk("full3", ["n1", "n2", "n3"]);
    const r = cli("run", "raft", "--duration", "30", "--history", "h-full3.jsonl", "--dir", "full3");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^INCOMPLETE: nodes n1, n2, n3 died outside the nemesis's kills:$/m);
    expect(r.stdout).toMatch(/^operations: 0 invoked, 0 ok, 0 fail, 0 info \(unknown outcome\)$/m);
    const s = summaryOf("full3");
    expect(s.deaths.map((d) => d.node).sort()).toEqual(["n1", "n2", "n3"]);
    for (const d of s.deaths) expect(d.cause).toBe("exit code 1: ENOSPC: no space left on device, write");
    // The workload stopped when the last node died, long before --duration 30.
    expect(s.timing.endedMs).toBeLessThan(s.timing.plannedEndMs);
    expect(s.finalReads).toEqual([
      { key: "k0", value: "unknown" },
      { key: "k1", value: "unknown" },
      { key: "k2", value: "unknown" },
    ]);
  }, 120_000);
});

describe("interleave run --duration 3: ends within the duration plus the grace, every log closed", () => {
  it("the summary records the planned end, the grace and the actual end; conform accepts the closed logs", () => {
    const r = cli("run", "raft", "--duration", "3", "--history", "h-d3.jsonl", "--dir", "d3", "--json", "-");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RunSummary;
    expect(s.timing.plannedEndMs).toBe(3000);
    expect(s.timing.graceMs).toBe(5000);
    expect(s.timing.endedMs).toBeGreaterThanOrEqual(3000);
    expect(s.timing.endedMs).toBeLessThanOrEqual(8000);
    expect(s.deaths).toEqual([]);
    expect(s.killsByNode).toEqual({ n1: 0, n2: 0, n3: 0 });
    for (const n of ["n1", "n2", "n3"])
      expect(readFileSync(join(work, "d3", "nodes", `${n}.inputs.jsonl`), "utf8").endsWith('{"t":"end"}\n')).toBe(true);
    expect(cli("conform", "d3").code).toBe(0);
  }, 120_000);
});

describe("the summary's verdict", () => {
  const clean: RunSummary = {
    spec: "raft",
    variant: null,
    nodes: 3,
    transport: "tcp",
    seed: 1,
    durationMs: 3100,
    operations: { invoked: 10, ok: 10, fail: 0, info: 0 },
    okPerSecond: 3.2,
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 },
    nemesis: [
      "2.0s kill -9 n2",
      "3.5s restart n2 FAILED after 6 attempts: node n2 failed to start: listen EADDRINUSE: address already in use 127.0.0.1:4000",
    ],
    kills: 1,
    finalReads: [],
    dropped: { ...emptyCounters(), delivered: 5 },
    unsendable: 0,
    fsyncs: 3,
    reducerErrors: 0,
    history: "h.jsonl",
    historyEvents: 20,
    dir: "run",
    deaths: [],
    failedRestarts: [],
    timing: { plannedEndMs: 3000, graceMs: 5000, endedMs: 3400 },
    killsByNode: { n1: 0, n2: 1, n3: 0 },
    cpuMs: { nodes: 1200, driver: 300 },
  };

  it("0 for a complete run, 3 for a death, a failed restart or an overrun, 1 for a reducer error", () => {
    expect(runExitCode(clean)).toBe(0);
    expect(runExitCode({ ...clean, deaths: [{ node: "n1", atMs: 100, cause: "exit code 1: EPERM" }] })).toBe(3);
    expect(runExitCode({ ...clean, failedRestarts: [{ node: "n2", atMs: 3600, error: "EADDRINUSE" }] })).toBe(3);
    expect(runExitCode({ ...clean, timing: { plannedEndMs: 3000, graceMs: 5000, endedMs: 8001 } })).toBe(3);
    expect(runExitCode({ ...clean, timing: { plannedEndMs: 3000, graceMs: 5000, endedMs: 8000 } })).toBe(0);
    expect(runExitCode({ ...clean, reducerErrors: 1, deaths: [{ node: "n1", atMs: 100, cause: "x" }] })).toBe(1);
  });

  it("prints a failed restart as failed, with its error", () => {
    const text = formatRunSummary({
      ...clean,
      failedRestarts: [
        {
          node: "n2",
          atMs: 3600,
          error: "node n2 failed to start: listen EADDRINUSE: address already in use 127.0.0.1:4000",
        },
      ],
    });
    expect(text.split("\n").slice(3, 6)).toEqual([
      "nemesis: 2 events (1 kill -9)",
      "  2.0s kill -9 n2",
      "  3.5s restart n2 FAILED after 6 attempts: node n2 failed to start: listen EADDRINUSE: address already in use 127.0.0.1:4000",
    ]);
    expect(text).toContain("\ncpu: nodes 1.2 s, driver 0.3 s (150.00 CPU s per 1,000 ok ops)\n");
    expect(text).toContain(
      "\ntime: planned 3.0 s, ended at 3.4 s (grace 5.0 s for operations in flight, final reads and stopping the nodes)\n",
    );
    expect(text).toContain(
      "\nINCOMPLETE: a restart failed:\n  n2 at 3.6 s: node n2 failed to start: listen EADDRINUSE: address already in use 127.0.0.1:4000\n",
    );
  });
});

describe("Cluster.restart: a node whose port is taken", () => {
  it("moves to a new port after 3 attempts (the peers are told), and reports a restart that cannot finish in time as failed", async () => {
    const binding = bindingOf(raft, { nodes: 3 });
    const dir = join(work, "ports");
    const cluster = await Cluster.start({
      spec: raftRef,
      learned: binding.learned,
      nodes: ["n1", "n2", "n3"],
      transport: "tcp",
      dir,
      params: resolveParams(binding.params, {}, {}),
      clientPort: 1,
    });
    const blocker = createServer();
    try {
      const old = cluster.ports()["n2"]!;
      cluster.kill("n2");
      await new Promise((r) => setTimeout(r, 300));
      await new Promise<void>((r) => blocker.listen(old, "127.0.0.1", r));
      const moved = await cluster.restart("n2");
      expect(moved.ok).toBe(true);
      if (!moved.ok) return;
      expect(moved.attempts).toBe(4);
      expect(moved.error).toMatch(
        /^node n2 failed to start: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/,
      );
      expect(moved.port).not.toBe(old);
      expect(cluster.ports()["n2"]).toBe(moved.port);

      cluster.kill("n2");
      const late = await cluster.restart("n2", Date.now() + 20);
      expect(late.ok).toBe(false);
      expect(late.attempts).toBe(1);
      if (late.ok) return;
      expect(late.error).toMatch(/^node n2 did not start within \d+ ms \(see .*n2\.log\)$/);
      expect(cluster.isUp("n2")).toBe(false);
      // Past the deadline, no process is started at all.
      expect(await cluster.restart("n2", Date.now() - 1)).toEqual({
        ok: false,
        attempts: 0,
        error: "no time was left before the run's wrap-up",
      });
      expect(cluster.isUp("n2")).toBe(false);
      expect(cluster.deaths).toEqual([]);
      expect(cluster.killsByNode).toEqual({ n1: 0, n2: 2, n3: 0 });
    } finally {
      blocker.close();
      await cluster.stop();
    }
  }, 120_000);
});

describe("interleave conform on a log cut short: exit 2, naming the node, the file and the line", () => {
  const fixture = resolve(import.meta.dirname, "fixtures/conform-run");
  let n = 0;
  const inputs = (dir: string, node = "n2") => join(dir, "nodes", `${node}.inputs.jsonl`);
  function damaged(damage: (dir: string) => void): string {
    const dir = join(work, `cut-${n++}`);
    cpSync(fixture, dir, { recursive: true });
    damage(dir);
    return dir;
  }
  const keepLines = (count: number) => (dir: string) =>
    writeFileSync(inputs(dir), readFileSync(inputs(dir), "utf8").split("\n").slice(0, count).join("\n") + "\n");
  const conformCli = (dir: string) => inProcess("conform", dir);
  const stops =
    (line: number, record = "run.json records 0 kills of n2") =>
    (d: string) =>
      `${inputs(d)}:${line}: node n2's input log stops here without an end record (truncated or torn): 1 session without one, and ${record}`;

  it("the fixture itself is a complete run: every log closes with its end record and conforms", async () => {
    const r = await conformCli(fixture);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^conforms: every recorded output is the model's \(raft\)$/m);
  });

  it.each<[string, (dir: string) => void, (dir: string) => string]>([
    ["cut to half (at a line's end)", keepLines(15), stops(15)],
    [
      "cut in the middle of a line (torn)",
      (d) => writeFileSync(inputs(d), readFileSync(inputs(d)).subarray(0, 1500)),
      stops(16),
    ],
    [
      "emptied",
      (d) => writeFileSync(inputs(d), ""),
      (d) =>
        `${inputs(d)}:1: node n2's input log is empty: it was truncated (interleave run writes a boot record first)`,
    ],
    ["only its end record lost", keepLines(56), stops(56)],
    [
      "cut, in a run that did not finish (no kills recorded)",
      (d) => {
        keepLines(15)(d);
        const record = JSON.parse(readFileSync(join(d, "run.json"), "utf8")) as Record<string, unknown>;
        delete record["kills"];
        writeFileSync(join(d, "run.json"), JSON.stringify(record));
      },
      stops(15, "run.json records no kills (the run did not finish)"),
    ],
    [
      "an input without its output",
      (d) => {
        const lines = readFileSync(inputs(d), "utf8").split("\n");
        lines.splice(3, 1); // line 4, the output of line 3's input
        writeFileSync(inputs(d), lines.join("\n"));
      },
      (d) =>
        `${inputs(d)}:3: node n2's input ElectionTimeout has no output: the next input follows it at line 4 (the log is torn, or a line was lost)`,
    ],
    [
      "a line after the end record",
      (d) => writeFileSync(inputs(d), `${readFileSync(inputs(d), "utf8")}{"t":"sync"}\n`),
      (d) => `${inputs(d)}:58: node n2's log goes on after its end record without a boot`,
    ],
  ])("%s", async (_what, damage, expected) => {
    const dir = damaged(damage);
    expect(await conformCli(dir)).toEqual({ code: 2, stdout: "", stderr: `interleave: ${expected(dir)}\n` });
  });
});

const raftRef = { module: catalogueModule(), name: "raft" };
const conform = (dir: string) => replay(dir, { spec: raft });

function options(name: string, over: Partial<RunOptions>): RunOptions {
  return {
    spec: raft,
    specRef: raftRef,
    nodes: 3,
    durationS: 6,
    nemesis: [],
    rate: 200,
    seed: 1,
    history: join(work, `${name}.jsonl`),
    dir: join(work, name),
    transport: "tcp",
    params: {},
    clients: 5,
    keys: 3,
    ...over,
  };
}

describe("a run with kill -9: the killed sessions lack end records, as many as run.json records", () => {
  let killed: RunSummary;
  beforeAll(async () => {
    killed = await runCluster(options("killed", { nemesis: ["kill"] }));
  }, 120_000);

  it("conforms with n2 killed once; with that kill erased from run.json, conform names n2 and the line its killed session stops at", () => {
    expect(killed.nemesis).toEqual(["2.0s kill -9 n2", "3.5s restart n2"]);
    expect(killed.killsByNode).toEqual({ n1: 0, n2: 1, n3: 0 });
    expect(runExitCode(killed)).toBe(0);
    expect(conform(killed.dir).nodes.map((x) => [x.node, x.boots])).toEqual([
      ["n1", 1],
      ["n2", 2],
      ["n3", 1],
    ]);
    const erased = join(work, "killed-erased");
    cpSync(killed.dir, erased, { recursive: true });
    const record = JSON.parse(readFileSync(join(erased, "run.json"), "utf8")) as { kills: Record<string, number> };
    record.kills["n2"] = 0;
    writeFileSync(join(erased, "run.json"), JSON.stringify(record));
    const log = join(erased, "nodes", "n2.inputs.jsonl");
    const lines = readFileSync(log, "utf8").split("\n");
    const secondBoot = lines.findIndex((l, i) => i > 0 && l.startsWith('{"t":"boot"'));
    expect(secondBoot).toBeGreaterThan(1);
    expect(() => conform(erased)).toThrow(
      `${log}:${secondBoot}: node n2's input log stops here without an end record (truncated or torn): 1 session without one, and run.json records 0 kills of n2`,
    );
  });
});

describe("input-log rotation in a run: bounded segments that still conform", () => {
  it("with 16 KB segments, 2 kept: every node keeps at most 2 segments, the oldest kept opens with a snapshot, and the run conforms", async () => {
    const s = await runCluster(
      options("rotated", { durationS: 3, inputLog: { segmentBytes: 16 * 1024, keepSegments: 2 } }),
    );
    expect(runExitCode(s)).toBe(0);
    for (const node of ["n1", "n2", "n3"]) {
      const segments = listSegments(join(s.dir, "nodes", `${node}.inputs.jsonl`));
      expect(segments.length).toBeLessThanOrEqual(2);
      expect(segments[0]!.index).toBeGreaterThan(0);
      expect(readFileSync(segments[0]!.path, "utf8").startsWith('{"t":"snapshot","state":{')).toBe(true);
      for (const seg of segments) expect(statSync(seg.path).size).toBeLessThan(64 * 1024);
    }
    expect(
      readdirSync(join(s.dir, "nodes")).filter((f) => f.endsWith(".jsonl") && f.includes("inputs")).length,
    ).toBeLessThanOrEqual(6);
    expect(conform(s.dir).divergence).toBeUndefined();
  }, 120_000);
});
