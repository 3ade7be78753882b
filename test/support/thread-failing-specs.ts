/**
 * Two user spec files that fail in a search's worker threads only, for the
 * tests of what a search makes of a failing thread: `noLoad` throws as a
 * thread imports it, `exits` calls `process.exit(3)` in a thread's reducer
 * (at n = 1), which ends that thread alone. A search's thread is told by its
 * workerData (the parallel and swarm setups name the spec's source), not by
 * `isMainThread`: a test runner may run the tests themselves on a thread
 * (Stryker's vitest runner does).
 */
import type { TempFolder } from "./temp-folder.js";

export function threadFailingSpecs(folder: TempFolder): { readonly noLoad: string; readonly exits: string } {
  const spec = (name: string, code: string) =>
    folder.file(
      `${name}.ts`,
      `import { workerData } from "node:worker_threads";
import { defineSpec, invariant } from "interleave-check";
const inSearchThread = typeof (workerData as { spec?: { module?: unknown } } | null)?.spec?.module === "string";
${code}
export default defineSpec({
  name: "${name}",
  description: "fails in a search's worker threads only",
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }) => {
      if (inSearchThread && exitAt === s.n) process.exit(3);
      return s.n < 3 ? { n: s.n + 1 } : undefined;
    },
  },
  properties: { small: invariant((s: { n: number }) => s.n <= 9) },
});
`,
    );
  return {
    noLoad: spec("no-load", `if (inSearchThread) throw new Error("not in a worker thread");\nconst exitAt = -1;`),
    exits: spec("exits", "const exitAt = 1;"),
  };
}
