/**
 * Progress on stderr for long runs: a live line on a terminal (yocto-spinner),
 * a plain line every 10 seconds otherwise; stdout stays machine-readable.
 */
import yoctoSpinner from "yocto-spinner";
import type { Progress } from "./strategy.js";

/** A progress sink for a search, and a `stop()` to call when it ends. */
export interface ProgressReporter {
  readonly onProgress: (p: Progress) => void;
  readonly intervalMs: number;
  stop(): void;
}

function describe(p: Progress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.distinctStates * 1000) / p.elapsedMs) : 0;
  return `${p.distinctStates.toLocaleString("en-US")} states, ${rate.toLocaleString("en-US")} states/s, queue ${p.queue.toLocaleString("en-US")}, depth ${p.depth}, ${(p.elapsedMs / 1000).toFixed(0)} s`;
}

/** Creates the reporter fitting `stream` (a TTY or not). */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const spinner = yoctoSpinner({ text: "exploring", stream }).start();
    return {
      intervalMs: 250,
      onProgress: (p) => {
        spinner.text = describe(p);
      },
      stop: () => spinner.stop(),
    };
  }
  return {
    intervalMs: 10_000,
    onProgress: (p) => stream.write(`progress: ${describe(p)}\n`),
    stop: () => {},
  };
}
