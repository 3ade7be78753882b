import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");
const work = mkdtempSync(join(tmpdir(), "interleave-run-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: work, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("interleave run and conform (CLI)", () => {
  it("runs a cluster, prints ops/s and latency percentiles, and the history it writes passes lincheck and conform", () => {
    const r = run("run", "raft", "--nodes", "3", "--duration", "3", "--seed", "1", "--history", "h.jsonl", "--dir", "run1");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^raft: 3 nodes over tcp, \d+\.\d s, seed 1$/m);
    expect(r.stdout).toMatch(/^throughput: [\d.]+ ok ops\/s; latency of ok ops: p50 [\d.]+ ms, p90 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms$/m);
    expect(r.stdout).toMatch(/^next: interleave lincheck h\.jsonl; interleave conform run1$/m);
    const events = readFileSync(join(work, "h.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string });
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
    [["run", "two-phase-commit", "--history", "x.jsonl"], 'interleave: spec "two-phase-commit" cannot run on a real network yet; specs with a runtime binding: raft\n'],
    [["run", "raft", "--nemesis", "partition,flood", "--history", "x.jsonl"], 'interleave: unknown nemesis fault "flood"; faults: partition, kill, delay, duplicate, isolate-leader\n'],
    [["run", "raft", "--variant", "fast", "--history", "x.jsonl"], 'interleave: spec "raft" has no variant "fast" that can run; variants: vote-twice, no-log-check, commit-old-term, stale-read\n'],
    [["run", "raft", "--param", "heartbeatMs=0", "--history", "x.jsonl"], 'interleave: param "heartbeatMs" must be at least 1, got 0\n'],
    [["run", "raft"], "interleave: required option '--history <file>' not specified\n"],
    [["run", "raft", "--transport", "quic", "--history", "x.jsonl"], "interleave: option '--transport <kind>' argument 'quic' is invalid. Allowed choices are udp, tcp.\n"],
    [["conform", "no-such-dir"], "interleave: no-such-dir is not a run directory: no-such-dir/run.json does not exist (interleave run writes it)\n"],
  ])("%j exits 2 with one line", (args, message) => {
    const r = run(...args);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
    expect(existsSync(join(work, "x.jsonl"))).toBe(false);
  });
});
