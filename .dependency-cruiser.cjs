/**
 * The layers, and the one direction imports may take between them:
 *
 *   kernel (src/, without src/runtime/)  <-  checker  <-  testing helpers, CLI
 *   (the CLI: bin/, checker/cli.ts, load.ts, replay.ts and the lincheck, run and explorer commands)
 *   kernel  <-  specs  <-  spec bindings  <-  CLI
 *   kernel  <-  runtime (src/runtime/)   <-  CLI
 *
 * `test/architecture.test.ts` runs this with the known violations in
 * `.dependency-cruiser-known-violations.json` ignored, so a new wrong import
 * fails while the listed ones (the runtime's Raft and unique-ids bindings,
 * which are to move next to their specs) are still being moved.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const KERNEL = "^src/(?!runtime/)";
const RUNTIME = "^src/runtime/";
const CLI = "^(bin/|checker/(cli|load|replay)\\.ts$|checker/(lincheck|run|explorer)/)";
const CHECKER = "^checker/";
const TESTING = "^testing/";
const SPECS = "^specs/";

module.exports = {
  forbidden: [
    {
      name: "kernel-imports-upward",
      comment: "The modeling kernel knows nothing of the checker, the runtime, the testing helpers or the catalogue.",
      severity: "error",
      from: { path: KERNEL },
      to: { path: [CHECKER, TESTING, SPECS, RUNTIME, "^test/"] },
    },
    {
      name: "checker-imports-specs-or-runtime",
      comment: "Search strategies, stores and reports work on any model: only the CLI names catalogue specs.",
      severity: "error",
      from: { path: CHECKER, pathNot: CLI },
      to: { path: [SPECS, TESTING, RUNTIME, CLI, "^test/"] },
    },
    {
      name: "specs-import-tools",
      comment: "A spec is reducers and properties over the kernel: services import it without the checker.",
      severity: "error",
      from: { path: SPECS },
      to: { path: [CHECKER, TESTING, RUNTIME, "^test/"] },
    },
    {
      name: "testing-imports-cli-specs-or-runtime",
      comment: "The testing helpers sit on the checker, not on the CLI or the catalogue.",
      severity: "error",
      from: { path: TESTING },
      to: { path: [SPECS, RUNTIME, CLI, "^test/"] },
    },
    {
      name: "runtime-imports-tools",
      comment: "The runtime runs the kernel's reducers; it needs neither the checker nor the catalogue.",
      severity: "error",
      from: { path: RUNTIME },
      to: { path: [CHECKER, TESTING, SPECS, "^test/"] },
    },
    {
      name: "no-circular",
      comment:
        "Import cycles make the layers meaningless (cycles through type-only imports vanish at run time and are allowed).",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js"],
    },
  },
};
