// @ts-check
/**
 * Mutation testing, one scope at a time (a run over everything would take
 * hours on two cores): `npm run mutate -- kernel`, or `history`, `checker`.
 * Each scope mutates one layer and runs only that layer's own tests
 * (stryker/vitest.config.ts), with per-test coverage so a mutant runs only
 * the tests that reach it, and incremental mode so a second run re-tests
 * only mutants in changed code (stryker/incremental-<scope>.json).
 */
import { SCOPES } from "./stryker/scopes.mjs";

const scope = process.env.MUTATE_SCOPE ?? "kernel";
const chosen = SCOPES[scope];
if (chosen === undefined)
  throw new Error(`unknown mutation scope "${scope}"; scopes: ${Object.keys(SCOPES).join(", ")}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "stryker/vitest.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: chosen.mutate,
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: `stryker/incremental-${scope}.json`,
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 30_000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${scope}.html` },
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
