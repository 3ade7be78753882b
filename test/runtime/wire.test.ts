import { PassThrough } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFrames } from "../../src/runtime/transport.js";
import {
  decodeFrame,
  emptyCounters,
  encodeFrame,
  MAX_TCP_FRAME_BYTES,
  MAX_UDP_FRAME_BYTES,
  WIRE_VERSION,
} from "../../src/runtime/wire.js";

const valid = { v: 1, from: "n2", to: "n1", msg: { type: "RequestVote", term: 3, lastLogIndex: 0, lastLogTerm: 0 } };
const frameOf = (o: unknown): string => JSON.stringify(o);
const withoutKey = (o: Record<string, unknown>, key: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

describe("decodeFrame", () => {
  it("decodes a valid frame from a string and from bytes", () => {
    const expected = { ok: true, envelope: { from: "n2", to: "n1", msg: valid.msg } };
    expect(decodeFrame(frameOf(valid), MAX_UDP_FRAME_BYTES)).toEqual(expected);
    expect(decodeFrame(Buffer.from(frameOf(valid)), MAX_UDP_FRAME_BYTES)).toEqual(expected);
  });

  it("decodes bytes that are a view into a larger buffer (only the view is read)", () => {
    const text = frameOf(valid);
    const big = Buffer.from(`xxxx${text}yyyy`);
    const view = new Uint8Array(big.buffer, big.byteOffset + 4, Buffer.byteLength(text));
    expect(decodeFrame(view, MAX_UDP_FRAME_BYTES)).toEqual({
      ok: true,
      envelope: { from: "n2", to: "n1", msg: valid.msg },
    });
  });

  it("drops a frame over the limit as oversized, counting bytes, not characters", () => {
    const text = frameOf(valid);
    const size = Buffer.byteLength(text);
    expect(decodeFrame(text, size).ok).toBe(true);
    expect(decodeFrame(text, size - 1)).toEqual({ ok: false, reason: "oversized" });
    // "é" is 2 bytes and "€" 3 in UTF-8: 10 characters, 24 bytes.
    const wide = frameOf({ ...valid, msg: { ...valid.msg, k: "éééééé€€€€" } });
    const wideBytes = Buffer.byteLength(wide);
    expect(wideBytes).toBe(wide.length + 6 + 8);
    expect(decodeFrame(wide, wide.length)).toEqual({ ok: false, reason: "oversized" });
    expect(decodeFrame(wide, wideBytes - 1)).toEqual({ ok: false, reason: "oversized" });
    expect(decodeFrame(wide, wideBytes).ok).toBe(true);
    expect(decodeFrame(Buffer.from(wide), wideBytes - 1)).toEqual({ ok: false, reason: "oversized" });
  });

  it("drops text that is not JSON, and garbage bytes, as malformed", () => {
    for (const text of ["", "not json", "{", '{"v":1,', "{'v':1}", "\u0000", '{"v":1}}']) {
      expect(decodeFrame(text, MAX_UDP_FRAME_BYTES), text).toEqual({ ok: false, reason: "malformed" });
    }
    expect(decodeFrame(Uint8Array.from([0xff, 0xfe, 0x00, 0x7b, 0x80]), MAX_UDP_FRAME_BYTES)).toEqual({
      ok: false,
      reason: "malformed",
    });
  });

  it("drops JSON that is not an object (arrays, null, numbers, strings, booleans) as malformed", () => {
    for (const text of ["[]", `[${frameOf(valid)}]`, "null", "1", "-0.5", '"frame"', "true"]) {
      expect(decodeFrame(text, MAX_UDP_FRAME_BYTES), text).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("drops a frame of another or no version as version", () => {
    for (const v of [0, 2, "1", 1.5, null, [1]]) {
      expect(decodeFrame(frameOf({ ...valid, v }), MAX_UDP_FRAME_BYTES), String(v)).toEqual({
        ok: false,
        reason: "version",
      });
    }
    expect(decodeFrame(frameOf(withoutKey(valid, "v")), MAX_UDP_FRAME_BYTES)).toEqual({ ok: false, reason: "version" });
    expect(decodeFrame("{}", MAX_UDP_FRAME_BYTES)).toEqual({ ok: false, reason: "version" });
  });

  it("drops a frame whose from, to, msg or msg.type is missing or of the wrong type as malformed", () => {
    const cases: unknown[] = [
      withoutKey(valid, "from"),
      withoutKey(valid, "to"),
      withoutKey(valid, "msg"),
      { ...valid, msg: withoutKey(valid.msg, "type") },
      { ...valid, from: 2 },
      { ...valid, to: null },
      { ...valid, msg: "RequestVote" },
      { ...valid, msg: null },
      { ...valid, msg: [valid.msg] },
      { ...valid, msg: { ...valid.msg, type: 7 } },
      { ...valid, msg: { ...valid.msg, type: null } },
    ];
    for (const c of cases)
      expect(decodeFrame(frameOf(c), MAX_UDP_FRAME_BYTES), frameOf(c)).toEqual({ ok: false, reason: "malformed" });
  });

  it("leaves extra fields and what msg holds to the receiver", () => {
    const extra = { ...valid, extra: [1, 2], msg: { type: "Whatever", nested: { deep: [null] } } };
    expect(decodeFrame(frameOf(extra), MAX_UDP_FRAME_BYTES)).toEqual({
      ok: true,
      envelope: { from: "n2", to: "n1", msg: extra.msg },
    });
  });

  it("round-trips encodeFrame through decodeFrame for any envelope", () => {
    const envelope = fc.record({
      from: fc.string(),
      to: fc.string(),
      msg: fc.tuple(fc.string(), fc.dictionary(fc.string(), fc.jsonValue())).map(([type, rest]) => ({ ...rest, type })),
    });
    fc.assert(
      fc.property(envelope, (e) => {
        const text = encodeFrame(e);
        expect(text.includes("\n")).toBe(false);
        expect(JSON.parse(text)).toMatchObject({ v: WIRE_VERSION });
        // JSON.parse of the frame is what the peer sees: compare against it (e.g. -0 travels as 0).
        const sent = JSON.parse(JSON.stringify({ from: e.from, to: e.to, msg: e.msg })) as unknown;
        expect(decodeFrame(text, MAX_TCP_FRAME_BYTES)).toEqual({ ok: true, envelope: sent });
      }),
      { numRuns: 300 },
    );
  });

  it("starts every counter at zero", () => {
    expect(emptyCounters()).toEqual({
      delivered: 0,
      oversized: 0,
      malformed: 0,
      version: 0,
      misaddressed: 0,
      unknownPeer: 0,
      unknownType: 0,
      invalid: 0,
      rejected: 0,
    });
  });
});

/** Feeds `chunks` to readFrames over a PassThrough and collects what it reports, in order. */
async function split(chunks: readonly (string | Buffer)[], maxBytes: number): Promise<string[]> {
  const stream = new PassThrough();
  const out: string[] = [];
  readFrames(
    stream,
    { onFrame: (f) => out.push(`frame:${f.toString("utf8")}`), onOversized: () => out.push("oversized") },
    maxBytes,
  );
  const ended = new Promise<void>((resolve) => stream.on("end", resolve));
  for (const c of chunks) stream.write(c);
  stream.end();
  stream.resume();
  await ended;
  return out;
}

/** Cuts `bytes` at `cuts` (sorted or not, duplicates allowed) into chunks, some of them empty. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.byteLength + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(bytes.subarray(from, c));
    from = c;
  }
  chunks.push(bytes.subarray(from));
  return chunks.filter((c) => c.byteLength > 0);
}

describe("readFrames", () => {
  it("yields exactly the lines, in order, for any chunking of any sequence of lines", async () => {
    // Lines without newlines, non-empty, with multi-byte characters; any cut points (even inside a character).
    const line = fc.string({
      unit: fc.constantFrom("a", "{", "}", '"', "é", "€", "😀", " ", "\r"),
      minLength: 1,
      maxLength: 30,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (lines, cuts) => {
          const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""));
          const out = await split(cut(bytes, cuts), 1000);
          expect(out).toEqual(lines.map((l) => `frame:${l}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reports an oversized line between two good ones once, and still delivers both good ones, for any chunking", async () => {
    const max = 16;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: max + 1, max: 80 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (bigLength, cuts) => {
          const bytes = Buffer.from(`first\n${"x".repeat(bigLength)}\nsecond\n`);
          const out = await split(cut(bytes, cuts), max);
          expect(out).toEqual(["frame:first", "oversized", "frame:second"]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("accepts a line of exactly the limit and rejects one byte more", async () => {
    expect(await split([`${"a".repeat(8)}\n${"b".repeat(9)}\n`], 8)).toEqual([`frame:${"a".repeat(8)}`, "oversized"]);
    expect(await split(["a".repeat(4), "a".repeat(4), "\n", "b".repeat(5), "b".repeat(4), "\nc\n"], 8)).toEqual([
      `frame:${"a".repeat(8)}`,
      "oversized",
      "frame:c",
    ]);
  });

  it("skips empty lines", async () => {
    expect(await split(["\n\nfirst\n\n", "\n", "second\n\n"], 100)).toEqual(["frame:first", "frame:second"]);
  });

  it("delivers nothing for a last line without its newline", async () => {
    expect(await split(["first\nsecond"], 100)).toEqual(["frame:first"]);
  });

  it("splits real frames that decode back to what was encoded", async () => {
    const frames = [1, 2, 3].map((term) =>
      encodeFrame({ from: "n2", to: "n1", msg: { type: "RequestVote", term, lastLogIndex: 0, lastLogTerm: 0 } }),
    );
    const stream = new PassThrough();
    const terms: unknown[] = [];
    const termOf = (f: Buffer): unknown => {
      const d = decodeFrame(f, MAX_TCP_FRAME_BYTES);
      return d.ok ? d.envelope.msg["term"] : d.reason;
    };
    readFrames(stream, { onFrame: (f) => terms.push(termOf(f)), onOversized: () => terms.push("oversized") });
    const all = Buffer.from(frames.map((f) => `${f}\n`).join(""));
    const ended = new Promise<void>((resolve) => stream.on("end", resolve));
    for (let i = 0; i < all.byteLength; i += 7) stream.write(all.subarray(i, i + 7));
    stream.end();
    stream.resume();
    await ended;
    expect(terms).toEqual([1, 2, 3]);
  });
});
