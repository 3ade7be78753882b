// Swarm verification (`--strategy swarm --workers 2`): time to find each
// broken safety variant of raft and raft-election, against BFS on one
// worker (BFS proves the shortest trace; the swarm dives). Printed as
// ratios; never asserted. Run by bench/run.js (`npm run bench -- swarm`).
//
// The swarm's walkers walk until one finds the violation or the row's
// timeout ends them (`--runs` unbounded): with the CLI's default 10,000
// walks per walker, the swarm gave up on raft vote-twice after 27 s
// without a find, which measures the walk budget, not the time to find.
// A side that finds nothing within the timeout gives a bound on the ratio.
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => pathToFileURL(`${root}/dist/${path}`).href;
/** The base seed of every swarm here, so what is found (not how fast) repeats. */
const SEED = 1;
/** Each search's time limit, so the run ends (7 rows, BFS and swarm each: at most about half an hour). */
const TIMEOUT_MS = 120_000;
/** Walks per walking member: enough that the timeout, not the walk count, ends a swarm that finds nothing. */
const RUNS = 1_000_000_000;

export async function main() {
  const api = await import(dist("checker/cli-index.js"));
  const { catalogue } = await import(dist("specs/index.js"));
  console.log(
    `\n== swarm (--strategy swarm --workers 2 --seed ${SEED}, walks until found) against BFS (1 worker): time to the first violation, at most ${TIMEOUT_MS / 1000} s each`,
  );
  for (const name of ["raft", "raft-election"]) {
    const spec = catalogue.find((s) => s.name === name);
    const safety = new Set(spec.properties.filter((p) => ["invariant", "action"].includes(p.kind)).map((p) => p.name));
    for (const variant of spec.variants.filter((v) => v.violates !== undefined && safety.has(v.violates))) {
      const options = { variant: variant.name, properties: [variant.violates], timeoutMs: TIMEOUT_MS };
      const bfs = await api.checkSpecByName(name, options);
      const swarm = await api.checkSpecByName(name, {
        ...options,
        strategy: "swarm",
        workers: 2,
        seed: SEED,
        runs: RUNS,
      });
      const steps = (r) => (r.trace ? r.trace.length - 1 : null);
      const cell = (r) =>
        r.result === "violation"
          ? `${(r.durationMs / 1000).toFixed(2)} s, ${steps(r)} steps`
          : `${r.result} after ${(r.durationMs / 1000).toFixed(0)} s`;
      const found = (r) => r.result === "violation";
      // BFS's time over the swarm's: above 1 the swarm finds it sooner. An unfound side's time is a bound.
      const speed = (bfs.durationMs / swarm.durationMs).toFixed(2);
      const ratio =
        found(bfs) && found(swarm)
          ? `swarm ${speed}x BFS's speed`
          : found(bfs)
            ? `swarm < ${speed}x BFS's speed`
            : found(swarm)
              ? `swarm > ${speed}x BFS's speed`
              : "neither found it";
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
