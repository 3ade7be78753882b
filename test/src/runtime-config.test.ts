/** The runtime configuration's defaults (src/runtime-config.ts); the runtime's own tests use them through real runs. */
import { describe, expect, it } from "vitest";
import { DEFAULT_CHOICE_MS, DEFAULT_TIMER_MS, isRuntimeClientId } from "../../src/runtime-config.js";

describe("runtime config defaults", () => {
  it("client ids are c and a number, nothing else", () => {
    const ids = ["c1", "c42", "c", "cx", "xc1", "c1x", "n1", "C1", "c-1", ""];
    expect(ids.filter(isRuntimeClientId)).toEqual(["c1", "c42"]);
  });

  it("timers take 100 ms and choices come every 250 ms when the spec does not say", () => {
    expect([DEFAULT_TIMER_MS, DEFAULT_CHOICE_MS]).toEqual([100, 250]);
  });
});
