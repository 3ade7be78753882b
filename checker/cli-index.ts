/**
 * The command line as a library (`interleave-check/cli`): run it with your
 * own output, or check a spec by catalogue name or path as the CLI does.
 * Kept apart from `interleave-check/checker`, which names no catalogue spec.
 */
export { runCli, type CliIo } from "./cli.js";
export { checkSpecByName, loadSpecFile, resolveSpec, resolveSpecSource } from "./load.js";
