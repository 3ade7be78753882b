import { describe, expect, it } from "vitest";
import { fairnessLevels, type Fairness } from "../../src/fairness.js";

/** Labels' action groups as the kernel forms them: `Inc(1)` is `Inc`, `rm1: x` is `rm: x`. */
const group = (label: string) => label.replace(/\(.*\)$/, "").replace(/^([a-z]+)\d+:/, "$1:");

const levels = (fairness: Fairness | undefined, labels: readonly string[]) =>
  labels.map(fairnessLevels(fairness, group));

describe("fairnessLevels", () => {
  it("makes nothing fair without a declaration", () => {
    expect(levels(undefined, ["Inc(1)", "rm1: receive Commit from tm", ""])).toEqual([0, 0, 0]);
    expect(levels({}, ["Inc(1)", "rm1: receive Commit from tm"])).toEqual([0, 0]);
  });

  it("matches a pattern against the label or its action group, strong winning over weak", () => {
    const fairness: Fairness = { weak: ["Inc", "Dec(2)"], strong: ["Dec"] };
    expect(levels(fairness, ["Inc(1)", "Inc(2)", "Dec(2)", "Dec(3)", "Reset", "Inc"])).toEqual([1, 1, 2, 2, 0, 1]);
    expect(levels({ weak: ["Dec(2)"] }, ["Dec(2)", "Dec(3)", "Dec"])).toEqual([1, 0, 0]);
    expect(levels({ strong: ["Inc(1)"] }, ["Inc(1)", "Inc(2)"])).toEqual([2, 0]);
  });

  it("reads a pattern as a whole-text glob: * is any text, the rest literal", () => {
    expect(levels({ weak: ["Inc"] }, ["Inc2", "xInc", "Inc"])).toEqual([0, 0, 1]);
    expect(levels({ weak: ["rm: *"] }, ["rm1: receive Commit from tm", "tm: Decide", "rm2: timer T"])).toEqual([
      1, 0, 1,
    ]);
    expect(levels({ weak: ["*Commit*"] }, ["rm1: receive Commit from tm", "Abort"])).toEqual([1, 0]);
    // Regular-expression characters are literal: "." is a dot, parentheses and brackets are text.
    expect(levels({ weak: ["a.b"] }, ["a.b", "axb"])).toEqual([1, 0]);
    expect(levels({ weak: ["Go([x]+)"] }, ["Go([x]+)", "Go(xx)", "Go([x])"])).toEqual([1, 0, 0]);
    expect(levels({ weak: ["$^{}|?\\"] }, ["$^{}|?\\", "{}"])).toEqual([1, 0]);
    // * spans line breaks.
    expect(levels({ weak: ["Put*"] }, ["Put(a\nb)"])).toEqual([1]);
  });

  it("puts every delivery under strong fairness on a fair network, and nothing else", () => {
    const fair: Fairness = { network: "fair" };
    const labels = ["n1: receive Ping from n2", "n1: timer Election", "Crash(n1)", "drop Ping"];
    expect(levels(fair, labels)).toEqual([2, 0, 0, 0]);
    expect(levels({ network: "fair", weak: ["n: timer *"] }, labels)).toEqual([2, 1, 0, 0]);
    expect(levels({ weak: ["*"] }, labels)).toEqual([1, 1, 1, 1]);
    expect(levels({ weak: ["*"], network: "fair" }, labels)).toEqual([2, 1, 1, 1]);
  });
});
