// The cost of liveness checking (the edge log recorded during the search and
// the strongly-connected-component pass after it) on two-phase commit with 5
// RMs: the full check (typeOK, consistent, eventuallyAllDecided under weak
// fairness) against the safety check alone (`--property typeOK --property
// consistent`), alternated, median of the search times.
// Baseline: the safety check. Goal (issue 16): a ratio of at most 3.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const RMS = 5;

function searchSeconds(extra) {
  const args = [
    `${root}/bin/interleave.js`,
    "check",
    "two-phase-commit",
    "--param",
    `rms=${RMS}`,
    "--json",
    "-",
    ...extra,
  ];
  const run = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`interleave check failed (${run.status}): ${run.stderr}`);
  const r = JSON.parse(run.stdout);
  return { seconds: r.durationMs / 1000, distinct: r.distinctStates, generated: r.generatedStates };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main() {
  console.log(`\n== liveness: two-phase-commit rms=${RMS}, safety + eventuallyAllDecided vs safety alone (baseline)`);
  const live = [];
  const safe = [];
  let counts;
  for (let i = 0; i < 5; i++) {
    const a = searchSeconds([]);
    const b = searchSeconds(["--property", "typeOK", "--property", "consistent"]);
    if (a.distinct !== b.distinct || a.generated !== b.generated)
      throw new Error("the liveness check changed the counts");
    counts = a;
    live.push(a.seconds);
    safe.push(b.seconds);
  }
  const ratio = median(live) / median(safe);
  console.log(
    `with liveness ${median(live).toFixed(2)} s, safety alone ${median(safe).toFixed(2)} s (median of 5, ${counts.distinct.toLocaleString("en-US")} distinct / ${counts.generated.toLocaleString("en-US")} generated each)`,
  );
  console.log(`  liveness cost: ${ratio.toFixed(2)}x the safety check (goal: at most 3)`);
}
