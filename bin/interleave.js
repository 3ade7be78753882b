#!/usr/bin/env node
// The CLI runs the compiled library in dist/ (built by `npm ci` through the prepare script).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/checker/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write("interleave: dist/ is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(2);
}

// The CLI's own packages are optional peer dependencies, so that an app that
// imports a verified reducer does not install them. Name every missing one
// before loading the CLI, rather than fail on the first with a stack trace;
// the install command pins each to the major version package.json asks for
// (npm would otherwise pick the latest, which may not satisfy the peer range).
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
// nats is loaded only by --distributed, which names it when it is missing.
const onDemand = new Set(["nats"]);
const missing = Object.keys(manifest.peerDependencies ?? {}).filter((name) => {
  if (onDemand.has(name)) return false;
  try {
    import.meta.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  const pinned = missing.map((name) => `${name}@${/\d+/.exec(manifest.peerDependencies[name])?.[0] ?? "latest"}`);
  process.stderr.write(`interleave: the CLI needs ${missing.join(", ")}; install with: npm i -D ${pinned.join(" ")}\n`);
  process.exit(2);
}

const { main } = await import(cli.href);
await main();
