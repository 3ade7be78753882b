/**
 * The tests of one mutation scope (MUTATE_SCOPE, see scopes.mjs), with the
 * project's settings. The global setup builds dist/ in Stryker's sandbox, once, for
 * the tests that spawn the CLI; those run the unmutated behaviour (a spawned
 * process does not see the active mutant), so only in-process tests kill
 * mutants.
 */
import { defineConfig } from "vitest/config";
import { SCOPES } from "./scopes.mjs";

const scope = (SCOPES as Record<string, { tests: string[]; skip?: string[]; build: boolean }>)[
  process.env["MUTATE_SCOPE"] ?? "kernel"
];

export default defineConfig({
  test: {
    include: scope?.tests ?? [],
    exclude: scope?.skip ?? [],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: scope?.build === true ? ["stryker/global-setup.ts"] : [],
    pool: "forks",
    // Load each module once per test runner, not once per test file per mutant: Stryker switches
    // mutants through a global at run time, so a cached module still runs the active mutant.
    isolate: false,
  },
});
