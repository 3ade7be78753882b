// The cost of the purity guards (frozen states, trapped clocks and randomness,
// sampled double expansion) on two-phase commit with 7 RMs: the same check
// with and without `--no-guards`, alternated, median of the search times.
// Baseline: the unguarded search. Goal (issue 13): a ratio of at most 1.15.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function searchSeconds(extra) {
  const run = spawnSync(
    process.execPath,
    [`${root}/bin/interleave.js`, "check", "two-phase-commit", "--param", "rms=7", "--json", "-", ...extra],
    { encoding: "utf8", maxBuffer: 1 << 26 },
  );
  if (run.status !== 0) throw new Error(`interleave check failed (${run.status}): ${run.stderr}`);
  const r = JSON.parse(run.stdout);
  return { seconds: r.durationMs / 1000, distinct: r.distinctStates, generated: r.generatedStates };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main() {
  console.log("\n== purity guards: two-phase-commit rms=7, guarded vs --no-guards (baseline)");
  const on = [];
  const off = [];
  let counts;
  for (let i = 0; i < 5; i++) {
    const a = searchSeconds([]);
    const b = searchSeconds(["--no-guards"]);
    if (a.distinct !== b.distinct || a.generated !== b.generated) throw new Error("the guards changed the counts");
    counts = a;
    on.push(a.seconds);
    off.push(b.seconds);
  }
  const ratio = median(on) / median(off);
  console.log(
    `guarded ${median(on).toFixed(2)} s, unguarded ${median(off).toFixed(2)} s (median of 5, ${counts.distinct.toLocaleString("en-US")} distinct / ${counts.generated.toLocaleString("en-US")} generated each)`,
  );
  console.log(`  guards' cost: ${ratio.toFixed(2)}x the unguarded search (goal: at most 1.15)`);
}
