/**
 * The mutation scopes: which files each mutates and which tests judge the
 * mutants (the layer's own tests; the catalogue's spec tests would kill more
 * mutants but take minutes per run). `build` says whether the scope's tests
 * spawn the CLI and so need dist/ built in Stryker's sandbox first. `group`
 * is how many files share one Stryker run (default 1): the checker's
 * initial test run takes about 4 minutes, paid once per run.
 * `isolate` loads the modules afresh for each test file and judges static
 * mutants (code run as a module loads) by all the scope's tests; without
 * it, such a mutant is left out of the score, or counted as survived when
 * a test also reaches its line after the load (stryker.config.mjs).
 * `skip` lists test files the scope leaves out of judging (still run by
 * `npm test`), `memory` the MiB a test process may hold before run.mjs
 * kills it (the mutant it ran is then a runtime error, left out of the score).
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
 * - checker/distributed/worker.ts: likewise, the distributed search's worker
 *   process (`interleave worker`), spawned from bin/ and so from dist/;
 *   test/checker/distributed.test.ts judges it end to end.
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
    // Its parsers and models build tables and regular expressions as their modules load: judged
    // with modules loaded afresh for each test file, and those static mutants by every test.
    isolate: true,
  },
  checker: {
    mutate: ["checker/**/*.ts", "!checker/index.ts", "!checker/worker.ts", "!checker/distributed/worker.ts"],
    // The layer's own tests, and the three elsewhere that call its commands in-process
    // (lincheck, run and the Maelstrom harness).
    tests: [
      "test/checker/**/*.test.ts",
      "test/history/lincheck-command.test.ts",
      "test/runtime/maelstrom.test.ts",
      "test/runtime/run-command.test.ts",
    ],
    // The fuzzer of the CLI's inputs (35 s for one of its tests) judges no
    // checker code that the other tests do not: a survivor in a file every
    // check passes through would rerun it whole.
    skip: ["test/checker/fuzz-check.test.ts"],
    build: true,
    group: 8,
    // MiB a test process may hold (resident) before stryker/run.mjs kills it:
    // a mutant that makes a store or queue grow without bound would
    // otherwise grow a test runner to the machine's memory.
    memory: 6 * 1024,
  },
};
