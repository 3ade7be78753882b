/**
 * The mutation scopes: which files each mutates and which tests judge the
 * mutants (the layer's own tests; the catalogue's spec tests would kill more
 * mutants but take minutes per run).
 */
export const SCOPES = {
  kernel: {
    mutate: ["src/*.ts", "!src/index.ts"],
    tests: ["test/src/**/*.test.ts"],
  },
  history: {
    mutate: ["src/history/**/*.ts", "!src/history/index.ts"],
    tests: ["test/history/**/*.test.ts"],
  },
  checker: {
    mutate: ["checker/**/*.ts", "!checker/index.ts", "!checker/worker.ts"],
    tests: ["test/checker/**/*.test.ts"],
  },
};
