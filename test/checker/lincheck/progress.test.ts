import { describe, expect, it } from "vitest";
import { createLincheckProgress } from "../../../checker/lincheck/progress.js";

describe("createLincheckProgress", () => {
  it("rewrites one line in place per report and erases it once when cleared", () => {
    const written: string[] = [];
    const progress = createLincheckProgress((text) => written.push(text));
    progress.clear();
    expect(written).toEqual([]);
    const report = progress.forFile("h.json");
    report({ configurations: 2_500_000, elapsedMs: 2000, tableBytes: 3.6 * 2 ** 20 });
    report({ configurations: 10, elapsedMs: 0, tableBytes: 0 });
    progress.clear();
    progress.clear();
    expect(written).toEqual([
      "\r\x1b[2Kh.json: 2,500,000 configurations, 1,250,000/s, tables 4 MiB, 2 s",
      "\r\x1b[2Kh.json: 10 configurations, 0/s, tables 0 MiB, 0 s",
      "\r\x1b[2K",
    ]);
  });
});
