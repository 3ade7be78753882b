/**
 * The tests of one mutation scope (MUTATE_SCOPE, see scopes.mjs), with the
 * project's settings. The global setup builds dist/ in Stryker's sandbox, once, for
 * the tests that spawn the CLI; those run the unmutated behaviour (a spawned
 * process does not see the active mutant), so only in-process tests kill
 * mutants.
 */
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { SCOPES } from "./scopes.mjs";

const scope = (SCOPES as Record<string, { tests: string[]; skip?: string[]; build: boolean; isolate?: boolean }>)[
  process.env["MUTATE_SCOPE"] ?? "kernel"
];

/**
 * The order of a mutant's test files: those that failed in the previous run
 * first (they killed the previous mutant, most often its neighbour in the
 * same code), then the quickest first, by the time their tests took when
 * last run. Vitest's own order runs the slowest first, which suits parallel
 * workers; a mutant's run is one worker that stops at the first failure
 * (bail), so a slow integration test file ahead of the unit test that kills
 * the mutant cost every mutant its whole duration.
 */
class KillQuickFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const last = (f: TestSpecification) =>
      cache.getFileTestResults(`${f.project.name}:${relative(config.root, f.moduleId)}`);
    const rank = (f: TestSpecification): [number, number] => {
      const result = last(f);
      return [result?.failed === true ? 0 : 1, result?.duration ?? Number.POSITIVE_INFINITY];
    };
    return Promise.resolve(
      [...files].sort((a, b) => {
        const [fa, da] = rank(a);
        const [fb, db] = rank(b);
        return fa - fb || da - db;
      }),
    );
  }
}

export default defineConfig({
  test: {
    include: scope?.tests ?? [],
    exclude: scope?.skip ?? [],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    globalSetup: scope?.build === true ? ["stryker/global-setup.ts"] : [],
    pool: "forks",
    sequence: { sequencer: KillQuickFirst },
    // By default each module loads once per test runner, not once per test file per mutant: Stryker
    // switches mutants through a global, which code inside functions reads each time it runs. Code
    // that runs as a module loads (a regular expression or table built once) sees only the mutant
    // active at that load, so a scope whose survivors are there sets `isolate` (scopes.mjs).
    isolate: scope?.isolate ?? false,
  },
});
