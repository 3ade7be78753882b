import { describe, expect, it } from "vitest";
import { countRetransmission } from "../../specs/retransmissions.js";

describe("countRetransmission", () => {
  it("adds one at the slot, extends with zeros to reach it, and leaves its input alone", () => {
    const none: readonly number[] = [];
    expect(countRetransmission(none, 2)).toEqual([0, 0, 1]);
    expect(none).toEqual([]);
    expect(countRetransmission([1, 0, 1], 0)).toEqual([2, 0, 1]);
    expect(countRetransmission([1], 0)).toEqual([2]);
  });
});
