// Benchmarks of the history checkers against Porcupine's figures (Go, one
// process, measured on this machine kind) over Porcupine's own histories in
// test/fixtures/porcupine. Plain ESM JavaScript
// over the build: run `npx tsc -p tsconfig.build.json` first, then
// `node bench/lincheck.js`. Prints ratios; never asserts on time.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { resourceUsage } from "node:process";
import { checkLinearizability, kvModel, parseHistory, registerModel } from "../dist/src/history/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(here, "../test/fixtures/porcupine");

/** Porcupine's times on this machine kind (Go 1.19, 2 cores), measured once and recorded here. */
const PORCUPINE = { etcdCorpusMs: 420, kvC50OkPartitionedMs: 173 };
const GOAL_ETCD_MS = 210;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ratio(ours, theirs) {
  return `${(ours / theirs).toFixed(2)}x Porcupine's time (${ours <= theirs ? `${(theirs / ours).toFixed(1)}x faster` : `${(ours / theirs).toFixed(1)}x slower`})`;
}

/** Parses and checks all 103 etcd logs in one pass; returns [total ms, check-only ms, mismatches]. */
function etcdPass(texts, expected) {
  let check = 0;
  let mismatches = 0;
  const start = performance.now();
  for (const { file, text } of texts) {
    const h = parseHistory(text, { file });
    const t = performance.now();
    const r = checkLinearizability(h.events, registerModel);
    check += performance.now() - t;
    if (r.result !== expected.get(`etcd/${file}`)) mismatches++;
  }
  return [performance.now() - start, check, mismatches];
}

function loadExpected() {
  const rows = readFileSync(resolve(corpus, "expected.tsv"), "utf8").trim().split("\n").slice(1);
  return new Map(rows.map((l) => l.split("\t")));
}

function etcdTexts() {
  const files = readdirSync(resolve(corpus, "etcd")).filter((f) => f.endsWith(".log")).sort();
  return files.map((file) => ({ file, text: readFileSync(resolve(corpus, "etcd", file)) }));
}

/** One cold pass in this (fresh) process; prints JSON for the parent. */
function coldPassChild() {
  const c0 = process.cpuUsage();
  const [ms, checkMs, mismatches] = etcdPass(etcdTexts(), loadExpected());
  const cpu = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ ms, checkMs, mismatches, cpuMs: (cpu.user + cpu.system) / 1000 }) + "\n");
}

/** Runs the benchmarks and prints a table; returns the measurements. */
export async function main({ print = console.log, warmRuns = 5, coldRuns = 5 } = {}) {
  const expected = loadExpected();
  const texts = etcdTexts();
  const results = {};

  // 1. The whole etcd corpus in one process. Cold: a fresh process's first
  // pass (V8 compiles as it goes, as in one CLI run), median of several
  // processes. Warm: later passes in this process.
  const cold = [];
  for (let i = 0; i < coldRuns; i++) {
    cold.push(JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--cold-etcd-pass"], { encoding: "utf8" })));
  }
  const coldMs = median(cold.map((c) => c.ms));
  const coldCheckMs = median(cold.map((c) => c.checkMs));
  const coldCpuMs = median(cold.map((c) => c.cpuMs));
  const warm = [];
  for (let i = 0; i < warmRuns; i++) warm.push(etcdPass(texts, expected));
  const warmMs = median(warm.map((w) => w[0]));
  const warmCheckMs = median(warm.map((w) => w[1]));
  results.etcd = { coldMs, coldCheckMs, coldCpuMs, warmMs, warmCheckMs, mismatches: cold.reduce((n, c) => n + c.mismatches, 0) + warm.reduce((n, w) => n + w[2], 0) };
  print(`etcd corpus, 103 logs, parse + check, one process (Porcupine ${PORCUPINE.etcdCorpusMs} ms, goal < ${GOAL_ETCD_MS} ms):`);
  print(`  cold (fresh process, median of ${coldRuns}) ${coldMs.toFixed(1)} ms, CPU ${coldCpuMs.toFixed(0)} ms (checking ${coldCheckMs.toFixed(1)} ms)  ${ratio(coldMs, PORCUPINE.etcdCorpusMs)}`);
  print(`  warm (median of ${warmRuns} later passes)    ${warmMs.toFixed(1)} ms (checking ${warmCheckMs.toFixed(1)} ms)  ${ratio(warmMs, PORCUPINE.etcdCorpusMs)}`);
  print(`  verdicts differing from expected.tsv: ${results.etcd.mismatches}`);

  // 2. kv c50-ok, partitioned by key.
  const c50 = parseHistory(readFileSync(resolve(corpus, "kv/c50-ok.txt")), { file: "c50-ok.txt" });
  const kvRuns = [];
  let kvResult = "";
  let kvConfigurations = 0;
  for (let i = 0; i < 1 + warmRuns; i++) {
    const t = performance.now();
    const report = checkLinearizability(c50.events, kvModel);
    kvRuns.push(performance.now() - t);
    kvResult = report.result;
    kvConfigurations = report.configurations;
  }
  results.kvPartitioned = { firstMs: kvRuns[0], warmMs: median(kvRuns.slice(1)), result: kvResult, configurations: kvConfigurations };
  // Configurations do not depend on the machine's load (Porcupine's plain WGL search visits about 178,000 here, counted with a re-implementation).
  print(`kv c50-ok, partitioned by key (Porcupine ${PORCUPINE.kvC50OkPartitionedMs} ms): ${kvResult}, ${kvConfigurations.toLocaleString("en-US")} configurations`);
  print(`  first run ${kvRuns[0].toFixed(1)} ms  ${ratio(kvRuns[0], PORCUPINE.kvC50OkPartitionedMs)}`);
  print(`  warm      ${results.kvPartitioned.warmMs.toFixed(1)} ms  ${ratio(results.kvPartitioned.warmMs, PORCUPINE.kvC50OkPartitionedMs)}`);

  // 3. kv c50-ok without partitioning: Porcupine gives no verdict in 60 s and
  // uses 9 to 11 GiB; we must end within 60 s under 2 GiB.
  const bad = parseHistory(readFileSync(resolve(corpus, "kv/c50-bad.txt")), { file: "c50-bad.txt" });
  const t0 = performance.now();
  const whole = checkLinearizability(c50.events, kvModel, { partition: false, timeoutMs: 55_000, maxMemoryBytes: 600 * 1024 * 1024 });
  const wholeMs = performance.now() - t0;
  const maxRssMiB = resourceUsage().maxRSS / 1024;
  results.kvWhole = { ms: wholeMs, result: whole.result, reason: whole.result === "unknown" ? whole.reason : undefined, configurations: whole.configurations, maxRssMiB };
  print(`kv c50-ok without partitioning (Porcupine: no verdict in 60 s, 9-11 GiB): ${whole.result}${whole.result === "unknown" ? ` (${whole.reason})` : ""}`);
  print(`  ${wholeMs.toFixed(0)} ms, ${whole.configurations.toLocaleString("en-US")} configurations, peak RSS of this process ${maxRssMiB.toFixed(0)} MiB (limit 2048)`);

  // 4. kv c50-bad, partitioned (Porcupine 3 to 16 ms).
  const badRuns = [];
  for (let i = 0; i < 1 + warmRuns; i++) {
    const t = performance.now();
    checkLinearizability(bad.events, kvModel, { firstViolationOnly: true });
    badRuns.push(performance.now() - t);
  }
  results.kvBad = { firstMs: badRuns[0], warmMs: median(badRuns.slice(1)) };
  print(`kv c50-bad, partitioned, stop at the first violation (Porcupine 3-16 ms): first ${badRuns[0].toFixed(1)} ms, warm ${results.kvBad.warmMs.toFixed(1)} ms`);
  return results;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--cold-etcd-pass") coldPassChild();
  else await main();
}
