/**
 * `npm run mutate [-- scope...]`: mutation testing, scope by scope (default:
 * all, one after another), one source file per Stryker run, and the score of
 * each scope summed over its files.
 * `npm run mutate -- <scope> <file>...`: only those files of the scope (the
 * scope's tests still judge them), for working on one file's survivors.
 * `--again` reruns files whose saved result is still current.
 *
 * Why one file per run: a file's result is saved as soon as its run ends
 * (reports/mutation/<scope>/<file>.json), so a scope that takes hours can be
 * stopped and resumed, and a rerun skips every file whose result is current
 * (nothing the scope's tests or sources read has changed since). Only the
 * file under test is instrumented, so the other layers' code runs at full
 * speed while its mutants are judged. The verdict on a mutant does not depend
 * on which other files were mutated alongside, so the sum over files is the
 * scope's score.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { globSync } from "tinyglobby";
import { SCOPES } from "./scopes.mjs";

const args = process.argv.slice(2);
const again = args.includes("--again");
const words = args.filter((a) => a !== "--again");
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
  for (const file of files.length > 0 ? files : inScope) {
    const base = reportBase(scope, file);
    if (!again && existsSync(`${base}.json`) && readStamp(base)?.inputs === inputs) {
      console.log(`${file}: result current, not rerun (--again reruns it)`);
      continue;
    }
    const started = Date.now();
    const env = {
      ...process.env,
      MUTATE_SCOPE: scope,
      MUTATE_FILES: file,
      MUTATE_REPORT: base,
    };
    const r = spawnSync("npx", ["stryker", "run"], { stdio: "inherit", env });
    if (r.status !== 0) process.exit(r.status ?? 1);
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(`${base}.stamp.json`, JSON.stringify({ inputs, seconds }));
  }
  summaries.push(summarize(scope, inScope, inputs));
}
for (const lines of summaries) console.log(lines.join("\n"));

/** The files a scope mutates, sorted. */
function scopeFiles(scope) {
  return globSync(SCOPES[scope].mutate, { cwd: process.cwd() }).sort();
}

/** Where one file's result is saved: `<base>.json`, `.html`, `.incremental.json` and `.stamp.json`. */
function reportBase(scope, file) {
  return `reports/mutation/${scope}/${file.replaceAll("/", "__")}`;
}

/** The stamp a finished run left (the inputs digest and the run's seconds), or undefined. */
function readStamp(base) {
  const file = `${base}.stamp.json`;
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
}

/**
 * A digest of what decides a scope's mutants: every source layer, the
 * scope's tests, and the mutation and package settings. A saved result made
 * from the same digest is current.
 */
function inputsOf(scope) {
  const hash = createHash("sha256");
  const patterns = [
    "src/**/*.ts",
    "checker/**/*.{ts,js}",
    "specs/**/*.ts",
    "testing/**/*.ts",
    "test/fixtures/**",
    "stryker/**",
    "stryker.config.mjs",
    "package-lock.json",
    ...SCOPES[scope].tests,
  ];
  for (const f of globSync(patterns, { cwd: process.cwd() }).sort())
    hash.update(f).update("\0").update(readFileSync(f));
  return hash.digest("hex");
}

/** One row per file and the scope's score, from the saved results (stale ones marked). */
function summarize(scope, inScope, inputs) {
  const total = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
  const lines = [`\n${scope}: file, mutants, killed, timeout, survived, no coverage, score, seconds`];
  const missing = [];
  let seconds = 0;
  let stale = 0;
  for (const file of inScope) {
    const base = reportBase(scope, file);
    if (!existsSync(`${base}.json`)) {
      missing.push(file);
      continue;
    }
    const counts = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0 };
    for (const f of Object.values(JSON.parse(readFileSync(`${base}.json`, "utf8")).files))
      for (const m of f.mutants) if (m.status in counts) counts[m.status]++;
    for (const k of Object.keys(total)) total[k] += counts[k];
    // A report without its stamp: the run was stopped between Stryker's end and the stamp; rerun it.
    const stamp = readStamp(base) ?? { inputs: "", seconds: 0 };
    seconds += stamp.seconds;
    const old = stamp.inputs === inputs ? "" : " (stale: sources or tests changed since)";
    if (old) stale++;
    lines.push(`  ${file}: ${row(counts)}, ${stamp.seconds} s${old}`);
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
