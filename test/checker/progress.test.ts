import { afterEach, describe, expect, it, vi } from "vitest";
import { createProgress } from "../../checker/progress.js";

/** A stand-in for stderr: what was written, and whether it is a terminal. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  const fake = {
    isTTY,
    columns: 200,
    write: (text: string) => {
      written.push(text);
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => fake,
    once: () => fake,
    off: () => fake,
    removeListener: () => fake,
  };
  return { written, stream: fake as unknown as NodeJS.WriteStream };
}

const progress = { distinctStates: 1234567, generatedStates: 9999999, queue: 4321, depth: 17, elapsedMs: 2500 };

describe("createProgress", () => {
  it("off a terminal: a plain line per report, every 10 s, with states, rate, queue, depth and seconds", () => {
    const { written, stream: s } = stream(false);
    const reporter = createProgress(s);
    expect(reporter.intervalMs).toBe(10_000);
    reporter.onProgress(progress);
    reporter.onProgress({ ...progress, elapsedMs: 0 });
    reporter.stop();
    expect(written).toEqual([
      "progress: 1,234,567 states, 493,827 states/s, queue 4,321, depth 17, 3 s\n",
      "progress: 1,234,567 states, 0 states/s, queue 4,321, depth 17, 0 s\n",
    ]);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("on a terminal: a spinner line rewritten 4 times a second, erased by stop", () => {
    // yocto-spinner draws only on an interactive terminal: not under CI, nor on a dumb one.
    vi.stubEnv("CI", undefined);
    vi.stubEnv("TERM", "xterm-256color");
    const { written, stream: s } = stream(true);
    const reporter = createProgress(s);
    expect(reporter.intervalMs).toBe(250);
    expect(written.join("")).toContain("exploring");
    reporter.onProgress(progress);
    const text = written.join("");
    expect(text).toContain("1,234,567 states, 493,827 states/s, queue 4,321, depth 17, 3 s");
    expect(text).not.toContain("progress:");
    // The cursor, hidden while the spinner runs, is shown again.
    expect(written.at(-1)).not.toBe("\u001B[?25h");
    reporter.stop();
    expect(written.at(-1)).toBe("\u001B[?25h");
  });
});
