import { existsSync, writeFileSync } from "node:fs";
import build from "../test/global-setup.js";

/**
 * Builds dist/ in Stryker's sandbox once, for the tests that spawn the CLI.
 * Stryker restarts a test runner after every timed-out mutant, and each
 * restart ran the global setup again: 20 to 30 s of tsc per timeout, while
 * the other runner's tests could be spawning the CLI from the files being
 * rewritten. The marker lives in the sandbox's dist/, which dies with it.
 */
export default function buildOnce(): void {
  const marker = "dist/.built-for-stryker";
  if (existsSync(marker)) return;
  build();
  writeFileSync(marker, "");
}
