// Random simulation (`--strategy random`): steps per second against Quint's
// TypeScript simulator, and, per broken variant, whether random walks find the
// bug, how fast, and how long the shrunk trace is next to BFS's shortest.
// Run by bench/run.js (`npm run bench`), or alone: `node bench/random.js`.
// Wall-clock figures are printed, never asserted.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => pathToFileURL(`${root}/dist/${path}`).href;

/** Quint's TypeScript simulator on two-phase commit (3 RMs), steps per second (anchors/README.md). */
const QUINT_STEPS_PER_SECOND = 13_000;
/** The seed of every run here, so the figures other than times repeat exactly. */
const SEED = 1;

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}

/** Steps per second of random walks on a correct model (no violation, so no shrinking in the time). */
function throughput(randomSearch, model, options) {
  randomSearch(model, { seed: SEED, runs: 200, maxDepth: options.maxDepth }); // warm-up: memo tables, JIT
  const r = randomSearch(model, { seed: SEED, ...options });
  return { ...r, stepsPerSecond: r.steps / (r.durationMs / 1000) };
}

/** One broken variant: random search (seed 1) and BFS, both on the variant's declared property only. */
function variantRow(api, spec, variant, limits) {
  const model = api.onlyProperty(spec.instantiate({ variant: variant.name }), variant.violates);
  const r = api.randomSearch(model, { seed: SEED, timeoutMs: limits.randomMs });
  const b = api.bfs.search(model, { timeoutMs: limits.bfsMs });
  const bfsSteps = b.result === "violation" ? b.violation.trace.length - 1 : null;
  const found = r.result === "violation";
  const steps = found ? r.violation.trace.length - 1 : null;
  const cells = [
    `${spec.name} --variant ${variant.name}`.padEnd(58),
    found
      ? `found in ${(r.durationMs / 1000).toFixed(2)} s (${fmt(r.walks)} walks)`.padEnd(30)
      : `not found in ${limits.randomMs / 1000} s (${fmt(r.walks)} walks)`.padEnd(30),
    found ? `walk ${r.foundSteps} -> shrunk ${steps}`.padEnd(22) : "".padEnd(22),
    bfsSteps === null
      ? `BFS: ${b.result} after ${(b.durationMs / 1000).toFixed(0)} s`
      : `BFS ${bfsSteps}${found ? ` (${steps - bfsSteps >= 0 ? "+" : ""}${steps - bfsSteps})` : ""}`,
  ];
  console.log(`  ${cells.join(" ")}`);
  return { found, steps, bfsSteps };
}

/** Prints the figures; resolves when done. */
export async function main() {
  const api = await import(dist("checker/index.js"));
  const { catalogue } = await import(dist("specs/index.js"));
  const { twoPhaseCommit } = await import(dist("specs/two-phase-commit.js"));

  console.log("\n== random simulation (--strategy random, one worker; seed 1)");
  const tpc = throughput(api.randomSearch, twoPhaseCommit.instantiate({ params: { rms: 3 } }), {
    runs: 30_000,
    maxDepth: 100,
  });
  console.log(
    `two-phase-commit rms=3: ${fmt(tpc.steps)} steps in ${(tpc.durationMs / 1000).toFixed(2)} s: ${fmt(tpc.stepsPerSecond)} steps/s ` +
      `(${fmt(tpc.walks)} walks of 100 steps, ${fmt(tpc.generatedStates)} successors computed, ${fmt(tpc.distinctStates)} distinct states)`,
  );
  console.log(
    `  vs Quint's TypeScript simulator (~${fmt(QUINT_STEPS_PER_SECOND)} steps/s): ${(tpc.stepsPerSecond / QUINT_STEPS_PER_SECOND).toFixed(1)}x`,
  );

  console.log(
    "\nbroken variants (random: seed 1, 10 s budget, time includes shrinking; shrunk trace vs BFS's shortest to the same property):",
  );
  let found = 0;
  let total = 0;
  let worst = 0;
  for (const spec of catalogue.filter((s) => s.name !== "raft")) {
    for (const variant of spec.variants.filter((v) => v.violates !== undefined)) {
      const row = variantRow(api, spec, variant, { randomMs: 10_000, bfsMs: 60_000 });
      total++;
      if (row.found) found++;
      if (row.found && row.bfsSteps !== null) worst = Math.max(worst, row.steps - row.bfsSteps);
    }
  }
  console.log(`  ${found}/${total} found; shrunk traces at most ${worst} step(s) longer than BFS's`);

  if (!existsSync(`${root}/dist/specs/raft.js`)) {
    console.log("\nraft: dist/specs/raft.js not built; skipped");
    return;
  }
  const { raft } = await import(dist("specs/raft.js"));
  console.log("\nraft (default bounds; random: seed 1, 30 s budget per variant; BFS: 60 s):");
  const rt = throughput(api.randomSearch, raft.instantiate(), { runs: 1e9, maxDepth: 100, timeoutMs: 10_000 });
  console.log(
    `  correct raft: ${fmt(rt.steps)} steps in ${(rt.durationMs / 1000).toFixed(2)} s: ${fmt(rt.stepsPerSecond)} steps/s ` +
      `(${fmt(rt.walks)} walks, ${fmt(rt.distinctStates)} distinct states; each new state checked against all ${raft.properties.length} properties)`,
  );
  for (const variant of raft.variants.filter((v) => v.violates !== undefined)) {
    variantRow(api, raft, variant, { randomMs: 30_000, bfsMs: 60_000 });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
