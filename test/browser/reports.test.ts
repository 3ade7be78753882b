/**
 * The reports in a real browser at 1,400 px: the HTML trace with its
 * sequence diagram, and lincheck reports that open with the operation that
 * could not be placed in view (Porcupine's etcd_000, and a generated
 * 3,000-operation history). Takes the README's screenshots.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { runCli } from "../../checker/cli-index.js";
import { toJsonLines } from "../../src/history/formats/index.js";
import { generateRegisterHistory } from "../history/support/generate.js";
import { chromiumMissing, launchChromium, screenshotPath } from "./chromium.js";

const missing = chromiumMissing();
if (missing) console.warn(missing);

const dir = mkdtempSync(join(tmpdir(), "interleave-reports-"));
const quiet = { stdout: () => {}, stderr: () => {}, progress: false };

/** The stuck operation's box, and whether all of it is inside the 1,400 x 900 viewport. */
async function stuckInView(page: Page): Promise<{ text: string; inside: boolean }> {
  const stuck = page.locator("details[open] .op.stuck").first();
  const box = (await stuck.boundingBox())!;
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= 1400 && box.y + box.height <= 900;
  return { text: await stuck.innerText(), inside };
}

describe.skipIf(missing !== undefined)("reports in chromium at 1,400 px", () => {
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    chrome = await launchChromium();
    page = await chrome.context.newPage();
  });
  afterAll(() => chrome?.close());

  it("the HTML trace shows the sequence diagram beside the steps, the violation over the two RMs", async () => {
    const out = join(dir, "trace.html");
    expect(
      await runCli(
        [
          "check",
          "two-phase-commit",
          "--variant",
          "commit-without-all-prepared",
          "--trace-format",
          "html",
          "--out",
          out,
        ],
        quiet,
      ),
    ).toBe(1);
    await page.goto(pathToFileURL(out).href);
    expect(await page.locator("svg.sequence g[data-step]").count()).toBe(3);
    expect(await page.locator("svg.sequence .violation text").textContent()).toBe("consistent violated (rm1, rm2)");
    const svg = (await page.locator(".diagram").boundingBox())!;
    const table = (await page.locator("table").boundingBox())!;
    expect(table.x).toBeGreaterThan(svg.x + svg.width); // beside, not below
    await page.screenshot({ path: screenshotPath("trace-html.png") });
  });

  it("the lincheck report of etcd_000 opens with the stuck operation and its blockers in view", async () => {
    const out = join(dir, "etcd_000.html");
    expect(await runCli(["lincheck", "test/fixtures/porcupine/etcd/etcd_000.log", "--html", out], quiet)).toBe(1);
    await page.goto(pathToFileURL(out).href);
    expect(await stuckInView(page)).toEqual({ text: "read() -> 2", inside: true });
    expect(await page.locator("details[open] .op.blocker").count()).toBe(3);
    await page.screenshot({ path: screenshotPath("lincheck-etcd_000.png") });
  });

  it("the lincheck report of a 3,000-operation history opens with the violating operation in view", async () => {
    const file = join(dir, "register-3000.jsonl");
    // 2,997 random operations and the 3 of the planted stale read.
    const events = generateRegisterHistory({
      seed: 7,
      processes: 6,
      operations: 2997,
      values: 5,
      unknownRate: 0.02,
      violation: "stale-read",
    });
    writeFileSync(file, toJsonLines(events));
    const out = join(dir, "register-3000.html");
    expect(await runCli(["lincheck", file, "--model", "register", "--html", out], quiet)).toBe(1);
    await page.goto(pathToFileURL(out).href);
    expect(await page.locator(".op").count()).toBe(3000);
    const { inside } = await stuckInView(page);
    expect(inside).toBe(true);
    // Zooming out keeps the page usable: the whole timeline fits the width.
    await page.locator("details[open] [data-zoom=fit]").click();
    const width = await page.locator("details[open] .timeline").evaluate((e) => e.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(1400);
  });
});
