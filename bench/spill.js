// The disk queue: two-phase commit (7 RMs, safety properties) with the BFS
// queue in memory and under `--max-memory 9` (MiB), which the fingerprint
// store (about 8.4 MiB) fits in but not with its queue (76 bytes a state,
// up to about 85,000 of them as the widest levels meet), so much of the
// queue goes to disk; same counts, the cost
// as a ratio, bytes per queued state in memory and on disk. Run by
// bench/run.js (`npm run bench -- spill`); never asserted.
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = (path) => pathToFileURL(`${root}/dist/${path}`).href;
/** The data budget of the spilled run, in MiB: the store fits, the queue does not. */
const BUDGET_MIB = 9;

export async function main() {
  const api = await import(dist("checker/cli-index.js"));
  console.log(
    `\n== disk queue (BFS queue spilled to stay within --max-memory ${BUDGET_MIB}): two-phase-commit rms=7, typeOK and consistent`,
  );
  const options = { params: { rms: 7 }, properties: ["typeOK", "consistent"] };
  const memory = await api.checkSpecByName("two-phase-commit", options);
  const disk = await api.checkSpecByName("two-phase-commit", { ...options, maxMemoryBytes: BUDGET_MIB * 2 ** 20 });
  for (const [name, r] of [
    ["in memory", memory],
    [`--max-memory ${BUDGET_MIB}`, disk],
  ]) {
    console.log(
      `  ${name.padEnd(16)} ${r.result} ${r.distinctStates.toLocaleString("en-US")} distinct / ${r.generatedStates.toLocaleString("en-US")} generated in ${(r.durationMs / 1000).toFixed(2)} s, ` +
        `${r.spilledStates.toLocaleString("en-US")} states spilled, queue ${r.queueBytesPerState.memory} bytes/state in memory (estimated), ${r.queueBytesPerState.disk} on disk; store ${r.bytesPerState} bytes/state; peak RSS ${r.peakRssMB} MB`,
    );
  }
  console.log(
    `  spilled run takes ${(disk.durationMs / memory.durationMs).toFixed(2)}x the in-memory time; same counts: ${disk.distinctStates === memory.distinctStates && disk.generatedStates === memory.generatedStates}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
