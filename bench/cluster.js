// The real-network runtime: Raft key-value operations per second on 3 local
// node processes (TCP, fsynced durable state, pipelined group commit), with
// the history checked by lincheck so the figure counts only a linearizable run.
// Run by bench/run.js (`npm run bench`), or alone: `node bench/cluster.js`.
//
// The baseline is etcd 3.4's put benchmark on this machine kind: 7,500
// puts/s with 50 closed-loop clients on a 3-member cluster (the anchors'
// figure). The first row is its counterpart: 50 closed-loop clients writing
// (`--closed-loop --param ops=puts`), where every operation must be ok. The
// second row is the mixed workload (reads, writes, compare-and-sets: a cas
// that finds another value completes as `fail`, which is the store's answer,
// not an error). The third is the acceptance run under partitions and kill -9.
//
// Besides ok ops/s, each row prints the CPU seconds the node processes and
// the driver spent per 1,000 ok ops: on a machine shared with other work the
// throughput understates what a quiet one sustains, and the CPU cost says by
// how much. Wall-clock figures are printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/interleave.js");

/** etcd 3.4, 3 members, 50 closed-loop clients, puts/s on this machine kind. */
const ETCD_PUTS_PER_S = 7500;

function interleave(args, cwd) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd, maxBuffer: 1 << 26 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const n = (x) => x.toLocaleString("en-US");

function row(name, args, work) {
  const run = interleave(["run", "raft", ...args, "--history", `${name}.jsonl`, "--dir", name, "--json", "-"], work);
  if (run.code !== 0) throw new Error(`interleave run ${args.join(" ")} failed (${run.code}): ${run.stderr}`);
  const s = JSON.parse(run.stdout);
  const lin = interleave(["lincheck", `${name}.jsonl`, "--json", "-"], work);
  const verdict = JSON.parse(lin.stdout.trim().split("\n")[0]);
  const conform = interleave(["conform", name], work);
  const l = s.latencyMs;
  const o = s.operations;
  const cpu = s.cpuMs.nodes + s.cpuMs.driver;
  console.log(
    `${name}: ${n(o.ok)} ok of ${n(o.invoked)} (${n(o.fail)} fail, ${n(o.info)} info) in ${(s.durationMs / 1000).toFixed(1)} s: ` +
      `${s.okPerSecond} ok ops/s; latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms; ${n(s.fsyncs)} fsyncs; ` +
      `CPU ${(s.cpuMs.nodes / 1000).toFixed(1)} s nodes + ${(s.cpuMs.driver / 1000).toFixed(1)} s driver = ${o.ok > 0 ? (cpu / o.ok).toFixed(2) : "-"} CPU s per 1,000 ok ops; ` +
      `lincheck: ${verdict.result} (${verdict.durationMs.toFixed(0)} ms); conform: ${conform.code === 0 ? "conforms" : "DIVERGES"}`,
  );
  return { ...s, linearizable: verdict.result === "linearizable" };
}

export async function main() {
  console.log(
    `\n== real network: \`interleave run raft\`, 3 node processes on 127.0.0.1 (TCP), ${cpus().length} cores shared with the driver`,
  );
  const work = mkdtempSync(join(tmpdir(), "interleave-bench-"));
  try {
    const puts = row(
      "etcd-puts",
      ["--duration", "10", "--clients", "50", "--closed-loop", "--param", "ops=puts", "--keys", "100"],
      work,
    );
    row("mixed", ["--duration", "10", "--clients", "50", "--closed-loop"], work);
    const faulty = row("partition-kill", ["--duration", "30", "--nemesis", "partition,kill", "--seed", "1"], work);
    const notOk = puts.operations.invoked - puts.operations.ok;
    const cpuPerOp = (puts.cpuMs.nodes + puts.cpuMs.driver) / Math.max(1, puts.operations.ok);
    console.log(
      `  etcd row (50 closed-loop clients, puts): ${puts.okPerSecond} ok ops/s = ${(puts.okPerSecond / ETCD_PUTS_PER_S).toFixed(2)}x etcd's ${n(ETCD_PUTS_PER_S)} puts/s ` +
        `(acceptance: 0.5x); ${notOk === 0 ? "every operation ok" : `${n(notOk)} operations NOT ok`}; history ${puts.linearizable ? "linearizable" : "NOT linearizable"}; ` +
        `${cpuPerOp.toFixed(2)} CPU ms per op: ${n(Math.round((cpus().length * 1000) / cpuPerOp))} ok ops/s if this process tree had the machine's ${cpus().length} cores to itself`,
    );
    const o = faulty.operations;
    console.log(
      `  under partitions and kill -9: ${((100 * o.ok) / o.invoked).toFixed(1)}% of operations ok, ${o.info} with unknown outcome`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
