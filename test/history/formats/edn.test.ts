/**
 * The EDN reader, value by value and error by error: the history parsers'
 * tests reach it only through Jepsen lines, and mutation testing found 118 of
 * its 265 mutants unchecked (57 reached by no test).
 */
import { describe, expect, it } from "vitest";
import { EdnReader, EdnSyntaxError } from "../../../src/history/formats/edn.js";
import { MAX_VALUE_DEPTH } from "../../../src/history/json.js";

describe("EdnReader.readWhole", () => {
  it.each([
    ["nil", null],
    ["true", true],
    ["false", false],
    ["42", 42],
    ["-7", -7],
    ["+3", 3],
    ["12N", 12],
    ["1.5", 1.5],
    ["-.5", -0.5],
    ["2.", 2],
    ["12.", 12],
    [".25", 0.25],
    ["12e3", 12000],
    ["1e10", 1e10],
    ["12M", 12],
    ["2.x", "2.x"],
    ["x.5", "x.5"],
    ["1.5N", "1.5N"],
    ["1e3", 1000],
    ["2.5E-1", 0.25],
    ["3.25M", 3.25],
    ["7M", 7],
    [":ok", "ok"],
    [":read-write", "read-write"],
    ["foo/bar", "foo/bar"],
    ["1x", "1x"],
    ["x12", "x12"],
    ["a1.5", "a1.5"],
    ["#tag", "#tag"],
    ['"a b"', "a b"],
    ['"tab\\there"', "tab\there"],
    ['"l1\\nl2\\rx"', "l1\nl2\rx"],
    ['"q\\"b\\\\"', 'q"b\\'],
    ["[]", []],
    ["[1 2,3]", [1, 2, 3]],
    ["(:a nil)", ["a", null]],
    ["#{1}", [1]],
    ["{}", {}],
    ['{:x 1, "y" [2], 3 {:z true}}', { x: 1, y: [2], 3: { z: true } }],
    ["  ,[1]\t\n", [1]],
    ["[[[]]]", [[[]]]],
  ])("%s", (text, value) => {
    expect(EdnReader.readWhole(text)).toEqual(value);
  });

  it.each([
    ["", "the line ends where a value was expected"],
    ["   ", "the line ends where a value was expected"],
    ["}", "unexpected '}'"],
    ["]", "unexpected ']'"],
    [")", "unexpected ')'"],
    ["1 2", 'unexpected "2" after the value'],
    ["x{}", 'unexpected "{}" after the value'],
    ["[1] extra words here!", 'unexpected "extra words " after the value'],
    ["[1 2", "the line ends inside a collection: missing ']'"],
    ["(1", "the line ends inside a collection: missing ')'"],
    ["#{1", "the line ends inside a collection: missing '}'"],
    ["{:a 1", "the line ends inside a map: missing '}'"],
    ["{[1] 2}", "a map key must be a keyword, string or number"],
    ["{nil 2}", "a map key must be a keyword, string or number"],
    ["{:a}", "the key :a has no value"],
    ["{:a ", "the key :a has no value"],
    ['"abc', "the line ends inside a string: missing '\"'"],
    ['"a\\', "unsupported escape '\\' in a string"],
    ['"a\\x"', "unsupported escape '\\x' in a string"],
    [":", "expected a value"],
    ['[:"x"]', "expected a value"],
  ])("%j fails: %s", (text, message) => {
    let error: unknown;
    try {
      EdnReader.readWhole(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EdnSyntaxError);
    expect((error as EdnSyntaxError).name).toBe("EdnSyntaxError");
    expect((error as Error).message).toBe(message);
  });

  it(`nests at most ${MAX_VALUE_DEPTH} levels, and counts the levels closed again`, () => {
    const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
    expect(() => EdnReader.readWhole(deep(MAX_VALUE_DEPTH, "[", "]"))).not.toThrow();
    expect(() => EdnReader.readWhole(deep(MAX_VALUE_DEPTH + 1, "[", "]"))).toThrow(
      `the value nests more than ${MAX_VALUE_DEPTH} levels deep`,
    );
    expect(() => EdnReader.readWhole(deep(MAX_VALUE_DEPTH + 1, "(", ")"))).toThrow("levels deep");
    // Siblings do not add up: 64 levels, then 64 more beside them.
    const sibling = deep(MAX_VALUE_DEPTH - 1, "[", "]");
    expect(() => EdnReader.readWhole(`[${sibling} ${sibling}]`)).not.toThrow();
    expect(() => EdnReader.readWhole(`{:a ${sibling} :b ${sibling}}`)).not.toThrow();
    expect(() => EdnReader.readWhole(`#{${sibling} ${sibling}}`)).not.toThrow();
  });

  it("read() leaves the position after the value, for a caller that reads on", () => {
    const reader = new EdnReader(":invoke :read nil");
    expect([reader.read(), reader.read(), reader.read()]).toEqual(["invoke", "read", null]);
  });
});
