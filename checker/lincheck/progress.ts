/**
 * A live progress line for `interleave lincheck` on a terminal: the file,
 * configurations explored, their rate, table memory and elapsed time.
 *
 * Hand-rolled rather than checker/progress.ts's spinner: the history search
 * runs synchronously, so a timer-driven spinner would never repaint; the
 * search's budget clock calls us instead, and a write to a terminal is
 * synchronous.
 */
import type { CheckProgress } from "../../src/history/index.js";

/** The progress sink of one lincheck run. */
export interface LincheckProgress {
  /** The callback for checking `file`. */
  forFile(file: string): (p: CheckProgress) => void;
  /** Erases the line (before any other output). */
  clear(): void;
}

const n = (x: number): string => Math.round(x).toLocaleString("en-US");

/** The progress line's text (exported for tests). */
function describeProgress(file: string, p: CheckProgress): string {
  const rate = p.elapsedMs > 0 ? (p.configurations * 1000) / p.elapsedMs : 0;
  return `${file}: ${n(p.configurations)} configurations, ${n(rate)}/s, tables ${n(p.tableBytes / 2 ** 20)} MiB, ${(p.elapsedMs / 1000).toFixed(0)} s`;
}

/** Writes the line to `write` (stderr), rewriting it in place. */
export function createLincheckProgress(write: (text: string) => void): LincheckProgress {
  let shown = false;
  return {
    forFile: (file) => (p) => {
      write(`\r\x1b[2K${describeProgress(file, p)}`);
      shown = true;
    },
    clear: () => {
      if (shown) write("\r\x1b[2K");
      shown = false;
    },
  };
}
