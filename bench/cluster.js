// The real-network runtime: Raft key-value operations per second on 3 local
// node processes (TCP, fsynced durable state, group commit), with the history
// checked by lincheck so the figure counts only a linearizable run.
// Run by bench/run.js (`npm run bench`), or alone: `node bench/cluster.js`.
// The anchors hold no figure for a real Raft cluster on this machine kind:
// the rows are a saturating load (32 clients) and the acceptance run (5
// clients at 200 ops/s under partitions and kill -9), with their availability.
// Wall-clock figures are printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/interleave.js");

function interleave(args, cwd) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd, maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function row(name, args, work) {
  const run = interleave(["run", "raft", ...args, "--history", `${name}.jsonl`, "--dir", name, "--json", "-"], work);
  if (run.code !== 0) throw new Error(`interleave run ${args.join(" ")} failed (${run.code}): ${run.stderr}`);
  const s = JSON.parse(run.stdout);
  const lin = interleave(["lincheck", `${name}.jsonl`, "--json", "-"], work);
  const verdict = JSON.parse(lin.stdout.trim().split("\n")[0]);
  const conform = interleave(["conform", name], work);
  const l = s.latencyMs;
  console.log(
    `${name}: ${s.operations.ok.toLocaleString("en-US")} ok of ${s.operations.invoked.toLocaleString("en-US")} in ${(s.durationMs / 1000).toFixed(1)} s: ` +
      `${s.okPerSecond} ok ops/s; latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms; ${s.fsyncs.toLocaleString("en-US")} fsyncs; ` +
      `lincheck: ${verdict.result} (${verdict.durationMs.toFixed(0)} ms); conform: ${conform.code === 0 ? "conforms" : "DIVERGES"}`,
  );
  return s;
}

export async function main() {
  console.log("\n== real network: `interleave run raft`, 3 node processes on 127.0.0.1 (TCP)");
  const work = mkdtempSync(join(tmpdir(), "interleave-bench-"));
  try {
    const saturated = row("saturating", ["--duration", "10", "--clients", "32", "--rate", "100000"], work);
    const faulty = row("partition-kill", ["--duration", "30", "--nemesis", "partition,kill", "--seed", "1"], work);
    const o = faulty.operations;
    console.log(
      `  under partitions and kill -9: ${((100 * o.ok) / o.invoked).toFixed(1)}% of operations ok, ${o.info} with unknown outcome; ` +
        `saturating throughput ${saturated.okPerSecond} ok ops/s with a linearizable history (no anchor figure for a real cluster)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
