/**
 * The distributed search's wire protocol: the subjects of a run, which
 * partition owns a fingerprint, the ids of states across the cluster, and
 * the encoding of messages.
 */
import { describe, expect, it } from "vitest";
import { decode, encode, globalId, ownerOf, subjects, type Batch } from "../../../checker/distributed/protocol.js";

describe("subjects", () => {
  it("are under interleave.<run>, with one data and one ask subject per partition", () => {
    const s = subjects("run-7");
    expect([s.join, s.ctl, s.report, s.beat, s.data(0), s.data(2), s.ask(0), s.ask(2)]).toEqual([
      "interleave.run-7.join",
      "interleave.run-7.ctl",
      "interleave.run-7.report",
      "interleave.run-7.beat",
      "interleave.run-7.data.0",
      "interleave.run-7.data.2",
      "interleave.run-7.ask.0",
      "interleave.run-7.ask.2",
    ]);
  });
});

describe("ownerOf", () => {
  it("mixes both words through a multiply, so owners do not follow the low bits", () => {
    // [hi, lo] -> owners among 1, 3, 4 and 5 partitions.
    const owners = (hi: number, lo: number) => [1, 3, 4, 5].map((n) => ownerOf(hi, lo, n));
    expect(owners(1, 2)).toEqual([0, 2, 1, 0]);
    expect(owners(3, 5)).toEqual([0, 0, 2, 4]);
    expect(owners(7, 9)).toEqual([0, 0, 2, 1]);
    expect(owners(0x12345678, 0x9abcdef0)).toEqual([0, 2, 0, 2]);
    // Equal words cancel: such a fingerprint belongs to partition 0.
    expect(owners(5, 5)).toEqual([0, 0, 0, 0]);
  });

  it("is a partition index for every fingerprint", () => {
    const outside: [number, number, number][] = [];
    for (let n = 1; n <= 8; n++)
      for (let k = 0; k < 200; k++) {
        const owner = ownerOf(k * 0x9e3779b1, ~k, n);
        if (!(Number.isInteger(owner) && owner >= 0 && owner < n)) outside.push([k, n, owner]);
      }
    expect(outside).toEqual([]);
  });
});

describe("globalId", () => {
  it("interleaves the partitions' local indices: each id names one state of one partition", () => {
    expect([globalId(0, 1, 3), globalId(2, 1, 3), globalId(2, 0, 3), globalId(5, 0, 1)]).toEqual([1, 7, 6, 5]);
    const ids = [0, 1, 2].flatMap((partition) => [0, 1, 2, 3].map((local) => globalId(local, partition, 3)));
    expect(ids.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe("encode and decode", () => {
  it("carry a batch of states with its typed arrays", () => {
    const batch: Batch = {
      type: "batch",
      level: 3,
      from: 1,
      states: [
        { votes: [1, 2], leader: null },
        { votes: [], leader: "n1" },
      ],
      parents: Float64Array.of(-1, 2 ** 40 + 7),
      ordinals: Int32Array.of(0, 70_000),
      his: Uint32Array.of(1, 0xffffffff),
      los: Uint32Array.of(22, 5),
    };
    const bytes = encode(batch);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const back = decode<Batch>(bytes);
    expect(back).toEqual(batch);
    expect(back.parents).toBeInstanceOf(Float64Array);
    expect(back.his).toBeInstanceOf(Uint32Array);
  });
});
