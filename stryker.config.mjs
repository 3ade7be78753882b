// @ts-check
/**
 * Mutation testing, run by stryker/run.mjs one file of one scope at a time
 * (`npm run mutate -- kernel`, or `hashing`, `history`, `checker`). Each
 * scope mutates one layer and runs only that layer's own tests
 * (stryker/vitest.config.ts), with per-test coverage so a mutant runs only
 * the tests that reach it, and incremental mode so a second run re-tests
 * only mutants in changed code (reports/mutation/<scope>/<file>.incremental.json,
 * kept out of git: branches that change sources concurrently would conflict).
 */
import { SCOPES } from "./stryker/scopes.mjs";

const scope = process.env.MUTATE_SCOPE ?? "kernel";
const chosen = SCOPES[scope];
if (chosen === undefined)
  throw new Error(`unknown mutation scope "${scope}"; scopes: ${Object.keys(SCOPES).join(", ")}`);

// MUTATE_FILES (comma-separated, set by stryker/run.mjs) narrows the scope to
// some of its files; MUTATE_REPORT names where their reports and incremental
// file go, so results of different files never overwrite each other.
const files = process.env.MUTATE_FILES ? process.env.MUTATE_FILES.split(",") : undefined;
const report = process.env.MUTATE_REPORT ?? `reports/mutation/${scope}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "stryker/vitest.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: files ?? chosen.mutate,
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: `${report}.incremental.json`,
  // A static mutant (in code that runs as its module loads) needs every test of the scope, with
  // modules loaded afresh; scopes that set `isolate` test them, the others leave them out.
  ignoreStatic: chosen.isolate !== true,
  // CONCURRENCY=1 leaves one of the two cores to whatever else the machine runs.
  concurrency: process.env.CONCURRENCY ? Number(process.env.CONCURRENCY) : 2,
  // A mutant's limit is 1.5 times its tests' time in the initial run (Stryker's default factor)
  // plus 10 s. Mutation runs are made on an otherwise idle machine (README, Mutation testing):
  // a factor of 3 for a loaded machine made each mutant that loops forever or blows up a search
  // cost 3 times the time of every test reaching it (plus the run's overhead): about 150 s for a
  // mutant in the history search's memo, whose 6 timeouts took most of the first 15 minutes of
  // its run. The 10 s keeps a short run's noise from reading as a timeout.
  timeoutMS: 10_000,
  timeoutFactor: 1.5,
  dryRunTimeoutMinutes: 30,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `${report}.html` },
  jsonReporter: { fileName: `${report}.json` },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
