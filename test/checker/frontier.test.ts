import { afterEach, describe, expect, it } from "vitest";
import { SpillArea, SpillTally, type SpillPolicy } from "../../checker/disk-queue.js";
import { Frontier, type FrontierOrder } from "../../checker/frontier.js";
import type { StateCodec } from "../../src/index.js";

/** A state of the toy model: a list of small numbers (variable length, as the words of a real codec may be). */
type Toy = { readonly xs: readonly number[] };

/** Encodes a toy state as its length and numbers; declines some (they wait as objects). */
class ToyCodec implements StateCodec<Toy> {
  encoded = 0;
  size(state: Toy): number {
    return state.xs[0] === 7 ? -1 : state.xs.length + 1;
  }
  encode(state: Toy, out: Int32Array, at: number): boolean {
    // Declines after all a state it sized when its second number is 8 (a protocol state whose node is not interned).
    if (state.xs[1] === 8) return false;
    out[at] = state.xs.length;
    state.xs.forEach((x, k) => (out[at + k + 1] = x));
    this.encoded++;
    return true;
  }
  decode(words: Int32Array, from: number, to: number): Toy {
    expect(to - from).toBe(words[from]! + 1);
    return { xs: Array.from(words.subarray(from + 1, to)) };
  }
}

/** A deterministic pseudo-random source (xorshift32). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const areas: SpillArea[] = [];
afterEach(() => {
  for (const a of areas.splice(0)) a.dispose();
});

function spillPolicy(budgetBytes: number): SpillPolicy<Toy> {
  const area = new SpillArea();
  areas.push(area);
  return { budgetBytes: () => budgetBytes, area, tally: new SpillTally(), revive: (s) => ({ xs: [...s.xs] }) };
}

/**
 * Pushes and takes `steps` entries at random (more pushes than takes, then drains), checking every taken
 * entry against a plain array used as the same queue or stack.
 */
function replay(frontier: Frontier<Toy>, order: FrontierOrder, seed: number, steps: number): number {
  const next = random(seed);
  const reference: { xs: number[]; index: number; depth: number }[] = [];
  let taken = 0;
  const take = () => {
    expect(frontier.take()).toBe(true);
    const want = order === "fifo" ? reference.shift()! : reference.pop()!;
    expect([frontier.state.xs, frontier.index, frontier.depth]).toEqual([want.xs, want.index, want.depth]);
    expect([frontier.hi, frontier.lo]).toEqual([want.index * 3, want.index * 5]);
    taken++;
  };
  for (let step = 0; step < steps; step++) {
    if (next() < 0.6) {
      const xs = Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 10));
      const entry = { xs, index: step, depth: Math.floor(next() * 100) };
      reference.push(entry);
      frontier.push({ xs }, entry.index, entry.index * 3, entry.index * 5, entry.depth);
    } else if (reference.length > 0) take();
    expect(frontier.length).toBe(reference.length);
  }
  while (reference.length > 0) take();
  expect(frontier.take()).toBe(false);
  return taken;
}

describe("Frontier keeps its order and entries with the states as words", () => {
  for (const order of ["fifo", "lifo"] as const) {
    it(`${order}: 20,000 random pushes and takes through a toy codec give back every entry in order`, () => {
      const codec = new ToyCodec();
      const frontier = new Frontier<Toy>(order, undefined, codec);
      expect(replay(frontier, order, 12345, 20_000)).toBe(11_951);
      // The other 2,037 states (a number is 7 or 8 about 1 time in 10) wait as objects.
      expect(codec.encoded).toBe(9_914);
    });
  }

  it("a FIFO queue spilling to disk (budget of 2,000 bytes) gives back every entry in order, words and objects", () => {
    const codec = new ToyCodec();
    const spill = spillPolicy(2000);
    const frontier = new Frontier<Toy>("fifo", spill, codec);
    expect(replay(frontier, "fifo", 777, 20_000)).toBe(11_985);
    // Words read back from disk are not encoded again.
    expect(codec.encoded).toBe(9_859);
    const stats = frontier.spillStats!;
    expect(stats.spilledStates).toBe(11_748);
    // Encoded states go to disk as words: 4.5 words on average, a start, and the entry's index, fingerprint and
    // depth (16 bytes); an object as V8 serializes it takes about 25 bytes.
    expect(stats.diskBytesPerState).toBeGreaterThan(36);
    expect(stats.diskBytesPerState).toBeLessThan(42);
  });

  it("drain hands the newest entries over as states (a parallel worker's share), decoded or as they were", () => {
    const frontier = new Frontier<Toy>("fifo", undefined, new ToyCodec());
    for (let k = 0; k < 10; k++) frontier.push({ xs: [k % 8, k] }, k, 0, 0, 1);
    const batch = frontier.drain(4);
    expect(batch.states).toEqual([{ xs: [6, 6] }, { xs: [7, 7] }, { xs: [0, 8] }, { xs: [1, 9] }]);
    expect([...batch.indices]).toEqual([6, 7, 8, 9]);
    expect(frontier.length).toBe(6);
    const rest: number[][] = [];
    while (frontier.take()) rest.push([...frontier.state.xs]);
    expect(rest).toEqual([0, 1, 2, 3, 4, 5].map((k) => [k, k]));
  });
});
