// Distributed search (`check --distributed`): two-phase commit on 3 worker
// processes exchanging states through a local NATS broker, against the
// one-process search of the same model in the same run (the baseline). On one
// machine the workers share its cores, so this measures the cost of routing
// states through the broker; the gain is memory and cores across machines.
// Run by bench/run.js (`npm run bench -- distributed`, add `quick` for rms=7
// only), or alone: `node bench/distributed.js`. Uses INTERLEAVE_BENCH_NATS_URL,
// or starts nats-server (Debian package) on a free port. Never asserted.
import { spawn, spawnSync } from "node:child_process";
import { createServer, connect } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = `${root}/bin/interleave.js`;
const fmt = (n) => Math.round(n).toLocaleString("en-US");

function freePort() {
  return new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

async function broker() {
  if (process.env.INTERLEAVE_BENCH_NATS_URL) return { url: process.env.INTERLEAVE_BENCH_NATS_URL, stop() {} };
  const server = ["nats-server", "/usr/sbin/nats-server"].find((b) => spawnSync(b, ["--version"]).status === 0);
  if (!server) throw new Error("no nats-server: apt-get install nats-server, or set INTERLEAVE_BENCH_NATS_URL");
  const port = await freePort();
  const child = spawn(server, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  for (let k = 0; k < 100; k++) {
    const up = await new Promise((done) => {
      const s = connect(port, "127.0.0.1")
        .once("connect", () => (s.destroy(), done(true)))
        .once("error", () => done(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `nats://127.0.0.1:${port}`, stop: () => child.kill() };
}

function check(args) {
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [bin, "check", ...args, "--json", "-"], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`interleave check ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return { report: JSON.parse(run.stdout), wall };
}

export async function main(options = { quick: process.argv.includes("quick") }) {
  console.log(
    "\n== distributed search: `check --distributed` with 3 worker processes and a local NATS broker, vs one process",
  );
  const b = await broker();
  try {
    for (const rms of options.quick ? [7] : [7, 8]) {
      // The liveness property needs one process's edge log; both runs check the two invariants.
      const model = ["two-phase-commit", "--param", `rms=${rms}`, "--property", "typeOK", "--property", "consistent"];
      const one = check(model);
      const dist = check([...model, "--distributed", b.url, "--workers", "3"]);
      const exact =
        one.report.distinctStates === dist.report.distinctStates &&
        one.report.generatedStates === dist.report.generatedStates;
      console.log(
        `two-phase-commit rms=${rms}: ${fmt(dist.report.distinctStates)} distinct / ${fmt(dist.report.generatedStates)} generated; ` +
          `3 workers ${dist.wall.toFixed(2)} s, one process ${one.wall.toFixed(2)} s (with start-up): ${(dist.wall / one.wall).toFixed(2)}x the one-process time; ` +
          `counts ${exact ? "equal the one-process search's" : "DIFFER from the one-process search's"}`,
      );
    }
  } finally {
    b.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
