import { execFileSync } from "node:child_process";

/**
 * The CLI tests spawn `bin/interleave.js`, which runs the compiled `dist/`.
 * Build once before any test so they never run a stale build.
 */
export default function setup(): void {
  execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
