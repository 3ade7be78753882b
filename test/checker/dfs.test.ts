/**
 * Depth-first search keeps its stack as words when the model has a codec: a
 * state taken from the stack gives its words back, so the entry below it is
 * decoded from its own words only (a codec may read the range it is given).
 */
import { describe, expect, it } from "vitest";
import { bfs } from "../../checker/bfs.js";
import { dfs } from "../../checker/dfs.js";
import type { SearchOutcome } from "../../checker/strategy.js";
import { choose, defineSpec, deriveModel, type Model, type StateCodec } from "../../src/index.js";

/** Sequences of 1s and 2s up to three long, queued as one word per element (decoded from the words' range). */
function sequences(): Model<number[]> {
  const spec = defineSpec({
    name: "sequences",
    description: "appends 1 or 2, up to three elements",
    init: () => [[] as number[]],
    actions: {
      Append: choose(
        () => [1, 2],
        (s: number[], v: number) => (s.length < 3 ? [...s, v] : undefined),
      ),
    },
    properties: {},
  });
  const codec: StateCodec<number[]> = {
    size: (s) => s.length,
    encode: (s, out, at) => {
      out.set(s, at);
      return true;
    },
    decode: (words, from, to) => Array.from(words.subarray(from, to)),
  };
  return deriveModel(spec.instantiate(), { codec });
}

describe("dfs", () => {
  it("with a codec, finds every state, as bfs does, synchronously and not", async () => {
    const counts = (r: SearchOutcome<number[]>) => [r.result, r.distinctStates, r.generatedStates, r.maxDepth];
    expect(counts(bfs.search(sequences()))).toEqual(["ok", 15, 15, 3]);
    expect(counts(dfs.search(sequences()))).toEqual(["ok", 15, 15, 3]);
    expect(counts(await dfs.searchAsync!(sequences()))).toEqual(["ok", 15, 15, 3]);
  });
});
