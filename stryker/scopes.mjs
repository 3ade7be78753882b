/**
 * The mutation scopes: which files each mutates and which tests judge the
 * mutants (the layer's own tests; the catalogue's spec tests would kill more
 * mutants but take minutes per run). `build` says whether the scope's tests
 * spawn the CLI and so need dist/ built in Stryker's sandbox first. `group`
 * is how many never-run files share one Stryker run (default 1): the
 * checker's initial test run takes about 3 minutes, paid once per run.
 *
 * The hashing hot path (`src/fingerprint.ts`, `src/protocol/hashing.ts`) is
 * a scope of its own: instrumented, it slows every model-checking test about
 * 6 times (Stryker estimated 33 to 43 hours for a kernel scope holding it), so
 * `kernel` leaves it out and `hashing` judges it by the tests that call it
 * directly, which run in seconds.
 *
 * Not mutated, and why:
 * - src/index.ts, src/history/index.ts, checker/index.ts: re-exports only.
 * - checker/worker.ts: the worker-thread entry, which runs only inside a
 *   worker the parallel search starts from dist/, where no mutant is active.
 * - src/runtime/**: the real-network runtime is its own layer, judged by
 *   test/runtime (real sockets and processes, not in-process unit tests).
 */
export const SCOPES = {
  kernel: {
    mutate: ["src/*.ts", "src/protocol/**/*.ts", "!src/index.ts", "!src/fingerprint.ts", "!src/protocol/hashing.ts"],
    tests: ["test/src/**/*.test.ts"],
    build: false,
  },
  hashing: {
    mutate: ["src/fingerprint.ts", "src/protocol/hashing.ts"],
    tests: ["test/src/fingerprint.test.ts", "test/src/protocol/hashing.test.ts", "test/src/protocol/network.test.ts"],
    build: false,
  },
  history: {
    mutate: ["src/history/**/*.ts", "!src/history/index.ts"],
    tests: ["test/history/**/*.test.ts"],
    build: false,
    group: 4,
  },
  checker: {
    mutate: ["checker/**/*.ts", "!checker/index.ts", "!checker/worker.ts"],
    tests: ["test/checker/**/*.test.ts"],
    build: true,
    group: 8,
  },
};
