import { spawnSync } from "node:child_process";

/**
 * The CLI tests spawn `bin/interleave.js`, which runs the compiled `dist/`.
 * Build once before any test so they never run a stale build. Type errors do
 * not stop the emit (and `npm test` type-checks first), so only a build that
 * could not run at all fails here.
 */
export default function setup(): void {
  const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  if (r.error) throw r.error;
}
