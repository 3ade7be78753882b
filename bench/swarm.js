// Swarm verification (`--strategy swarm --workers 2`): time to find each
// broken safety variant of raft and raft-election, against BFS on one
// worker (BFS proves the shortest trace; the swarm dives). Printed as
// ratios; never asserted. Run by bench/run.js (`npm run bench -- swarm`).
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => pathToFileURL(`${root}/dist/${path}`).href;
/** The base seed of every swarm here, so what is found (not how fast) repeats. */
const SEED = 1;
const TIMEOUT_MS = 180_000;

export async function main() {
  const api = await import(dist("checker/cli-index.js"));
  const { catalogue } = await import(dist("specs/index.js"));
  console.log(
    `\n== swarm (--strategy swarm --workers 2 --seed ${SEED}) against BFS (1 worker): time to the first violation`,
  );
  for (const name of ["raft", "raft-election"]) {
    const spec = catalogue.find((s) => s.name === name);
    const safety = new Set(spec.properties.filter((p) => ["invariant", "action"].includes(p.kind)).map((p) => p.name));
    for (const variant of spec.variants.filter((v) => v.violates !== undefined && safety.has(v.violates))) {
      const options = { variant: variant.name, properties: [variant.violates], timeoutMs: TIMEOUT_MS };
      const bfs = await api.checkSpecByName(name, options);
      const swarm = await api.checkSpecByName(name, { ...options, strategy: "swarm", workers: 2, seed: SEED });
      const steps = (r) => (r.trace ? r.trace.length - 1 : null);
      const cell = (r) =>
        r.result === "violation"
          ? `${(r.durationMs / 1000).toFixed(2)} s, ${steps(r)} steps`
          : `${r.result} after ${(r.durationMs / 1000).toFixed(0)} s`;
      const ratio =
        bfs.result === "violation" && swarm.result === "violation"
          ? `${(bfs.durationMs / swarm.durationMs).toFixed(2)}x BFS's speed`
          : "n/a";
      const who = swarm.winner
        ? ` (member ${swarm.winner.member}: ${swarm.winner.kind}, found ${swarm.foundSteps} -> shrunk ${steps(swarm)})`
        : "";
      console.log(
        `  ${`${name} --variant ${variant.name}`.padEnd(34)} BFS ${cell(bfs).padEnd(22)} swarm ${cell(swarm).padEnd(22)} ${ratio}${who}`,
      );
    }
  }
  console.log("  (times include the swarm's worker start-up; the machine may be shared: compare ratios from one run)");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
