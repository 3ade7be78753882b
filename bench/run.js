// `npm run bench`: performance figures, each printed with its ratio against a
// named baseline measured on this machine kind (../shared/anchors/README.md).
// Never part of `npm test`; wall-clock times are not asserted anywhere.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const only = process.argv.slice(2);
const wants = (name) => only.length === 0 || only.includes(name);

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}

/** Two-phase commit through the CLI, start-up included, against TLC (1 worker). */
function twoPhaseCommit() {
  const tlc = { 7: { distinct: 296448, seconds: 7.3 } };
  console.log("\n== two-phase-commit (the generic path every spec takes: `interleave check`, one worker, start-up included)");
  for (const rms of [7]) {
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [`${root}/bin/interleave.js`, "check", "two-phase-commit", "--param", `rms=${rms}`, "--json", "-"], { encoding: "utf8" });
    const wall = (performance.now() - t0) / 1000;
    if (run.status !== 0) throw new Error(`check failed: ${run.stderr}`);
    const r = JSON.parse(run.stdout);
    const base = tlc[rms];
    const rate = r.distinctStates / (r.durationMs / 1000);
    console.log(
      `rms=${rms}: ${fmt(r.distinctStates)} distinct / ${fmt(r.generatedStates)} generated; search ${(r.durationMs / 1000).toFixed(2)} s, ${wall.toFixed(2)} s with start-up; ` +
        `${fmt(rate)} distinct states/s, ${r.bytesPerState} bytes/state in the store`,
    );
    console.log(
      `  vs TLC (1 worker, ${base.seconds} s, ${fmt(base.distinct / base.seconds)} states/s): ${(base.seconds / wall).toFixed(2)}x faster with start-up, ${(rate / (base.distinct / base.seconds)).toFixed(2)}x the search rate`,
    );
  }
}

const benches = [["two-phase-commit", twoPhaseCommit]];
if (existsSync(`${root}/bench/lincheck.js`)) {
  const { main } = await import("./lincheck.js");
  benches.push(["lincheck", main]);
}
for (const [name, bench] of benches) if (wants(name)) await bench();
