import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { raft } from "../../specs/raft.js";
import { cli } from "../support/cli.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");
const work = mkdtempSync(join(tmpdir(), "interleave-run-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: work, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("interleave run and conform (CLI)", () => {
  it("runs a protocol without client roles (two-phase commit) on its model's 4 nodes for the whole duration", () => {
    const r = run("run", "two-phase-commit", "--duration", "2", "--history", "tpc.jsonl", "--dir", "tpc");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^two-phase-commit: 4 nodes over tcp, 2\.\d s, seed 1$/m);
    expect(r.stdout).toContain("operations: 0 invoked");
    // The resource managers took their own steps (prepare or abort) and the manager heard of them.
    const delivered = Number(/^frames delivered to nodes: ([\d,]+);/m.exec(r.stdout)?.[1]?.replace(/,/g, ""));
    expect(delivered).toBeGreaterThan(0);
    const c = run("conform", "tpc");
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^conforms: every recorded output is the model's \(two-phase-commit\)$/m);
  }, 60_000);

  it("runs a cluster, prints ops/s and latency percentiles, and the history it writes passes lincheck and conform", () => {
    const r = run(
      "run",
      "raft",
      "--nodes",
      "3",
      "--duration",
      "3",
      "--seed",
      "1",
      "--history",
      "h.jsonl",
      "--dir",
      "run1",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^raft: 3 nodes over tcp, \d+\.\d s, seed 1$/m);
    expect(r.stdout).toMatch(
      /^throughput: [\d.]+ ok ops\/s; latency of ok ops: p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms$/m,
    );
    expect(r.stdout).toMatch(/^next: interleave lincheck h\.jsonl; interleave conform run1$/m);
    const events = readFileSync(join(work, "h.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events.filter((e) => e.type === "invoke").length).toBeGreaterThan(50);
    const lin = run("lincheck", "h.jsonl");
    expect(lin.code).toBe(0);
    expect(lin.stdout).toMatch(/^h\.jsonl: linearizable/);
    const c = run("conform", "run1");
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^conforms: every recorded output is the model's \(raft\)$/m);
    // The run directory is never reused: a second run there is refused before anything starts.
    const again = run("run", "raft", "--duration", "1", "--history", "h2.jsonl", "--dir", "run1");
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`interleave: run directory run1 already holds a run; choose another with --dir\n`);
    expect(existsSync(join(work, "h2.jsonl"))).toBe(false);
  }, 60_000);

  it.each([
    [
      ["run", "unique-ids", "--history", "x.jsonl"],
      'interleave: spec "unique-ids" is not a protocol (defineProtocol): only a protocol\'s reducers can run as node processes\n',
    ],
    [
      ["run", "raft", "--nemesis", "partition,flood", "--history", "x.jsonl"],
      'interleave: unknown nemesis fault "flood"; faults: partition, kill, delay, duplicate, isolate-leader\n',
    ],
    [
      ["run", "raft", "--variant", "fast", "--history", "x.jsonl"],
      'interleave: spec "raft" has no variant "fast" that can run; variants: vote-twice, no-log-check, commit-old-term, stale-read, read-before-own-commit, forwarder-answers, prevote-bumps-term, snapshot-drops-sessions, optimistic-match\n',
    ],
    [
      ["run", "raft", "--param", "heartbeatMs=0", "--history", "x.jsonl"],
      'interleave: param "heartbeatMs" must be at least 1, got 0\n',
    ],
    // A model parameter is set for the run, checked as `check` checks it; one that changes the nodes is refused.
    [
      ["run", "raft", "--param", "checkQuorum=always", "--history", "x.jsonl"],
      'interleave: param "checkQuorum" must be one of term, period; got "always"\n',
    ],
    [
      ["run", "raft", "--param", "servers=5", "--history", "x.jsonl"],
      'interleave: param "servers" changes the model\'s nodes; a run sets them with --nodes and --clients\n',
    ],
    [["run", "raft"], "interleave: required option '--history <file>' not specified\n"],
    [
      ["run", "raft", "--transport", "quic", "--history", "x.jsonl"],
      "interleave: option '--transport <kind>' argument 'quic' is invalid. Allowed choices are udp, tcp.\n",
    ],
    [
      ["conform", "no-such-dir"],
      "interleave: no-such-dir is not a run directory: no-such-dir/run.json does not exist (interleave run writes it)\n",
    ],
    // Outputs are checked before anything starts.
    [
      ["run", "raft", "--history", "no-such-dir/x.jsonl"],
      `interleave: --history no-such-dir/x.jsonl: directory ${join(work, "no-such-dir")} does not exist; create it first\n`,
    ],
    [["run", "raft", "--history", "."], "interleave: --history . is a directory; give a file name\n"],
    [
      ["run", "raft", "--history", "x.jsonl", "--json", "no-such-dir/s.json"],
      `interleave: --json no-such-dir/s.json: directory ${join(work, "no-such-dir")} does not exist; create it first\n`,
    ],
    [
      ["run", "raft", "--history", "x.jsonl", "--dir", "plain.txt/run"],
      `interleave: --dir plain.txt/run: ${join(work, "plain.txt")} is not a directory\n`,
    ],
    [["conform", "no-such-dir", "--json", "."], "interleave: --json . is a directory; give a file name\n"],
  ])("%j exits 2 with one line", (args, message) => {
    writeFileSync(join(work, "plain.txt"), "x");
    const r = run(...args);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
    expect(existsSync(join(work, "x.jsonl"))).toBe(false);
    expect(existsSync(join(work, "interleave-runs"))).toBe(false);
  });
});

describe("interleave conform on a damaged run directory: exit 2, one line naming the file and line", () => {
  const fixture = resolve(import.meta.dirname, "fixtures/conform-run");
  let n = 0;
  /** A copy of the fixture run with `damage` done to it. */
  function damaged(damage: (dir: string) => void): string {
    const dir = join(work, `damaged-${n++}`);
    cpSync(fixture, dir, { recursive: true });
    damage(dir);
    return dir;
  }
  const inputs = (dir: string, node = "n1") => join(dir, "nodes", `${node}.inputs.jsonl`);
  /** Replaces line `at` (1-based) of n1's input log. */
  const replaceLine = (at: number, text: string) => (dir: string) => {
    const lines = readFileSync(inputs(dir), "utf8").split("\n");
    lines[at - 1] = text;
    writeFileSync(inputs(dir), lines.join("\n"));
  };
  const runRecord = (edit: (r: Record<string, unknown>) => void) => (dir: string) => {
    const record = JSON.parse(readFileSync(join(dir, "run.json"), "utf8")) as Record<string, unknown>;
    edit(record);
    writeFileSync(join(dir, "run.json"), JSON.stringify(record));
  };

  const conform = (dir: string) => cli("conform", dir);

  it.each<[string, (dir: string) => void, (dir: string) => string]>([
    ["a null line", replaceLine(3, "null"), (d) => `${inputs(d)}:3: not an input-log entry: not a JSON object`],
    [
      "an input that is not an object",
      replaceLine(3, '{"t":"in","kind":"message","from":"n3","input":null}'),
      (d) => `${inputs(d)}:3: not an input-log entry: "input" must be an object`,
    ],
    [
      "a restored state that is not an object",
      replaceLine(1, '{"t":"boot","restored":5}'),
      (d) => `${inputs(d)}:1: not an input-log entry: "restored" must be an object or null`,
    ],
    [
      "a local action without a type",
      replaceLine(3, '{"t":"local","action":7}'),
      (d) => `${inputs(d)}:3: not an input-log entry: "action" must be an object with a "type"`,
    ],
    [
      "effects that are not a list",
      replaceLine(4, '{"t":"out","effects":"x"}'),
      (d) => `${inputs(d)}:4: not an input-log entry: "effects" must be a list`,
    ],
    [
      "a line nested 20,000 deep",
      replaceLine(4, `{"t":"out","effects":${"[".repeat(20_000)}${"]".repeat(20_000)}}`),
      (d) => `${inputs(d)}:4: not an input-log entry: nests more than 100 levels deep`,
    ],
    ["garbage in the middle", replaceLine(3, "garbage"), (d) => `${inputs(d)}:3: not a JSON line`],
    [
      "an input log that is a directory",
      (d) => (rmSync(inputs(d, "n2")), mkdirSync(inputs(d, "n2"))),
      (d) => `${inputs(d, "n2")} is a directory, not a file written by interleave run`,
    ],
    [
      "a missing input log",
      (d) => rmSync(inputs(d, "n3")),
      (d) => `${inputs(d, "n3")} does not exist: node n3 recorded no inputs`,
    ],
    [
      "run.json truncated",
      (d) => writeFileSync(join(d, "run.json"), '{"spec":"raft","nod'),
      (d) => `${join(d, "run.json")}: not valid JSON (Unterminated string in JSON at position 19)`,
    ],
    [
      "run.json not JSON",
      (d) => writeFileSync(join(d, "run.json"), "hello\n"),
      (d) => `${join(d, "run.json")}: not valid JSON (Unexpected token 'h', "hello\\n" is not valid JSON)`,
    ],
    [
      "run.json an array",
      (d) => writeFileSync(join(d, "run.json"), "[]"),
      (d) => `${join(d, "run.json")}: not a run record written by interleave run: expected a JSON object`,
    ],
    [
      "run.json without a spec",
      runRecord((r) => delete r["spec"]),
      (d) => `${join(d, "run.json")}: not a run record written by interleave run: "spec" must be a spec name`,
    ],
    [
      "node names that leave the run directory",
      runRecord((r) => (r["nodes"] = ["../../n1"])),
      (d) =>
        `${join(d, "run.json")}: not a run record written by interleave run: "nodes" must be a non-empty list of node names like "n1"`,
    ],
    [
      "model params the spec does not have",
      runRecord((r) => (r["modelParams"] = { pipeline: 4, pipelines: 2, quorum: 1 })),
      () =>
        'run.json sets model params "pipelines", "quorum" that spec "raft" does not have; model params: ' +
        Object.keys(raft.definition.params ?? {}).join(", "),
    ],
    [
      "run.json a directory",
      (d) => (rmSync(join(d, "run.json")), mkdirSync(join(d, "run.json"))),
      (d) => `${join(d, "run.json")} is a directory, not a file written by interleave run`,
    ],
  ])("%s", async (_what, damage, expected) => {
    const dir = damaged(damage);
    expect(await conform(dir)).toEqual({ code: 2, stdout: "", stderr: `interleave: ${expected(dir)}\n` });
  });
});
