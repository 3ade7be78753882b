// @ts-check
/**
 * Mutation testing, one scope at a time (a run over everything would take
 * hours on two cores): `npm run mutate -- kernel`, or `hashing`, `history`, `checker`.
 * Each scope mutates one layer and runs only that layer's own tests
 * (stryker/vitest.config.ts), with per-test coverage so a mutant runs only
 * the tests that reach it, and incremental mode so a second run re-tests
 * only mutants in changed code (reports/mutation/<scope>.incremental.json,
 * kept out of git: branches that change sources concurrently would conflict).
 */
import { SCOPES } from "./stryker/scopes.mjs";

const scope = process.env.MUTATE_SCOPE ?? "kernel";
const chosen = SCOPES[scope];
if (chosen === undefined)
  throw new Error(`unknown mutation scope "${scope}"; scopes: ${Object.keys(SCOPES).join(", ")}`);

// MUTATE_FILES (comma-separated, set by `npm run mutate -- <scope> <file>...`) narrows
// the scope to some of its files; such a partial run keeps its own report and
// incremental file so it never overwrites the whole scope's.
const files = process.env.MUTATE_FILES ? process.env.MUTATE_FILES.split(",") : undefined;
const report = files === undefined ? scope : `${scope}-files`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "stryker/vitest.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: files ?? chosen.mutate,
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: `reports/mutation/${report}.incremental.json`,
  ignoreStatic: true,
  // CONCURRENCY=1 leaves one of the two cores to whatever else the machine runs.
  concurrency: process.env.CONCURRENCY ? Number(process.env.CONCURRENCY) : 2,
  // Generous: the machine is shared, and a test slowed by load must not count as a timeout kill.
  timeoutMS: 30_000,
  timeoutFactor: 3,
  dryRunTimeoutMinutes: 30,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
