/**
 * The HTML report as text: which partition comes first and opens, the
 * classes of placed, stuck, blocking, failed and unknown operations, the
 * linearization with the state after each step, escaping, and the whole page
 * for three reports compared with files (layout numbers included). The page
 * drawn in a browser is test/browser/reports.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  checkLinearizability,
  registerModel,
  renderHtmlReport,
  type CheckReport,
  type History,
  type HistoryEvent,
} from "../../src/history/index.js";

/** A report with a fixed duration, so the page is the same from run to run. */
function report(history: History, options: Parameters<typeof checkLinearizability>[2] = {}): CheckReport {
  return { ...checkLinearizability(history, registerModel, options), durationMs: 1.25 };
}

const ev = (type: HistoryEvent["type"], process: number, f: string, value: unknown, key?: string): HistoryEvent =>
  ({ type, process, f, value, ...(key === undefined ? {} : { key }) }) as HistoryEvent;

/** Key x is fine; on key y a read returns 1 after 2 was written over it. */
const twoKeys: History = [
  ev("invoke", 0, "write", 1, "x"),
  ev("ok", 0, "write", 1, "x"),
  ev("invoke", 1, "read", null, "x"),
  ev("ok", 1, "read", 1, "x"),
  ev("invoke", 0, "write", 1, "y"),
  ev("ok", 0, "write", 1, "y"),
  ev("invoke", 1, "write", 2, "y"),
  ev("ok", 1, "write", 2, "y"),
  ev("invoke", 2, "read", null, "y"),
  ev("ok", 2, "read", 1, "y"),
];

/** One process's write fails, another's outcome is unknown, a third reads <b>&"x"</b>, which nobody wrote. */
const odd: History = [
  ev("invoke", 0, "write", 5),
  ev("fail", 0, "write", 5),
  ev("invoke", 1, "write", 6),
  ev("invoke", 2, "read", null),
  ev("ok", 2, "read", '<b>&"x"</b>'),
];

/** Both keys fine, each written twice, with one write on x whose outcome is unknown: a witness per key. */
const fine: History = [
  ev("invoke", 0, "write", 1, "x"),
  ev("ok", 0, "write", 1, "x"),
  ev("invoke", 0, "write", 1, "y"),
  ev("ok", 0, "write", 1, "y"),
  ev("invoke", 1, "write", 2, "y"),
  ev("ok", 1, "write", 2, "y"),
  ev("invoke", 3, "write", 7, "x"),
  ev("invoke", 2, "read", null, "y"),
  ev("ok", 2, "read", 2, "y"),
  ev("invoke", 1, "read", null, "x"),
  ev("ok", 1, "read", 1, "x"),
];

describe("renderHtmlReport", () => {
  it("opens the violating partition first, with its message, the partial linearization and the stuck read", () => {
    const r = report(twoKeys);
    const page = renderHtmlReport({ title: "two <keys>.jsonl", history: twoKeys, report: r, model: registerModel });
    const sections = page
      .split("<details")
      .slice(1)
      .map((s) => s.slice(0, s.indexOf("</details>")));
    expect(sections.map((s) => /<summary>(.*?)<\/summary>/.exec(s)![1])).toEqual([
      "key &quot;y&quot;: 3 operations — violation",
      "key &quot;x&quot;: 2 operations",
    ]);
    expect(sections.map((s) => s.startsWith(" open>"))).toEqual([true, false]);
    expect(page).toContain("<title>two &lt;keys&gt;.jsonl: violation</title>");
    const boxes = [...sections[0]!.matchAll(/<div class="(op[^"]*)"[^>]*>(.*?)<\/div>/g)].map((m) => [m[1], m[2]]);
    expect(boxes).toEqual([
      ["op placed blocker", '<span class="n">1</span>write[y](1)'],
      ["op placed blocker", '<span class="n">2</span>write[y](2)'],
      ["op stuck", "read[y]() -&gt; 1"],
    ]);
    expect(sections[0]).toContain('<li class="stuck" value="3">cannot be placed: read[y]() -&gt; 1 [process 2]</li>');
    // A violating report carries no witness: the partitions that are fine list no linearization.
    expect(sections[1]).not.toContain("inearization");
  });

  it("marks failed and unknown operations, escapes what the history says, and shows an unknown result's reason", () => {
    const page = renderHtmlReport({ title: "odd", history: odd, report: report(odd), model: registerModel });
    expect([...page.matchAll(/<div class="(op[^"]*)"/g)].map((m) => m[1])).toEqual([
      "op fail",
      "op unknown",
      "op stuck",
    ]);
    expect(page).toContain("read() -&gt; &quot;&lt;b&gt;&amp;\\&quot;x\\&quot;&lt;/b&gt;&quot;");
    // As a search stopped by its budget reports it (the history itself is decided before any search).
    const { violations: _, ...base } = report(twoKeys, { partition: false }) as Extract<
      CheckReport,
      { result: "violation" }
    >;
    const stopped: CheckReport = {
      ...base,
      result: "unknown",
      reason: "memory",
      message: "stopped at the memory limit",
    };
    const unknown = renderHtmlReport({ title: "t", history: twoKeys, report: stopped });
    expect(unknown).toContain('<b class="verdict-unknown">unknown (memory)</b>');
    expect(unknown).toContain("<br>stopped at the memory limit</div>");
    expect(unknown).toContain("<summary>history: 5 operations</summary>");
  });

  // The golden file is .txt: Stryker writes "// @ts-nocheck" into every .html file of its sandbox.
  it("draws the same pages as before, layout included", async () => {
    const pages = [
      renderHtmlReport({ title: "two keys", history: twoKeys, report: report(twoKeys), model: registerModel }),
      renderHtmlReport({ title: "odd", history: odd, report: report(odd), model: registerModel }),
      renderHtmlReport({ title: "whole", history: twoKeys, report: report(twoKeys, { partition: false }) }),
      renderHtmlReport({ title: "fine", history: fine, report: report(fine), model: registerModel }),
    ];
    await expect(pages.join("\n<!-- next page -->\n")).toMatchFileSnapshot("support/html-reports.txt");
  });
});
