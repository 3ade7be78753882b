/**
 * Two user spec files that load and run in the main thread only, for the
 * tests of what a search makes of a failing worker thread: `noLoad` throws
 * as a thread imports it, `exits` calls `process.exit(3)` in a thread's
 * reducer (at n = 1), which ends that thread alone.
 */
import type { TempFolder } from "./temp-folder.js";

export function threadFailingSpecs(folder: TempFolder): { readonly noLoad: string; readonly exits: string } {
  const spec = (name: string, code: string) =>
    folder.file(
      `${name}.ts`,
      `import { isMainThread } from "node:worker_threads";
import { defineSpec, invariant } from "interleave-check";
${code}
export default defineSpec({
  name: "${name}",
  description: "loads and runs in the main thread only",
  init: () => [{ n: 0 }],
  actions: {
    Inc: (s: { n: number }) => {
      if (!isMainThread && exitAt === s.n) process.exit(3);
      return s.n < 3 ? { n: s.n + 1 } : undefined;
    },
  },
  properties: { small: invariant((s: { n: number }) => s.n <= 9) },
});
`,
    );
  return {
    noLoad: spec("no-load", `if (!isMainThread) throw new Error("not in a worker thread");\nconst exitAt = -1;`),
    exits: spec("exits", "const exitAt = 1;"),
  };
}
