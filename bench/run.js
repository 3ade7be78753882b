// `npm run bench`: performance figures, each printed with its ratio against a
// named baseline measured on this machine kind (TLC, Spin, Quint, Porcupine;
// each bench file records its baseline figures next to the code that uses them).
// Never part of `npm test`; wall-clock times are not asserted anywhere.
//   npm run bench                  everything (two-phase commit with 9 RMs takes minutes)
//   npm run bench -- checker       only the model checker; also: guards, liveness, random, lincheck,
//                                  cluster, distributed, swarm, spill
//   npm run bench -- checker quick skip the 9-RM runs
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("quick");
const only = args.filter((a) => a !== "quick");
const wants = (name) => only.length === 0 || only.includes(name);

function fmt(n) {
  return Math.round(n).toLocaleString("en-US");
}

/** TLC on TwoPhase.tla on this machine kind: distinct states and seconds per worker count. */
const TLC = {
  7: { distinct: 296448, generated: 2744706, seconds: { 1: 7.3, 2: 5.1 } },
  9: { distinct: 10340352, generated: 123558402, seconds: { 1: 232, 2: 153 } },
};
/** Spin on the 9-RM graph, one core (copied from the anchors' notes: a user's clone has only this copy). */
const SPIN_9_SECONDS = 19.5;

/** Distinct states per second per core (a worker is a core), start-up included. */
function perCore(distinct, seconds, cores) {
  return distinct / seconds / cores;
}

/** One `interleave check` run as a user makes it, start-up included; peak RSS from /usr/bin/time when present. */
function check(args) {
  const timer = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "%M"] : [];
  const cmd = [...timer, process.execPath, `${root}/bin/interleave.js`, "check", ...args, "--json", "-"];
  const t0 = performance.now();
  const run = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`interleave check ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  const report = JSON.parse(run.stdout);
  const rssKb = timer.length > 0 ? Number(run.stderr.trim().split("\n").pop()) : NaN;
  return { report, wall, peakMB: Number.isFinite(rssKb) ? rssKb / 1024 : report.peakRssMB };
}

function line(name, { report: r, wall, peakMB }) {
  const seconds = r.durationMs / 1000;
  return (
    `${name}: ${fmt(r.distinctStates)} distinct / ${fmt(r.generatedStates)} generated in ${wall.toFixed(2)} s with start-up ` +
    `(search ${seconds.toFixed(2)} s: ${fmt(r.distinctStates / seconds)} distinct/s, ${fmt(r.generatedStates / seconds)} generated/s), ` +
    `${r.bytesPerState} bytes/state in the store, peak RSS ${fmt(peakMB)} MB`
  );
}

function checker() {
  console.log("\n== model checker: `interleave check`, the generic path every spec takes");
  for (const rms of quick ? [7] : [7, 9]) {
    for (const workers of [1, 2]) {
      // TLC checks TwoPhase.tla's two invariants; the liveness property has its own bench (liveness.js).
      const run = check([
        "two-phase-commit",
        "--param",
        `rms=${rms}`,
        "--workers",
        String(workers),
        "--property",
        "typeOK",
        "--property",
        "consistent",
      ]);
      const tlc = TLC[rms];
      const exact = run.report.distinctStates === tlc.distinct && run.report.generatedStates === tlc.generated;
      console.log(line(`two-phase-commit rms=${rms}, ${workers} worker${workers > 1 ? "s" : ""}`, run));
      console.log(
        `  vs TLC ${workers} worker${workers > 1 ? "s" : ""} (${tlc.seconds[workers]} s): ${(tlc.seconds[workers] / run.wall).toFixed(2)}x faster; counts ${exact ? "equal TLC's" : "DIFFER from TLC's"}` +
          (rms === 9 ? `; vs Spin (${SPIN_9_SECONDS} s, one core): ${(SPIN_9_SECONDS / run.wall).toFixed(2)}x` : ""),
      );
      const ours = perCore(run.report.distinctStates, run.wall, workers);
      const tlcRate = perCore(tlc.distinct, tlc.seconds[workers], workers);
      console.log(
        `  per core: ${fmt(ours)} distinct/s; TLC ${fmt(tlcRate)} (${(ours / tlcRate).toFixed(2)}x)` +
          (rms === 9
            ? `; Spin ${fmt(perCore(tlc.distinct, SPIN_9_SECONDS, 1))} (${(ours / perCore(tlc.distinct, SPIN_9_SECONDS, 1)).toFixed(2)}x)`
            : ""),
      );
    }
  }
  const sym = check([
    "two-phase-commit",
    "--param",
    "rms=7",
    "--symmetry",
    "--property",
    "typeOK",
    "--property",
    "consistent",
  ]);
  console.log(line("two-phase-commit rms=7 --symmetry (TLC: 920 orbits)", sym));
  const listed = JSON.parse(
    spawnSync(process.execPath, [`${root}/bin/interleave.js`, "list", "--json"], { encoding: "utf8" }).stdout,
  ).map((s) => s.name);
  for (const spec of ["raft", "paxos"].filter((name) => listed.includes(name))) {
    const run = check([spec]);
    console.log(line(`${spec} at its defaults`, run));
    console.log(
      `  vs TLC's rate on two-phase commit (${fmt(TLC[7].distinct / TLC[7].seconds[1])} distinct/s): ${(run.report.distinctStates / (run.report.durationMs / 1000) / (TLC[7].distinct / TLC[7].seconds[1])).toFixed(2)}x`,
    );
  }
}

const benches = [["checker", checker]];
for (const [name, file] of [
  ["guards", "guards.js"],
  ["liveness", "liveness.js"],
  ["random", "random.js"],
  ["lincheck", "lincheck.js"],
  ["cluster", "cluster.js"],
  ["distributed", "distributed.js"],
  ["swarm", "swarm.js"],
  ["spill", "spill.js"],
]) {
  if (existsSync(`${root}/bench/${file}`)) benches.push([name, (await import(`./${file}`)).main]);
}
for (const [name, bench] of benches) if (wants(name)) await bench();
