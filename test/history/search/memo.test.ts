/**
 * The search memo's parts alone: the definite set's window of words and hash,
 * the memo's lookups (open, failed, earlier epochs), its growth and memory
 * count, and the fixed Zobrist sequence.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { ConfigMemo, configHash, DefiniteSet, zobristTable } from "../../../src/history/search/memo.js";

describe("DefiniteSet", () => {
  it("tracks the first missing and one past the last present operation as words", () => {
    const z = zobristTable(100);
    const d = new DefiniteSet(100, z);
    expect(d.words.length).toBe(4);
    expect([d.fromWord(), d.toWord(), d.hash]).toEqual([0, 0, 0]);
    d.toggle(40);
    expect([d.fromWord(), d.toWord(), d.has(40), d.has(39)]).toEqual([0, 2, true, false]);
    expect(d.hash).toBe(z[40]);
    for (let b = 0; b < 40; b++) d.toggle(b);
    // 0..40 present, a full prefix: the window starts at word 1 (with 41, the first missing) and is empty.
    expect([d.fromWord(), d.toWord()]).toEqual([1, 1]);
    d.toggle(95);
    expect([d.fromWord(), d.toWord()]).toEqual([1, 3]);
    d.toggle(95);
    expect([d.fromWord(), d.toWord()]).toEqual([1, 1]);
    d.toggle(3);
    expect([d.fromWord(), d.toWord(), d.has(3)]).toEqual([0, 2, false]);
    let hash = 0;
    for (let b = 0; b <= 40; b++) if (b !== 3) hash ^= z[b]!;
    expect(d.hash).toBe(hash);
  });

  it("an operation added right at the end moves the end, across a word boundary too", () => {
    const d = new DefiniteSet(64, zobristTable(64));
    d.toggle(31);
    expect(d.toWord()).toBe(1);
    d.toggle(32);
    expect([d.fromWord(), d.toWord()]).toEqual([0, 2]);
  });

  it("a full set ends at its size, and an emptied one starts over", () => {
    const d = new DefiniteSet(33, zobristTable(33));
    for (let b = 0; b < 33; b++) d.toggle(b);
    expect([d.fromWord(), d.toWord()]).toEqual([1, 1]);
    for (let b = 32; b >= 0; b--) d.toggle(b);
    expect([d.fromWord(), d.toWord(), d.hash]).toEqual([0, 0, 0]);
    expect(new DefiniteSet(0, zobristTable(0)).words.length).toBe(1);
  });
});

describe("ConfigMemo", () => {
  // Made by each test, not as the file loads (a table made at load makes its code's mutants static).
  let z: ReturnType<typeof zobristTable>;
  beforeEach(() => {
    z = zobristTable(64);
  });

  function set(...bits: number[]): DefiniteSet {
    const d = new DefiniteSet(64, z);
    for (const b of bits) d.toggle(b);
    return d;
  }

  it("finds exactly the configurations added: same operations, unknown words and state", () => {
    const memo = new ConfigMemo(1);
    const u = Uint32Array.of(5);
    const d = set(0, 1, 40);
    memo.add(d, u, 3, configHash(d.hash, 3));
    expect(memo.size).toBe(1);
    expect(memo.has(d, u, 3, configHash(d.hash, 3))).toBe(true);
    expect(memo.has(d, u, 4, configHash(d.hash, 4))).toBe(false);
    expect(memo.has(d, Uint32Array.of(4), 3, configHash(d.hash, 3))).toBe(false);
    const other = set(0, 1, 41);
    expect(memo.has(other, u, 3, configHash(other.hash, 3))).toBe(false);
    // A wrong hash misses even for the same configuration.
    expect(memo.has(d, u, 3, configHash(d.hash, 3) + 1)).toBe(false);
    const longer = set(0, 1, 33, 40);
    expect(memo.has(longer, u, 3, configHash(d.hash, 3))).toBe(false);
  });

  it("open entries count only in their own epoch and never as failed; failed ones always", () => {
    const memo = new ConfigMemo(0);
    const u = new Uint32Array(0);
    const a = set(2);
    const b = set(3);
    const ea = memo.add(a, u, 0, configHash(a.hash, 0));
    memo.add(b, u, 0, configHash(b.hash, 0));
    expect(memo.has(a, u, 0, configHash(a.hash, 0), true)).toBe(false);
    memo.markFailed(ea);
    expect(memo.has(a, u, 0, configHash(a.hash, 0), true)).toBe(true);
    memo.newEpoch();
    expect(memo.has(a, u, 0, configHash(a.hash, 0))).toBe(true);
    expect(memo.has(b, u, 0, configHash(b.hash, 0))).toBe(false);
  });

  it("a lookup matches state, first word and hash, not only the words", () => {
    const memo = new ConfigMemo(0);
    const u = new Uint32Array(0);
    const d = set(0, 1, 40);
    const hash = configHash(d.hash, 3);
    memo.add(d, u, 3, hash);
    // The same hash with another state: same bucket, other configuration.
    expect(memo.has(d, u, 4, hash)).toBe(false);
    // Other hashes, some of them in the same bucket: never the entry.
    for (let k = 1; k <= 2000; k++) expect(memo.has(d, u, 3, hash + k)).toBe(false);
    // {0..31, 33} and {1} keep the same one word (bit 1 of it), from word 1 and from word 0.
    const high = set(...Array.from({ length: 32 }, (_, b) => b), 33);
    const low = set(1);
    expect([high.fromWord(), high.toWord(), low.fromWord(), low.toWord()]).toEqual([1, 2, 0, 1]);
    memo.add(high, u, 0, 77);
    expect(memo.has(high, u, 0, 77)).toBe(true);
    expect(memo.has(low, u, 0, 77)).toBe(false);
  });

  it("stores an entry longer than twice its arena", () => {
    const memo = new ConfigMemo(5000);
    const u = new Uint32Array(5000).map((_, i) => i + 1);
    const d = set(7);
    memo.add(d, u, 0, configHash(d.hash, 0));
    expect(memo.has(d, u, 0, configHash(d.hash, 0))).toBe(true);
    const other = u.slice();
    other[4999] = 0;
    expect(memo.has(d, other, 0, configHash(d.hash, 0))).toBe(false);
  });

  it("keeps every entry as it grows, and counts its bytes", () => {
    const memo = new ConfigMemo(2);
    expect(memo.memoryBytes()).toBe(256 * 33 + 1024 * 4 + 256 * 4);
    const u = new Uint32Array(2);
    for (let s = 0; s < 600; s++) {
      const d = set(s % 64);
      u[1] = s;
      memo.add(d, u, s, configHash(d.hash, s));
    }
    expect(memo.size).toBe(600);
    for (let s = 0; s < 600; s++) {
      const d = set(s % 64);
      u[1] = s;
      expect(memo.has(d, u, s, configHash(d.hash, s))).toBe(true);
    }
    // 1,024 entries of room, 600 entries of up to 4 words (2,400 words: 4,096 in the arena), 1,024 buckets.
    expect(memo.memoryBytes()).toBe(1024 * 33 + 4096 * 4 + 1024 * 4);
  });
});

describe("zobristTable and configHash", () => {
  it("are fixed sequences: the same words in every run and for every length", () => {
    const first = Array.from(zobristTable(4));
    expect(first).toMatchInlineSnapshot(`
      [
        1541420728,
        454851044,
        -1394616772,
        -352468386,
      ]
    `);
    const long = zobristTable(5000);
    expect(Array.from(long.subarray(0, 4))).toEqual(first);
    expect(long.length).toBe(5000);
    expect(new Set(long).size).toBe(5000);
    expect([configHash(0, 0), configHash(1, 0), configHash(0, 1), configHash(-1, 7)]).toMatchInlineSnapshot(`
      [
        -1640531535,
        -1640531536,
        1013904226,
        239350391,
      ]
    `);
  });
});
