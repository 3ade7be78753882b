/**
 * `npm run mutate [-- scope...]`: mutation testing, scope by scope (default:
 * all, one after another), one source file per Stryker run, and the score of
 * each scope summed over its files.
 * `npm run mutate -- <scope> <file>...`: only those files of the scope (the
 * scope's tests still judge them), for working on one file's survivors.
 * `--again` reruns files whose saved result is still current.
 *
 * `--summary` prints the scopes' scores from the recorded results, running nothing.
 *
 * Why one file per run: a file's result is recorded as soon as its run ends,
 * so a scope that takes hours can be stopped and resumed, and a rerun skips
 * every file whose result is current (nothing the scope's tests or sources
 * read has changed since). The record (stryker/results/<scope>/<file>.json:
 * counts, run time, date and the mutants no test detected) is committed, so
 * scores accumulate from one clone and session to the next, and so is the
 * file's incremental report, compressed and without the sources git holds
 * (<file>.incremental.json.gz, stryker/kept.mjs), so a stale record reruns
 * incrementally in any clone; Stryker's full reports
 * (reports/mutation/<scope>/<file>.json, .html) stay local. Only the
 * file under test is instrumented, so the other layers' code runs at full
 * speed while its mutants are judged. The verdict on a mutant does not depend
 * on which other files were mutated alongside, so the sum over files is the
 * scope's score. A scope whose initial test run is long (`group` in
 * scopes.mjs) runs its files a few to a run instead, and the result is
 * split per file as it is saved.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { globSync } from "tinyglobby";
import { mergeIncremental, withoutUndetected } from "./incremental.mjs";
import { cleanCommit, pack, unpack } from "./kept.mjs";
import { SCOPES } from "./scopes.mjs";

const args = process.argv.slice(2);
const again = args.includes("--again");
const summaryOnly = args.includes("--summary");
const words = args.filter((a) => a !== "--again" && a !== "--summary");
const files = words.filter((a) => a.includes("/") || a.endsWith(".ts"));
const asked = words.filter((a) => !files.includes(a));
const unknown = asked.filter((s) => !(s in SCOPES));
if (unknown.length > 0) fail(`unknown mutation scope ${unknown.join(", ")}; scopes: ${Object.keys(SCOPES).join(", ")}`);
if (files.length > 0 && asked.length !== 1)
  fail("files to mutate need exactly one scope, e.g. npm run mutate -- kernel src/sets.ts");
const scopes = asked.length > 0 ? asked : Object.keys(SCOPES);

const summaries = [];
for (const scope of scopes) {
  const inScope = scopeFiles(scope);
  const stray = files.filter((f) => !inScope.includes(f));
  if (stray.length > 0) fail(`not in the ${scope} scope: ${stray.join(", ")} (stryker/scopes.mjs lists its files)`);
  const inputs = inputsOf(scope);
  const toRun = [];
  for (const file of summaryOnly ? [] : files.length > 0 ? files : inScope) {
    if (!again && isCurrent(readResult(scope, file), inputs))
      console.log(`${file}: result current, not rerun (--again reruns it)`);
    else toRun.push(file);
  }
  for (const group of groups(scope, toRun)) await runStryker(scope, group, inputs);
  summaries.push(summarize(scope, inScope, inputs));
}
for (const lines of summaries) console.log(lines.join("\n"));

/**
 * The Stryker runs for `toRun`, `group` files to a run (scopes.mjs), so a
 * scope whose initial test run takes minutes (checker) pays it once per
 * group rather than once per file. A file with a saved result runs in
 * incremental mode against it: its incremental report, merged with those
 * of the others in its group (stryker/incremental.mjs), and only the
 * mutants whose code or tests changed are tested again.
 */
function groups(scope, toRun) {
  const size = SCOPES[scope].group ?? 1;
  const runs = [];
  for (let k = 0; k < toRun.length; k += size) runs.push(toRun.slice(k, k + size));
  return runs;
}

/**
 * One Stryker run on `group`, its result then saved per file: the JSON and
 * incremental reports are split by mutated file (each keeps the run's test
 * list, which its mutants' test ids point into), the run's seconds shared
 * out by mutant count. A group's HTML report stays whole, named after its
 * first file.
 */
async function runStryker(scope, group, inputs) {
  const base = group.length === 1 ? reportBase(scope, group[0]) : `${reportBase(scope, group[0])}+${group.length - 1}`;
  const started = Date.now();
  // The commit whose files this run reads, if the checkout is clean: the kept reports leave
  // their sources to git (stryker/kept.mjs).
  const commit = cleanCommit();
  for (const file of group) restoreKept(scope, file);
  const saved = group.filter((f) => existsSync(`${reportBase(scope, f)}.incremental.json`));
  // A file last judged under the other `isolate` setting (scopes.mjs; records before it had none:
  // false) has its undetected mutants tested again: a static one that survived without it may not with it.
  const isolate = SCOPES[scope].isolate === true;
  const rejudge = saved.filter((f) => (readResult(scope, f)?.isolate ?? false) !== isolate);
  if (group.length > 1 || rejudge.length > 0) {
    const reports = saved.map((f) => {
      const report = JSON.parse(readFileSync(`${reportBase(scope, f)}.incremental.json`, "utf8"));
      return rejudge.includes(f) ? withoutUndetected(report) : report;
    });
    const current = (file) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);
    if (reports.length > 0)
      writeFileSync(`${base}.incremental.json`, JSON.stringify(mergeIncremental(reports, current)));
  }
  const env = { ...process.env, MUTATE_SCOPE: scope, MUTATE_FILES: group.join(","), MUTATE_REPORT: base };
  // Stryker runs in a process group of its own, ended with this script: a
  // Stryker left behind renames itself "stryker", restarts the test runners
  // killed under it and keeps running its mutants alongside the next run.
  const child = spawn("npx", ["stryker", "run"], { stdio: "inherit", env, detached: true });
  const stop = (signal) => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, stop);
  const watch = setInterval(() => stopRunaways(child.pid, SCOPES[scope].memory), 1000);
  const status = await new Promise((done) => child.on("exit", (code) => done(code)));
  clearInterval(watch);
  for (const signal of signals) process.off(signal, stop);
  if (status !== 0) process.exit(status ?? 1);
  const seconds = (Date.now() - started) / 1000;
  const report = JSON.parse(readFileSync(`${base}.json`, "utf8"));
  const incremental = JSON.parse(readFileSync(`${base}.incremental.json`, "utf8"));
  const mutants = group.map((f) => report.files[f]?.mutants.length ?? 0);
  const all = mutants.reduce((a, b) => a + b, 0);
  group.forEach((file, k) => {
    const own = reportBase(scope, file);
    if (group.length > 1) {
      writeFileSync(`${own}.json`, JSON.stringify(only(report, file)));
      writeFileSync(`${own}.incremental.json`, JSON.stringify(only(incremental, file)));
    }
    const share = all === 0 ? seconds / group.length : (seconds * mutants[k]) / all;
    record(scope, file, report.files[file]?.mutants ?? [], {
      inputs: inputs.digest,
      isolate,
      seconds: Math.round(share),
      ...(group.length > 1 ? { group: group.length } : {}),
      ...(commit === undefined ? {} : { commit }),
    });
    writeFileSync(keptPath(scope, file), pack(only(incremental, file), commit));
  });
  if (group.length > 1) for (const ext of ["json", "incremental.json"]) rmSync(`${base}.${ext}`);
}

/**
 * Kills each test process of the Stryker run under `root` (a test runner,
 * `child-process-proxy-worker`, or a process it started) whose resident
 * memory exceeds `mib`: a mutant that makes a store or queue grow without
 * bound allocates typed arrays, which V8's heap limit does not bound, and
 * would take the machine's memory. Stryker restarts the killed runner and
 * retries the mutant twice, then records it as a runtime error, which the
 * score leaves out. Stryker's own process is never killed. (An address-space
 * limit cannot do this: each worker thread's isolate reserves gigabytes of
 * it.) Linux only: elsewhere /proc does not exist and nothing is watched.
 */
function stopRunaways(root, mib) {
  if (root === undefined || mib === undefined || !existsSync("/proc/self/stat")) return;
  const parent = new Map();
  const rss = new Map();
  const runner = new Set();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(pid, Number(fields[1]));
      rss.set(pid, (Number(fields[21]) * 4096) / 2 ** 20);
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("child-process-proxy-worker")) runner.add(pid);
    } catch {
      // The process ended while the table was read.
    }
  }
  const test = (pid) => {
    let underRunner = false;
    for (let p = pid; p !== undefined && p > 1; p = parent.get(p)) {
      underRunner ||= runner.has(p);
      if (p === root) return underRunner;
    }
    return false;
  };
  for (const [pid, used] of rss) {
    if (used <= mib || !test(pid)) continue;
    console.error(`stryker/run.mjs: a test process (pid ${pid}) holds ${Math.round(used)} MiB, over ${mib}: killed`);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** A mutation report narrowed to one mutated file. */
function only(report, file) {
  return { ...report, files: file in report.files ? { [file]: report.files[file] } : {} };
}

/** The files a scope mutates, sorted. */
function scopeFiles(scope) {
  return globSync(SCOPES[scope].mutate, { cwd: process.cwd() }).sort();
}

/** Where Stryker writes one run's reports (local): `<base>.json`, `.html` and `.incremental.json`. */
function reportBase(scope, file) {
  return `reports/mutation/${scope}/${file.replaceAll("/", "__")}`;
}

/** Where a file's result is recorded (committed): `stryker/results/<scope>/<file>.json`. */
function resultPath(scope, file) {
  return `stryker/results/${scope}/${file.replaceAll("/", "__")}.json`;
}

/** Where a file's Stryker incremental report is kept in git, beside its record (stryker/kept.mjs). */
function keptPath(scope, file) {
  return resultPath(scope, file).replace(/\.json$/, ".incremental.json.gz");
}

/**
 * Writes a file's local incremental report from the one kept in git, when
 * the clone has none of its own, so the run retests only what changed since
 * the record rather than every mutant.
 */
function restoreKept(scope, file) {
  const local = `${reportBase(scope, file)}.incremental.json`;
  if (existsSync(local) || !existsSync(keptPath(scope, file))) return;
  const report = unpack(readFileSync(keptPath(scope, file)));
  if (report === undefined) {
    console.log(`${file}: the kept report's commit is not in this clone; its mutants are all tested again`);
    return;
  }
  mkdirSync(dirname(local), { recursive: true });
  writeFileSync(local, JSON.stringify(report));
}

/** A file's recorded result, or undefined. */
function readResult(scope, file) {
  const path = resultPath(scope, file);
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
}

/**
 * Records a file's result: the digest it was made from, the run's seconds
 * (a group's shared by mutant count), the day, the counts by status, and
 * each mutant no test detected (survived or not covered), enough to write
 * the missing test without rerunning Stryker.
 */
function record(scope, file, mutants, run) {
  const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, CompileError: 0, RuntimeError: 0 };
  for (const m of mutants) if (m.status in counts) counts[m.status]++;
  const undetected = mutants
    .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
    .map((m) => ({
      line: m.location.start.line,
      column: m.location.start.column,
      mutator: m.mutatorName,
      replacement: m.replacement ?? "",
      status: m.status,
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
  const path = resultPath(scope, file);
  mkdirSync(dirname(path), { recursive: true });
  const result = { file, date: new Date().toISOString().slice(0, 10), ...run, counts, undetected };
  writeFileSync(path, `${JSON.stringify(result, null, 1)}\n`);
}

/**
 * Digests of what decides a scope's mutants, each with the scope's own
 * entry of scopes.mjs, the mutation and package settings and the test
 * fixtures: `digest`, of the files the scope's tests and mutated files
 * import (followed from file to file) and
 * every file of the scope's test folders (support code, data); `tree`, of
 * every source layer and those tests (the digest before imports were
 * followed: a record made from it is current while the tree is unchanged).
 * A scope whose tests spawn the built CLI (`build`) runs code no import
 * names, so its digest is the tree's.
 */
function inputsOf(scope) {
  // The scope's own entry of scopes.mjs, not the whole file: a change to
  // another scope's settings leaves this one's results current.
  const own = JSON.stringify(SCOPES[scope]);
  const settings = [
    "test/fixtures/**",
    "stryker/vitest.config.ts",
    "stryker.config.mjs",
    "package-lock.json",
    ...(SCOPES[scope].build ? ["stryker/global-setup.ts"] : []),
  ];
  const tests = SCOPES[scope].tests;
  const tree = digestOf(
    globSync(["src/**/*.ts", "checker/**/*.{ts,js}", "specs/**/*.ts", "testing/**/*.ts", ...settings, ...tests], {
      cwd: process.cwd(),
    }),
    own,
  );
  if (SCOPES[scope].build) return { digest: tree, tree };
  const folders = tests.filter((t) => t.includes("*")).map((t) => `${t.slice(0, t.indexOf("*"))}**`);
  const entries = globSync([...tests, ...folders, ...SCOPES[scope].mutate], { cwd: process.cwd() });
  return { digest: digestOf([...imported(entries), ...globSync(settings, { cwd: process.cwd() })], own), tree };
}

/** A sha256 over `extra` and the files' names and contents, in name order. */
function digestOf(files, extra) {
  const hash = createHash("sha256").update(extra).update("\0");
  for (const f of [...new Set(files)].sort()) hash.update(f).update("\0").update(readFileSync(f));
  return hash.digest("hex");
}

/** `files` and every file they import by a relative path, followed transitively (`.js` names resolve to `.ts`). */
function imported(files) {
  const seen = new Set();
  const stack = [...files];
  while (stack.length > 0) {
    const file = stack.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(ts|js|mjs)$/.test(file)) continue;
    for (const m of readFileSync(file, "utf8").matchAll(/\b(?:from|import)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
      let target = join(dirname(file), m[1]);
      if (target.endsWith(".js") && existsSync(`${target.slice(0, -3)}.ts`)) target = `${target.slice(0, -3)}.ts`;
      if (existsSync(target)) stack.push(target);
    }
  }
  return [...seen];
}

/** Whether a recorded result was made from the scope's current inputs. */
function isCurrent(result, inputs) {
  return result !== undefined && (result.inputs === inputs.digest || result.inputs === inputs.tree);
}

/** One row per file and the scope's score, from the recorded results (stale ones marked). */
function summarize(scope, inScope, inputs) {
  const total = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  const lines = [`\n${scope}: file, mutants, killed, timeout, survived, no coverage, score, seconds, date`];
  const missing = [];
  let seconds = 0;
  let stale = 0;
  for (const file of inScope) {
    const result = readResult(scope, file);
    if (result === undefined) {
      missing.push(file);
      continue;
    }
    for (const k of Object.keys(total)) total[k] += result.counts[k];
    seconds += result.seconds;
    const old = isCurrent(result, inputs) ? "" : " (stale: sources or tests changed since)";
    if (old) stale++;
    lines.push(`  ${file}: ${row(result.counts)}, ${result.seconds} s, ${result.date}${old}`);
  }
  lines.push(`${scope} score: ${row(total)}, ${seconds} s of Stryker runs`);
  if (stale > 0) lines.push(`  ${stale} of these results are stale; npm run mutate -- ${scope} reruns them`);
  if (missing.length > 0) lines.push(`  not run yet (${missing.length} files): ${missing.join(", ")}`);
  return lines;
}

/** Counts and the mutation score as Stryker defines it: killed and timed-out mutants over all valid ones. */
function row(c) {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  const score = valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`;
  return `${valid}, ${c.Killed}, ${c.Timeout}, ${c.Survived}, ${c.NoCoverage}, ${score}`;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}
