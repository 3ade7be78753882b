import { readdirSync } from "node:fs";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { SpillArea, SpillTally, type SpillPolicy } from "../../checker/disk-queue.js";
import { Frontier, type FrontierBatch, type FrontierOrder } from "../../checker/frontier.js";
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

/** One step of the model-based test: what the frontier is asked, with its size. */
type Op =
  | { readonly kind: "push"; readonly states: readonly (readonly number[])[] }
  | { readonly kind: "take" | "drain" | "drainAndGiveBack"; readonly count: number }
  | { readonly kind: "spill" | "reuse" };

const toyNumbers = fc.array(fc.nat(9), { minLength: 1, maxLength: 6 });

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("push" as const),
        // Numbers 7 and 8 make the toy codec decline a state (it waits as an object). A spilling queue writes a
        // batch of 64 (see below) when its newest part is full: pushes of 64 leave that part empty, so a drain reads
        // the newest segment from disk.
        states: fc.oneof(
          fc.array(toyNumbers, { minLength: 1, maxLength: 120 }),
          fc.array(toyNumbers, { minLength: 64, maxLength: 64 }),
        ),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom("take" as const, "drain" as const, "drainAndGiveBack" as const),
        count: fc.integer({ min: 1, max: 150 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("spill" as const, "reuse" as const) }) },
  ),
  { maxLength: 40 },
);

interface Entry {
  readonly xs: readonly number[];
  readonly index: number;
  readonly depth: number;
}

/**
 * Runs `ops` on a frontier and on a plain array kept as the same queue or stack: every entry taken, every batch
 * drained (the newest entries, in order, at most as many as asked and at least one) and the length after each step
 * agree. A drained batch given back (as a parallel worker's unused share) waits again as the newest entries.
 */
function runModel(
  frontier: Frontier<Toy>,
  order: FrontierOrder,
  steps: readonly Op[],
  spill: { readonly start: () => void; readonly stop: () => void } | undefined,
): void {
  const reference: Entry[] = [];
  let next = 0;
  let spilling = false;
  const check = (e: Entry, state: Toy, at: { index: number; hi: number; lo: number; depth: number }) => {
    expect([state.xs, at.index, at.hi, at.lo, at.depth]).toEqual([e.xs, e.index, e.index * 3, e.index * 5, e.depth]);
  };
  for (const op of steps) {
    switch (op.kind) {
      case "push":
        for (const xs of op.states) {
          const e = { xs, index: next, depth: next % 97 };
          next++;
          reference.push(e);
          frontier.push({ xs: [...xs] }, e.index, e.index * 3, e.index * 5, e.depth);
        }
        break;
      case "take":
        for (let k = 0; k < op.count && reference.length > 0; k++) {
          expect(frontier.take()).toBe(true);
          check(order === "fifo" ? reference.shift()! : reference.pop()!, frontier.state, frontier);
        }
        break;
      case "drain":
      case "drainAndGiveBack": {
        const batch = frontier.drain(op.count);
        const n = batch.states.length;
        expect(n).toBeLessThanOrEqual(op.count);
        expect(n > 0).toBe(reference.length > 0);
        const drained = reference.splice(reference.length - n, n);
        drained.forEach((e, k) =>
          check(e, batch.states[k]!, {
            index: batch.indices[k]!,
            hi: batch.his[k]!,
            lo: batch.los[k]!,
            depth: batch.depths[k]!,
          }),
        );
        if (op.kind === "drainAndGiveBack") {
          frontier.pushAll(batch);
          reference.push(...drained);
        }
        break;
      }
      case "spill":
        if (spill) spill.start();
        else frontier.startSpilling();
        spilling ||= spill !== undefined;
        break;
      case "reuse":
        if (reference.length > 0) {
          expect(() => frontier.reuse()).toThrow("only an empty frontier is reused");
        } else {
          expect(frontier.reuse()).toBe(frontier);
          spill?.stop();
          spilling = false;
        }
        break;
    }
    expect([frontier.length, frontier.spilling]).toEqual([reference.length, spilling]);
  }
  while (reference.length > 0) {
    expect(frontier.take()).toBe(true);
    check(order === "fifo" ? reference.shift()! : reference.pop()!, frontier.state, frontier);
  }
  expect(frontier.take()).toBe(false);
}

describe("Frontier against a plain array (model-based: push, take, drain, give back, spill, reuse)", () => {
  const kinds = [
    { order: "fifo", codec: false, spill: false },
    { order: "fifo", codec: true, spill: false },
    { order: "lifo", codec: false, spill: false },
    { order: "lifo", codec: true, spill: false },
    { order: "fifo", codec: false, spill: true },
    { order: "fifo", codec: true, spill: true },
  ] as const;
  for (const kind of kinds) {
    const name = `${kind.order}, states as ${kind.codec ? "words" : "objects"}${kind.spill ? ", spilling when asked" : ""}`;
    it(name, () => {
      fc.assert(
        fc.property(ops, (steps) => {
          // A budget never exceeded until the test asks to spill; then one byte, for the smallest batches (64
          // entries), so segments are written, read back, split and handed over within a few hundred entries.
          let budget = Number.MAX_SAFE_INTEGER;
          const policy = kind.spill ? { ...spillPolicy(0), budgetBytes: () => budget } : undefined;
          const frontier = new Frontier<Toy>(kind.order, policy, kind.codec ? new ToyCodec() : undefined);
          const spill = policy && {
            start: () => {
              budget = 1;
              frontier.startSpilling();
            },
            stop: () => (budget = Number.MAX_SAFE_INTEGER),
          };
          runModel(frontier, kind.order, steps, spill);
          policy?.area.dispose();
        }),
        // A fixed seed: the same sequences every run, so a mutant is caught or not the same way each time.
        { numRuns: 150, seed: 1 },
      );
    });
  }

  it("drain takes a spilled queue's newest entries first: its newest part, else its newest segment, split if too big", () => {
    let budget = Number.MAX_SAFE_INTEGER;
    let revived = 0;
    const policy = {
      ...spillPolicy(0),
      budgetBytes: () => budget,
      revive: (s: Toy) => (revived++, { xs: [...s.xs] }),
    };
    const frontier = new Frontier<Toy>("fifo", policy);
    const push = (from: number, to: number) => {
      for (let k = from; k < to; k++) frontier.push({ xs: [k] }, k, k * 3, k * 5, k % 97);
    };
    const entries = (batch: FrontierBatch<Toy>) =>
      batch.states.map((s, k) => {
        expect([batch.indices[k], batch.his[k], batch.los[k], batch.depths[k]]).toEqual([
          s.xs[0],
          s.xs[0]! * 3,
          s.xs[0]! * 5,
          s.xs[0]! % 97,
        ]);
        return s.xs[0]!;
      });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    push(0, 300);
    // Batches of 64: the oldest stay in memory, 236 go to disk as segments of 64, 64, 64 and 44.
    budget = 1;
    frontier.startSpilling();
    expect(policy.tally.spilledStates).toBe(236);
    expect(entries(frontier.drain(10))).toEqual(range(290, 300));
    // The rest of that segment (34) was written back as the newest.
    expect(entries(frontier.drain(100))).toEqual(range(256, 290));
    push(300, 364);
    // 64 new entries fill the newest part, written at once as a segment: the next drain reads it back whole.
    expect(entries(frontier.drain(64))).toEqual(range(300, 364));
    push(364, 370);
    expect(entries(frontier.drain(100))).toEqual(range(364, 370));
    const taken: number[] = [];
    while (frontier.take()) taken.push(frontier.index);
    expect(taken).toEqual(range(0, 256));
    // Every state read from disk is revived, each time it is read: 44 (the segment split), 34 (its rest, read
    // again), 64 and the 192 taken; none other: not the 10 below, taken from the newest part once the disk is empty.
    expect(revived).toBe(44 + 34 + 64 + 192);
    push(370, 380);
    while (frontier.take()) taken.push(frontier.index);
    expect([taken.length, revived]).toEqual([266, 334]);
  });

  it("refuses to spill a stack, and starting to spill twice is starting once", () => {
    expect(() => new Frontier<Toy>("lifo", spillPolicy(1000))).toThrow("only a FIFO frontier can spill to disk");
    const spill = spillPolicy(Number.MAX_SAFE_INTEGER);
    const frontier = new Frontier<Toy>("fifo", spill);
    for (let k = 0; k < 200; k++) frontier.push({ xs: [k] }, k, 0, 0, 0);
    frontier.startSpilling();
    // The budget allows the largest batch (16,384): nothing beyond the first batch, so nothing is written yet.
    expect([frontier.spilling, frontier.spillStats!.spilledStates]).toEqual([true, 0]);
    frontier.startSpilling();
    expect(frontier.length).toBe(200);
  });
});

it("makes room for a state's words by moving the waiting ones to a new array when moving them in place is not enough", () => {
  // The first state (2 words) sizes the array: 2 x 2 + 1,024 words. Taken, it frees only its 2 words at the front,
  // so the 147th state of 7 words finds 1,024 + 7 > 1,028 words needed and 1,022 + 7 still more than fit in place.
  const frontier = new Frontier<Toy>("fifo", undefined, new ToyCodec());
  frontier.push({ xs: [1] }, 0, 0, 0, 0);
  expect(frontier.take()).toBe(true);
  const xs = (k: number) => [k % 7, 1, 2, 3, 4, k % 5];
  for (let k = 1; k <= 150; k++) frontier.push({ xs: xs(k) }, k, 0, 0, 0);
  for (let k = 1; k <= 150; k++) {
    expect(frontier.take()).toBe(true);
    expect(frontier.state.xs).toEqual(xs(k));
  }
});

describe("Frontier starts spilling when the sampled size of its waiting states passes the budget", () => {
  /** A state of 80 bytes by estimateHeapBytes (an object of one field, an array of 2 small integers), 104 waiting. */
  const small = (k: number): Toy => ({ xs: [k, k] });

  it("samples the newest 16 states at the 256th push (and every 4,096th): 80 bytes each, not the older big ones", () => {
    const spill = spillPolicy(Number.MAX_SAFE_INTEGER);
    const frontier = new Frontier<Toy>("fifo", spill);
    // Big states first: only the last 16 of the first 256 pushes are sampled.
    for (let k = 0; k < 240; k++) frontier.push({ xs: Array.from({ length: 50 }, () => k) }, k, 0, 0, 0);
    for (let k = 240; k < 256; k++) frontier.push(small(k), k, 0, 0, 0);
    expect([spill.tally.samples, spill.tally.memoryBytesPerState]).toEqual([1, 104]);
    for (let k = 256; k < 4096; k++) frontier.push(small(k), k, 0, 0, 0);
    expect([spill.tally.samples, spill.tally.memoryBytesPerState]).toEqual([2, 104]);
  });

  it("states as words count 4 bytes a word and 4 for their start: 2 numbers take 16 bytes, 40 waiting", () => {
    const spill = spillPolicy(Number.MAX_SAFE_INTEGER);
    const frontier = new Frontier<Toy>("fifo", spill, new ToyCodec());
    for (let k = 0; k < 256; k++) frontier.push({ xs: [k % 7, 0] }, k, 0, 0, 0);
    expect(spill.tally.memoryBytesPerState).toBe(40);
  });

  it("spills once the waiting states' size is over the budget, not at it: 512 x 104 bytes waiting is still in memory", () => {
    const budget = 512 * 104;
    const spill = spillPolicy(budget);
    const frontier = new Frontier<Toy>("fifo", spill);
    for (let k = 0; k < 767; k++) frontier.push(small(k), k, 0, 0, 0);
    expect(frontier.spilling).toBe(false);
    frontier.push(small(767), 767, 0, 0, 0);
    expect(frontier.spilling).toBe(true);
    // Batches of budget / 4 / 104 = 128 entries: all but the newest batch go to disk at once.
    expect(spill.tally.stats().spilledStates).toBe(768 - 128);
    expect(readdirSync(spill.area.directory).sort()).toEqual([
      "segment-0.bin",
      "segment-1.bin",
      "segment-2.bin",
      "segment-3.bin",
      "segment-4.bin",
    ]);
  });

  it("counts only the states still waiting, and names its segments with the policy's prefix", () => {
    const spill = { ...spillPolicy(512 * 104), prefix: "worker1" };
    const frontier = new Frontier<Toy>("fifo", spill);
    for (let k = 0; k < 256; k++) frontier.push(small(k), k, 0, 0, 0);
    for (let k = 0; k < 56; k++) frontier.take();
    // 456 waiting at the 512th push: under the budget though 512 were pushed.
    for (let k = 256; k < 512; k++) frontier.push(small(k), k, 0, 0, 0);
    expect(frontier.spilling).toBe(false);
    for (let k = 512; k < 768; k++) frontier.push(small(k), k, 0, 0, 0);
    expect([frontier.spilling, frontier.length]).toEqual([true, 712]);
    expect(readdirSync(spill.area.directory).every((f) => f.startsWith("worker1-"))).toBe(true);
  });
});
