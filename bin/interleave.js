#!/usr/bin/env node
// The CLI runs the compiled library in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/checker/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write("interleave: dist/ is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}
const { main } = await import(cli.href);
await main();
