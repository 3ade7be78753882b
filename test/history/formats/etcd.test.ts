import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { HistoryParseError } from "../../../src/history/errors.js";
import { EdnReader } from "../../../src/history/formats/edn.js";
import { commonEvent, lineEvent, parseEtcdLog, quickValue } from "../../../src/history/formats/etcd.js";

const parse = (...lines: string[]) => parseEtcdLog(lines, "h.log");

/** The reason parsing `line` (as line 1) fails with. */
function reason(line: string): string {
  try {
    parse(line);
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    expect((error as HistoryParseError).line).toBe(1);
    return (error as HistoryParseError).reason;
  }
  throw new Error(`parsed: ${line}`);
}

describe("parseEtcdLog", () => {
  it("reads the usual lines and the general ones alike, with their line numbers", () => {
    const parsed = parse(
      "INFO  jepsen.util - 12 :invoke :read nil",
      "",
      "  WARN\tjepsen.util  -  3  :ok  :cas  [1  -2]  ",
      "INFO jepsen.core - starting the test",
      "WARNING clock skew",
      "DEBUG  jepsen.db is chatty",
      "INFO  jepsen.util - 4 :fail :write -16",
      "WARN jepsen.util - 5 :info :read :timed-out",
      "WARN jepsen.util - 6 :ok :read :a.b-c_1",
      "WARN jepsen.util - 7 :ok :read 1234567890123456",
      "WARN jepsen.util - 8 :ok :read nil",
      "WARN jepsen.util - 9 :ok :read 42",
      'WARN jepsen.util - 10 :ok :read {:x "y"}',
      "WARN jepsen.util - 11 :ok :txn [[:r 1 nil] [:w 2 3]]",
      "INFO  jepsen.util - 13 :ok :read :x.y",
    );
    expect(parsed.events).toEqual([
      { type: "invoke", process: 12, f: "read", value: null },
      { type: "ok", process: 3, f: "cas", value: [1, -2] },
      { type: "fail", process: 4, f: "write", value: -16 },
      { type: "info", process: 5, f: "read", value: "timed-out" },
      { type: "ok", process: 6, f: "read", value: "a.b-c_1" },
      { type: "ok", process: 7, f: "read", value: 1234567890123456 },
      { type: "ok", process: 8, f: "read", value: null },
      { type: "ok", process: 9, f: "read", value: 42 },
      { type: "ok", process: 10, f: "read", value: { x: "y" } },
      {
        type: "ok",
        process: 11,
        f: "txn",
        value: [
          ["r", 1, null],
          ["w", 2, 3],
        ],
      },
      { type: "ok", process: 13, f: "read", value: "x.y" },
    ]);
    expect(parsed.lines).toEqual([1, 3, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it("reads the values and names the common forms leave to the general reader", () => {
    expect(
      parse(
        "INFO  jepsen.util - 1 :ok :read [1 2 3]",
        "INFO  jepsen.util - 1 :ok :read 1e5",
        "INFO  jepsen.util - 1 :ok :read :A",
        "INFO  jepsen.util - 1 :ok :Read 5",
      ).events,
    ).toEqual([
      { type: "ok", process: 1, f: "read", value: [1, 2, 3] },
      { type: "ok", process: 1, f: "read", value: 100000 },
      { type: "ok", process: 1, f: "read", value: "A" },
      { type: "ok", process: 1, f: "Read", value: 5 },
    ]);
  });

  it("names what is wrong with an event line", () => {
    const cases: [string, string][] = [
      ["hello", 'not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")'],
      [
        "x INFO jepsen.util - 1 :ok :read nil",
        'not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")',
      ],
      [
        "info jepsen.util - 1 :ok :read nil",
        'not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")',
      ],
      ["xWARN clock skew", 'not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")'],
      [
        "DEBUG jepsen.util is chatty",
        'not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")',
      ],
      ["WARN jepsen.util - 3", "truncated event: expected '<process> :<type> :<f> <value>'"],
      ["WARN jepsen.util - x3 :ok :read nil", 'the process must be a number, not "x3"'],
      ["WARN jepsen.util - 3x :ok :read nil", 'the process must be a number, not "3x"'],
      ["WARN jepsen.util - 3 :boom :read nil", 'unknown event type ":boom"; expected :invoke, :ok, :fail or :info'],
      ["WARN jepsen.util - 3 ok :read nil", 'unknown event type "ok"; expected :invoke, :ok, :fail or :info'],
      ["WARN jepsen.util - 3 :o:k :read nil", 'unknown event type ":o:k"; expected :invoke, :ok, :fail or :info'],
      ["WARN jepsen.util - 3 :invoke", "truncated event: ':invoke' is not followed by an operation like ':read'"],
      ["WARN jepsen.util - 3 :invoke read nil", 'the operation must be a keyword like :read, not "read"'],
      ["WARN jepsen.util - 3 :invoke x:read nil", 'the operation must be a keyword like :read, not "x:read"'],
      ["WARN jepsen.util - 3 :invoke :a:b nil", 'the operation must be a keyword like :read, not ":a:b"'],
      ["WARN jepsen.util - 3 :invoke :read", "truncated event: ':read' has no value (use nil for none)"],
      ["INFO  jepsen.util - 3 :invoke :read", "truncated event: ':read' has no value (use nil for none)"],
    ];
    // Nothing may follow the value, whichever form it has (the common forms are read without the general reader).
    for (const value of ["nil", "5", "[1 2]", ":a"])
      cases.push([
        `INFO  jepsen.util - 1 :ok :read ${value} x`,
        `bad value "${value} x": unexpected "x" after the value`,
      ]);
    cases.push(["INFO  jepsen.util - -1 :ok :read 5", 'the process must be a number, not "-1"']);
    expect(cases.map(([line]) => reason(line))).toEqual(cases.map(([, message]) => message));
    expect(reason("WARN jepsen.util - 3 :invoke :read [1")).toMatch(/^bad value "\[1": /);
  });
});

/** What the general path makes of a line: its event, undefined (skipped), or "error". */
function general(line: string): unknown {
  try {
    return lineEvent(line, { file: "h.log", line: 1 });
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    return "error";
  }
}

/** What the general reader makes of a value: the value, or "error". */
function read(text: string): unknown {
  try {
    return EdnReader.readWhole(text);
  } catch {
    return "error";
  }
}

const blank = fc.constantFrom(" ", "  ", "\t", " \t ");
const integer = fc.stringMatching(/^-?\d{1,15}$/);
/** The values of the usual lines: nil, integers of up to 15 digits, pairs of them, lower-case keywords. */
const usualValue = fc.oneof(
  fc.constant("nil"),
  integer,
  fc.tuple(integer, blank, integer).map(([a, s, b]) => `[${a}${s}${b}]`),
  fc.stringMatching(/^:[a-z][\w.-]{0,6}$/),
);
/** A line as Jepsen writes it for a register: `INFO  jepsen.util - 3 :invoke :cas [1 4]`, blanks of any width. */
const usualLine = fc
  .tuple(
    fc.constantFrom("", " ", "\t"),
    fc.array(blank, { minLength: 6, maxLength: 6 }),
    fc.stringMatching(/^\d{1,6}$/),
    fc.constantFrom("invoke", "ok", "fail", "info"),
    fc.stringMatching(/^[a-z][\w-]{0,6}$/),
    usualValue,
    fc.constantFrom("", " ", "\t "),
  )
  .map(([lead, b, p, type, f, value, trail]) =>
    [lead, "INFO", b[0], "jepsen.util", b[1], "-", b[2], p, b[3], `:${type}`, b[4], `:${f}`, b[5], value, trail].join(
      "",
    ),
  );
/** Lines near the usual ones: every piece also in forms the general path reads differently or refuses. */
const oddLine = fc
  .tuple(
    fc.constantFrom("", " ", "x", "x "),
    fc.constantFrom("INFO", "WARN", "info", "IN"),
    fc.array(fc.constantFrom("", " ", "  ", "\t", "x"), { minLength: 6, maxLength: 6 }),
    fc.constantFrom("jepsen.util", "jepsen-util", "jepsen.core"),
    fc.constantFrom("-", "--", "x"),
    fc.constantFrom("12", "-1", "x3", "3x", "1 2"),
    fc.constantFrom(":ok", "ok", ":boom", ":o:k", ":OK", ":info"),
    fc.constantFrom(":read", "read", ":Read", ":1a", ":a.b", ":a-b", ":"),
    fc.oneof(
      usualValue,
      fc.constantFrom("[1 2 3]", "[1x 2]", "[1x2]", "[1", ":A", "1e5", "{:x 1}", "", "x", ":a:b", "[1 2]x", "nilx"),
    ),
    fc.constantFrom("", " ", " x", "x"),
  )
  .map(([lead, level, b, util, dash, p, type, f, value, trail]) =>
    [lead, level, b[0], util, b[1], dash, b[2], p, b[3], type, b[4], f, b[5], value, trail].join(""),
  );

describe("the usual lines' shortcut", () => {
  test.prop([usualLine], { numRuns: 500, seed: 21 })("reads every usual line, as the general path does", (line) => {
    const event = commonEvent(line);
    expect(event).toBeDefined();
    expect(general(line)).toEqual(event);
  });

  test.prop([fc.oneof(usualLine, oddLine)], { numRuns: 3000, seed: 22 })(
    "reads a line only as the general path does",
    (line) => {
      const event = commonEvent(line);
      if (event !== undefined) expect(general(line)).toEqual(event);
    },
  );

  test.prop([usualValue], { numRuns: 500, seed: 23 })(
    "reads every common value, as the general reader does",
    (text) => {
      const value = quickValue(text);
      expect(value).toBeDefined();
      expect(read(text)).toEqual(value);
    },
  );

  test.prop(
    [
      fc.oneof(
        usualValue,
        fc.stringMatching(/^[-:[\]\d\s\w.]{0,8}$/),
        fc.constantFrom(
          "[1 2 3]",
          "[1x2]",
          "[-1 -2]",
          "x[1 2]",
          "[1 2]]",
          "-",
          ":",
          ":a:b",
          "1234567890123456",
          "[1 1234567890123456]",
        ),
      ),
    ],
    { numRuns: 3000, seed: 24 },
  )("reads a value only as the general reader does", (text) => {
    const value = quickValue(text);
    if (value !== undefined) expect(read(text)).toEqual(value);
  });
});
