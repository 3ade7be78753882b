/**
 * The tests of one mutation scope (MUTATE_SCOPE, see scopes.mjs), with the
 * project's settings. The global setup builds dist/ in Stryker's sandbox, once, for
 * the tests that spawn the CLI; those run the unmutated behaviour (a spawned
 * process does not see the active mutant), so only in-process tests kill
 * mutants.
 */
import { defineConfig } from "vitest/config";
import { SCOPES } from "./scopes.mjs";

const scope = (SCOPES as Record<string, { tests: string[]; skip?: string[]; build: boolean; isolate?: boolean }>)[
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
    // By default each module loads once per test runner, not once per test file per mutant: Stryker
    // switches mutants through a global, which code inside functions reads each time it runs. Code
    // that runs as a module loads (a regular expression or table built once) sees only the mutant
    // active at that load, so a scope whose survivors are there sets `isolate` (scopes.mjs).
    isolate: scope?.isolate ?? false,
  },
});
