/**
 * The layers, and the one direction imports may take between them:
 *
 *   kernel (src/, without src/runtime/)  <-  checker  <-  testing helpers, CLI
 *   (the CLI: bin/, checker/cli.ts, cli-index.ts, load.ts, replay.ts and the lincheck, run and explorer commands)
 *   kernel  <-  specs  <-  spec bindings  <-  CLI
 *   kernel  <-  runtime (src/runtime/)   <-  CLI
 *
 * Only the CLI names catalogue specs: parallel, swarm and distributed
 * workers load a spec from the source the CLI resolved (checker/spec-source.ts).
 *
 * Across a layer boundary, a module imports the layer through its index, so
 * what a layer offers is listed in one file (see the deep-import rules):
 *   src/index.ts          the kernel          (package entry ".")
 *   src/history/index.ts  the history checkers ("./history")
 *   src/runtime/index.ts  the runtime          ("./runtime")
 *   src/user-code.ts      the kernel's seam with its own tools: the traps and
 *                         fault records the checker runs a spec's code under
 *                         (internal: no package entry, so users never see it)
 *   checker/index.ts      the checker          ("./checker"), for the testing helpers
 * The CLI lives in checker/ and is the checker's own shell: it imports the
 * checker's files directly. specs/* are package entries ("./specs/*"), so the
 * CLI may import a spec's own module (its runtime bindings) by path.
 *
 * `test/architecture.test.ts` runs this on the whole tree with nothing
 * ignored, and on test/fixtures/architecture/, whose wrong imports must fail.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const KERNEL = "^src/(?!runtime/)";
const RUNTIME = "^src/runtime/";
const CLI = "^(bin/|checker/(cli|cli-index|load|replay)\\.ts$|checker/(lincheck|run|explorer)/)";
const CHECKER = "^checker/";
const TESTING = "^testing/";
const SPECS = "^specs/";
/** The files of src/ that modules outside src/ may import (see above). */
const SRC_ENTRIES = "^src/(index|user-code|history/index|runtime/index)\\.ts$";
/** The file of checker/ that modules outside checker/ may import. */
const CHECKER_ENTRIES = "^checker/index\\.ts$";

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
      name: "checker-imports-cli-specs-or-runtime",
      comment:
        "Search strategies, stores and reports work on any model: only the CLI names catalogue specs, and the checker does not depend on its own shell.",
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
      name: "deep-import-into-src",
      comment:
        "Outside src/, the kernel, the history checkers and the runtime are imported through their index files (or the user-code seam), never by a deep path: an internal file can move without breaking another layer.",
      severity: "error",
      from: { pathNot: "^src/" },
      to: { path: "^src/", pathNot: SRC_ENTRIES },
    },
    {
      name: "deep-import-into-checker",
      comment:
        "The testing helpers use the checker through checker/index.ts (the kernel, specs and runtime may not import it at all).",
      severity: "error",
      from: { path: TESTING },
      to: { path: CHECKER, pathNot: CHECKER_ENTRIES },
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
