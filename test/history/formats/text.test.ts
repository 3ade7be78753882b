import { describe, expect, it } from "vitest";
import { HistoryParseError } from "../../../src/history/errors.js";
import { toLines } from "../../../src/history/formats/text.js";

/** Where and why `input` is refused. */
function refusal(input: string | Uint8Array): [number, string] {
  try {
    toLines(input, "h.txt");
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    return [(error as HistoryParseError).line, (error as HistoryParseError).reason];
  }
  throw new Error("accepted");
}

const bytes = (...parts: (string | number)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "number" ? [p] : [...Buffer.from(p)])));

describe("toLines", () => {
  it("splits text into lines, one final newline optional, carriage returns before newlines dropped", () => {
    expect(toLines("a\nb\n", "h.txt")).toEqual(["a", "b"]);
    expect(toLines("a\nb", "h.txt")).toEqual(["a", "b"]);
    expect(toLines("", "h.txt")).toEqual([]);
    expect(toLines("\n", "h.txt")).toEqual([""]);
    expect(toLines("a\n\n", "h.txt")).toEqual(["a", ""]);
    expect(toLines("a\r\nb\r\n", "h.txt")).toEqual(["a", "b"]);
    expect(toLines("a\tb\n", "h.txt")).toEqual(["a\tb"]);
    expect(toLines(bytes("x\r\ny\n"), "h.txt")).toEqual(["x", "y"]);
    expect(toLines(bytes("é\n"), "h.txt")).toEqual(["é"]);
  });

  it("refuses control characters and bytes that are not UTF-8, naming the line", () => {
    expect(refusal("ok\nx\u0001y\n")).toEqual([
      2,
      "unexpected control character U+0001 at column 2: this is not a text history",
    ]);
    expect(refusal("a\rb\n")).toEqual([
      1,
      "unexpected control character U+000D at column 2: this is not a text history",
    ]);
    expect(refusal("ok\n\u007f")).toEqual([
      2,
      "unexpected control character U+007F at column 1: this is not a text history",
    ]);
    expect(refusal("ok\nab\ufffd\n")).toEqual([
      2,
      "unexpected control character U+FFFD at column 3: this is not a text history",
    ]);
    expect(refusal("\u001f")).toEqual([
      1,
      "unexpected control character U+001F at column 1: this is not a text history",
    ]);
    const utf8 = "invalid UTF-8 bytes: this is not a text history";
    expect(refusal(bytes("a\nb\n", 0xff, "\n"))).toEqual([3, utf8]);
    expect(refusal(bytes("a\nbc\n", 0xc3))).toEqual([3, utf8]);
    expect(refusal(bytes(0xfe, "\nok\n"))).toEqual([1, utf8]);
  });
});
