/**
 * The explorer in a real browser: walk two-phase commit's broken variant to
 * its shortest counterexample by clicking, see the invariant marked, reload
 * from the URL and see the same state. Takes the README's screenshot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSpec } from "../../checker/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { toItf } from "../../src/trace-formats.js";
import { chromiumMissing, launchChromium, screenshotPath, startExplore } from "./chromium.js";

const missing = chromiumMissing();
if (missing) console.warn(missing);

describe.skipIf(missing !== undefined)("interleave explore in chromium", () => {
  let chrome: Awaited<ReturnType<typeof launchChromium>>;
  let server: Awaited<ReturnType<typeof startExplore>>;
  let page: Page;

  beforeAll(async () => {
    [chrome, server] = await Promise.all([
      launchChromium(),
      startExplore(["two-phase-commit", "--variant", "commit-without-all-prepared"]),
    ]);
    page = await chrome.context.newPage();
  });

  afterAll(async () => {
    await chrome?.close();
    server?.child.kill("SIGINT");
  });

  const status = (name: string) => page.locator(`tr[data-property="${name}"]`).getAttribute("data-status");
  const click = (label: string) => page.locator("button.action", { hasText: label }).first().click();
  const atPath = (path: string) => page.waitForSelector(`body[data-path="${path}"]`);

  it("clicks through the 3 steps of the shortest counterexample and marks the invariant", async () => {
    await page.goto(server.url);
    await atPath("0");
    expect(await page.locator("button.action").count()).toBe(8);
    expect(await status("consistent")).toBe("holds");

    await click("tm: DecideCommit");
    await atPath("0,0");
    await click("rm1: ChooseToAbort");
    await atPath("0,0,1");
    await click("rm2: receive Commit from tm");
    await atPath("0,0,1,5");

    expect(await status("consistent")).toBe("violated");
    expect(await status("typeOK")).toBe("holds");
    expect(await page.locator('[data-test="violated"]').innerText()).toBe(
      "invariant consistent is violated in this state",
    );
    expect(new URL(page.url()).hash).toBe("#path=0,0,1,5");
    // The step changed one field, highlighted in the state tree.
    expect(await page.locator(".tree .changed").getAttribute("data-path")).toBe("nodes.rm2.rmState");
    // The sequence diagram shows the delivered Commit and the violation over the two RMs that disagree.
    expect(await page.locator(".sequence-box g[data-step]").count()).toBe(3);
    expect(await page.locator(".sequence-box .violation text").textContent()).toBe("consistent violated (rm1, rm2)");
    await page.screenshot({ path: screenshotPath("explorer.png") });
  });

  it("shows the same state after a reload from the URL", async () => {
    await page.reload();
    await atPath("0,0,1,5");
    expect(await status("consistent")).toBe("violated");
    expect(await page.locator("ol.path li").allInnerTexts()).toEqual([
      "initial state 0",
      "tm: DecideCommit",
      "rm1: ChooseToAbort",
      "rm2: receive Commit from tm",
    ]);
    expect(await page.locator("ol.path li.current").innerText()).toBe("rm2: receive Commit from tm");
  });

  it("goes back and forward along the path", async () => {
    await page.locator('[data-test="back"]').click();
    await atPath("0,0,1");
    expect(await status("consistent")).toBe("holds");
    await page.locator('[data-test="forward"]').click();
    await atPath("0,0,1,5");
    expect(await status("consistent")).toBe("violated");
  });

  it("loads a saved ITF counterexample and opens at its last step", async () => {
    const report = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    const file = join(mkdtempSync(join(tmpdir(), "interleave-explore-")), "trace.itf.json");
    writeFileSync(
      file,
      JSON.stringify(
        toItf(report.trace!, {
          spec: "two-phase-commit",
          variant: "commit-without-all-prepared",
          property: "consistent",
        }),
      ),
    );
    await page.locator('[data-test="restart"]').click();
    await atPath("0");
    await page.locator('[data-test="load-trace"]').setInputFiles(file);
    await atPath("0,0,1,5");
    expect(await status("consistent")).toBe("violated");
  });

  it("stops on Ctrl-C with exit 0", async () => {
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
  });
});
