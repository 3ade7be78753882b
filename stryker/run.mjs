/**
 * `npm run mutate [-- scope...]`: runs Stryker once per scope (default: all,
 * one after another) and prints each scope's mutation score.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { SCOPES } from "./scopes.mjs";

const asked = process.argv.slice(2);
const unknown = asked.filter((s) => !(s in SCOPES));
if (unknown.length > 0) {
  console.error(`unknown mutation scope ${unknown.join(", ")}; scopes: ${Object.keys(SCOPES).join(", ")}`);
  process.exit(2);
}
const scopes = asked.length > 0 ? asked : Object.keys(SCOPES);
const rows = [];
for (const scope of scopes) {
  const started = Date.now();
  const r = spawnSync("npx", ["stryker", "run"], { stdio: "inherit", env: { ...process.env, MUTATE_SCOPE: scope } });
  if (r.status !== 0) process.exit(r.status ?? 1);
  rows.push([scope, score(`reports/mutation/${scope}.json`), Math.round((Date.now() - started) / 1000)]);
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
  return `${((100 * detected) / Math.max(1, valid)).toFixed(1)}% (${detected} of ${valid} mutants detected)`;
}
