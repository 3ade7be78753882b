/**
 * `npm run mutate [-- scope...]`: runs Stryker once per scope (default: all,
 * one after another) and prints each scope's mutation score.
 * `npm run mutate -- <scope> <file>...` mutates only those files of the scope
 * (the scope's tests still judge them), for working on one file's survivors.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { SCOPES } from "./scopes.mjs";

const args = process.argv.slice(2);
const files = args.filter((a) => a.includes("/") || a.endsWith(".ts"));
const asked = args.filter((a) => !files.includes(a));
const unknown = asked.filter((s) => !(s in SCOPES));
if (unknown.length > 0) {
  console.error(`unknown mutation scope ${unknown.join(", ")}; scopes: ${Object.keys(SCOPES).join(", ")}`);
  process.exit(2);
}
if (files.length > 0 && asked.length !== 1) {
  console.error("files to mutate need exactly one scope, e.g. npm run mutate -- kernel src/sets.ts");
  process.exit(2);
}
const scopes = asked.length > 0 ? asked : Object.keys(SCOPES);
const rows = [];
for (const scope of scopes) {
  const started = Date.now();
  const env = { ...process.env, MUTATE_SCOPE: scope };
  if (files.length > 0) env.MUTATE_FILES = files.join(",");
  const r = spawnSync("npx", ["stryker", "run"], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
  const report = files.length > 0 ? `${scope}-files` : scope;
  rows.push([report, score(`reports/mutation/${report}.json`), Math.round((Date.now() - started) / 1000)]);
}
for (const [scope, s, seconds] of rows) console.log(`${scope}: ${s} (${seconds} s)`);

/** Mutation score as Stryker defines it: killed and timed-out mutants over all valid ones (no coverage counts as survived). */
function score(file) {
  if (!existsSync(file)) return "no report";
  const report = JSON.parse(readFileSync(file, "utf8"));
  const counts = {};
  for (const f of Object.values(report.files))
    for (const m of f.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  const parts = ["Killed", "Timeout", "Survived", "NoCoverage"].map((k) => `${counts[k] ?? 0} ${k.toLowerCase()}`);
  return `${((100 * detected) / Math.max(1, valid)).toFixed(1)}% (${detected} of ${valid} mutants detected: ${parts.join(", ")})`;
}
