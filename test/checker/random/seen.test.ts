import { describe, expect, it } from "vitest";
import { EXPANDED, FingerprintFlags, SEEN } from "../../../checker/random/seen.js";

describe("FingerprintFlags", () => {
  it("returns the flags a fingerprint had and ORs in the new one", () => {
    const flags = new FingerprintFlags();
    expect(flags.mark(1, 2, SEEN)).toBe(0);
    expect(flags.mark(1, 2, SEEN)).toBe(SEEN);
    expect(flags.mark(1, 2, EXPANDED)).toBe(SEEN);
    expect(flags.mark(1, 2, SEEN)).toBe(SEEN | EXPANDED);
    expect(flags.size).toBe(1);
  });

  it("tells apart fingerprints that share one half, and takes unsigned halves", () => {
    const flags = new FingerprintFlags();
    // 7 and 4103 differ by the table size (4,096): with the same low half they start probing at the same slot.
    expect([flags.mark(7, 9, SEEN), flags.mark(7, 10, EXPANDED), flags.mark(4103, 9, EXPANDED)]).toEqual([0, 0, 0]);
    expect([flags.mark(7, 9, 0), flags.mark(7, 10, 0), flags.mark(4103, 9, 0)]).toEqual([SEEN, EXPANDED, EXPANDED]);
    expect(flags.mark(0xffffffff, 0x80000000, SEEN)).toBe(0);
    expect(flags.mark(0xffffffff, 0x80000000, SEEN)).toBe(SEEN);
    expect(flags.size).toBe(4);
  });

  it("keeps every fingerprint and its flags through growing from 4,096 slots to 32,768", () => {
    const flags = new FingerprintFlags();
    expect(flags.bytes).toBe(4096 * 9);
    const n = 10_000;
    // Each key hashes anywhere in the table, including its last slots.
    for (let k = 0; k < n; k++) expect(flags.mark(k * 2654435761, k, k % 2 === 0 ? SEEN : EXPANDED)).toBe(0);
    expect(flags.size).toBe(n);
    for (let k = 0; k < n; k++) expect(flags.mark(k * 2654435761, k, 0)).toBe(k % 2 === 0 ? SEEN : EXPANDED);
    expect(flags.size).toBe(n);
    expect(flags.bytes).toBe(32768 * 9);
  });
});
