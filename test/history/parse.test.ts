/**
 * Parsers: the three formats, detection, the JSON Lines round trip, and
 * malformed input rejected with the exact file and line.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  HistoryInputError,
  HistoryParseError,
  parseHistory,
  readHistoryFile,
  toJsonLines,
  type HistoryEvent,
} from "../../src/history/index.js";

/** The error a parse throws, or a failure if it does not throw one. */
function parseError(text: string | Uint8Array, format?: string): HistoryParseError {
  try {
    parseHistory(text, { file: "h.txt", ...(format === undefined ? {} : { format }) });
  } catch (e) {
    if (e instanceof HistoryParseError) return e;
    throw e;
  }
  throw new Error("expected a HistoryParseError");
}

const etcd = [
  "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
  "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 4]",
  "INFO  jepsen.core - Worker 2 starting",
  "INFO  jepsen.util - 0\t:ok\t:read\t3",
  "INFO  jepsen.util - 1\t:fail\t:cas\t[1 4]",
  "INFO  jepsen.util - 2   :invoke :write  0",
  "INFO  jepsen.util - 2   :info   :write  :timed-out",
  "INFO  jepsen.util - 3\t:invoke\t:read\tnil",
  "INFO  jepsen.util - 3\t:fail\t:read\t:timed-out",
].join("\n");

describe("the etcd (Jepsen log) format", () => {
  it("reads every field, skips other log lines, and accepts tabs or spaces", () => {
    const h = parseHistory(etcd, { file: "e.log" });
    expect(h.format).toBe("etcd");
    expect(h.lines).toEqual([1, 2, 4, 5, 6, 7, 8, 9]);
    expect(h.events).toEqual([
      { type: "invoke", process: 0, f: "read", value: null },
      { type: "invoke", process: 1, f: "cas", value: [1, 4] },
      { type: "ok", process: 0, f: "read", value: 3 },
      { type: "fail", process: 1, f: "cas", value: [1, 4] },
      { type: "invoke", process: 2, f: "write", value: 0 },
      { type: "info", process: 2, f: "write", value: "timed-out" },
      { type: "invoke", process: 3, f: "read", value: null },
      { type: "fail", process: 3, f: "read", value: "timed-out" },
    ]);
  });

  it("rejects a truncated line with its number", () => {
    const e = parseError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok");
    expect(e.message).toBe("h.txt:2: truncated event: ':ok' is not followed by an operation like ':read'");
    expect([e.file, e.line]).toEqual(["h.txt", 2]);
  });

  it("rejects a value cut in the middle", () => {
    expect(parseError("INFO  jepsen.util - 1\t:invoke\t:cas\t[1 4").message).toBe(
      "h.txt:1: bad value \"[1 4\": the line ends inside a collection: missing ']'",
    );
  });

  it("rejects an unknown event type and a non-numeric process", () => {
    expect(parseError("INFO  jepsen.util - 0\t:done\t:read\tnil").message).toBe(
      'h.txt:1: unknown event type ":done"; expected :invoke, :ok, :fail or :info',
    );
    expect(parseError("INFO  jepsen.util - x\t:invoke\t:read\tnil").message).toBe(
      'h.txt:1: the process must be a number, not "x"',
    );
  });

  it("rejects a line that is not a log line at all", () => {
    const text = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n\nhello world\n";
    expect(parseError(text).message).toBe(
      'h.txt:3: not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")',
    );
  });

  it("rejects a return without an invoke, and a second invoke while one is pending", () => {
    expect(parseError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3").message).toBe(
      "h.txt:2: process 1 completes :read (:ok) without a pending invocation",
    );
    expect(
      parseError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n\nINFO  jepsen.util - 0\t:invoke\t:write\t1").message,
    ).toBe("h.txt:3: process 0 invokes :write while its :read from line 1 is still pending");
    expect(
      parseError("INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:write\t1").message,
    ).toBe("h.txt:2: process 0 completes :write but invoked :read at line 1");
  });
});

describe("the kv (Jepsen EDN lines) format", () => {
  const kv = [
    '{:process 3, :type :invoke, :f :get, :key "7", :value nil}',
    '{:process 3, :type :ok, :f :get, :key "7", :value "x 3 1 y"}',
    "{:process :nemesis, :type :info, :f :start, :value nil}",
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 \\"q\\" y", :time 12}',
  ].join("\n");

  it("reads maps, keeps keys and times, skips nemesis events", () => {
    const h = parseHistory(kv, { file: "k.txt" });
    expect(h.format).toBe("kv");
    expect(h.lines).toEqual([1, 2, 4]);
    expect(h.events).toEqual([
      { type: "invoke", process: 3, f: "get", key: "7", value: null },
      { type: "ok", process: 3, f: "get", key: "7", value: "x 3 1 y" },
      { type: "invoke", process: 0, f: "append", key: "0", value: 'x 0 "q" y', time: 12 },
    ]);
  });

  it("rejects a truncated map and a map without :type", () => {
    expect(parseError('{:process 3, :type :invoke, :f :get, :key "7"').message).toBe(
      "h.txt:1: not a Clojure map: the line ends inside a map: missing '}'",
    );
    expect(parseError("{:process 3, :type :invoke, :f :get}\n{:process 3, :f :get}").message).toBe(
      "h.txt:2: :type must be :invoke, :ok, :fail or :info, not null",
    );
    expect(parseError('{:process 3, :type :invoke, :f :get, :key "7", :value "x 3').message).toBe(
      "h.txt:1: not a Clojure map: the line ends inside a string: missing '\"'",
    );
  });
});

describe("the JSON Lines format", () => {
  const events: HistoryEvent[] = [
    { type: "invoke", process: 0, f: "write", value: 3 },
    { type: "invoke", process: "c1", f: "cas", value: [3, 4], key: "k", time: 5 },
    { type: "ok", process: 0, f: "write", value: 3 },
    { type: "fail", process: "c1", f: "cas", value: [3, 4], key: "k" },
  ];

  it("round-trips through toJsonLines", () => {
    const text = toJsonLines(events);
    expect(text.split("\n").length).toBe(5);
    const h = parseHistory(text);
    expect(h.format).toBe("jsonl");
    expect(h.events).toEqual(events);
  });

  it("rejects invalid JSON, wrong fields and unpaired events with the line", () => {
    expect(
      parseError('{"type":"invoke","process":0,"f":"read","value":null}\n{"type":"ok","process":0,').message,
    ).toMatch(/^h\.txt:2: invalid JSON: /);
    expect(parseError('{"type":"start","process":0,"f":"read"}').message).toBe(
      'h.txt:1: "type" must be "invoke", "ok", "fail" or "info", not "start"',
    );
    expect(parseError('{"type":"invoke","process":true,"f":"read"}').message).toBe(
      'h.txt:1: "process" must be a number or a string',
    );
    expect(parseError('{"type":"invoke","process":0,"f":""}').message).toBe(
      'h.txt:1: "f" (the operation name) must be a non-empty string',
    );
    expect(parseError("[1,2]", "jsonl").message).toBe(
      'h.txt:1: expected an object like {"type":"invoke","process":0,"f":"read","value":null}',
    );
    expect(parseError('{"type":"ok","process":0,"f":"read","value":1}').message).toBe(
      "h.txt:1: process 0 completes :read (:ok) without a pending invocation",
    );
  });
});

describe("detection and garbage", () => {
  it("detects each format from the first event line and reads an empty file as empty", () => {
    expect(parseHistory("\n\n").format).toBe("empty");
    expect(parseHistory("").events).toEqual([]);
    expect(parseHistory('  {"type":"invoke","process":0,"f":"read"}').format).toBe("jsonl");
    expect(parseHistory("{:process 0, :type :invoke, :f :read}").format).toBe("kv");
  });

  it("rejects garbage bytes, invalid UTF-8 and control characters with the line", () => {
    expect(parseError("\u0007\u0001\u0002binary").message).toBe(
      "h.txt:1: unexpected control character U+0007 at column 1: this is not a text history",
    );
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"),
      0xff,
      0xfe,
      0x0a,
    ]);
    expect(parseError(bytes).message).toBe("h.txt:2: invalid UTF-8 bytes: this is not a text history");
    expect(parseError("%%%% not a history").message).toBe(
      "h.txt:1: cannot tell the history format from this line (expected a Jepsen log line, a Clojure map or a JSON object); pass a format: etcd, kv or jsonl",
    );
  });

  it("names the formats when given an unknown one", () => {
    expect(() => parseHistory("", { format: "csv" })).toThrow(HistoryInputError);
    expect(() => parseHistory("", { format: "csv" })).toThrow(
      'unknown history format "csv"; formats: etcd, jepsen-log, kv, edn, jsonl, json, ndjson',
    );
  });

  it("takes every alias of a format, and detects a Jepsen log from its first event line", () => {
    const jsonl = '{"type":"invoke","process":0,"f":"read"}\n{"type":"ok","process":0,"f":"read","value":1}';
    const kv = "{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :read, :value 1}";
    const log = "INFO  jepsen.util - 0 :invoke :read nil\nINFO  jepsen.util - 0 :ok :read 1";
    const read = (text: string, format?: string) => {
      const parsed = parseHistory(text, format === undefined ? {} : { format });
      return [parsed.format, parsed.events.length, parsed.lines, parsed.file];
    };
    for (const format of [undefined, "etcd", "jepsen-log"])
      expect(read(log, format)).toEqual(["etcd", 2, [1, 2], "<input>"]);
    for (const format of [undefined, "kv", "edn"]) expect(read(kv, format)).toEqual(["kv", 2, [1, 2], "<input>"]);
    for (const format of [undefined, "jsonl", "json", "ndjson"])
      expect(read(jsonl, format)).toEqual(["jsonl", 2, [1, 2], "<input>"]);
    // Blank lines before the first event; a log whose lines are all skipped holds no events.
    expect(read(`\n  \n${log}`)).toEqual(["etcd", 2, [3, 4], "<input>"]);
    expect(read("INFO  jepsen.core - starting\n")).toEqual(["empty", 0, [], "<input>"]);
    expect(read("\n", "etcd")).toEqual(["empty", 0, [], "<input>"]);
    expect(() => parseHistory("INFO  jepsen.util - 0 :ok :read 1")).toThrow(
      "<input>:1: process 0 completes :read (:ok) without a pending invocation",
    );
  });

  it("reads a file by its path, named by the path or by the name given, and says why one cannot be read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "interleave-parse-"));
    try {
      const path = join(dir, "h.jsonl");
      writeFileSync(path, '{"type":"invoke","process":0,"f":"read"}\n');
      expect(await readHistoryFile(path)).toMatchObject({ file: path, format: "jsonl", lines: [1] });
      expect(await readHistoryFile(path, { file: "shown.jsonl", format: "json" })).toMatchObject({
        file: "shown.jsonl",
        format: "jsonl",
      });
      await expect(readHistoryFile(path, { format: "etcd" })).rejects.toThrow(`${path}:1: not a Jepsen log line`);
      await expect(readHistoryFile(join(dir, "none.jsonl"))).rejects.toThrow(
        new HistoryInputError(`${join(dir, "none.jsonl")}: cannot read the file (ENOENT)`),
      );
      await expect(readHistoryFile(dir)).rejects.toThrow(`${dir}: cannot read the file (EISDIR)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a forced format that does not match fails on the first line", () => {
    expect(parseError('{"type":"invoke","process":0,"f":"read"}', "etcd").message).toBe(
      'h.txt:1: not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")',
    );
  });
});

describe("JSON Lines, field by field", () => {
  const invoke = (fields: string): string => `{"type":"invoke","process":0,"f":"read"${fields}}`;

  it("skips blank lines, keeps the line numbers, fills a missing value with null and turns a numeric key into a string", () => {
    const h = parseHistory(
      `\n${invoke(',"key":7,"time":3')}\n   \n{"type":"invoke","process":1,"f":"read","value":[1],"key":null,"time":null}\n`,
      { format: "jsonl" },
    );
    expect(h.lines).toEqual([2, 4]);
    expect(h.events).toEqual([
      { type: "invoke", process: 0, f: "read", value: null, key: "7", time: 3 },
      { type: "invoke", process: 1, f: "read", value: [1] },
    ]);
    expect(Object.keys(h.events[1]!)).toEqual(["type", "process", "f", "value"]);
  });

  it("writes only the fields an event has, in a fixed order", () => {
    expect(
      toJsonLines([
        { type: "invoke", process: "c1", f: "write", value: 1 },
        { type: "ok", process: "c1", f: "write", value: 1, key: "k", time: 0 },
      ]),
    ).toBe(
      '{"type":"invoke","process":"c1","f":"write","value":1}\n{"type":"ok","process":"c1","f":"write","value":1,"key":"k","time":0}\n',
    );
    expect(toJsonLines([])).toBe("");
  });

  it("names the field that is wrong", () => {
    expect(parseError(invoke(',"key":true')).message).toBe('h.txt:1: "key" must be a string');
    expect(parseError(invoke(',"time":"3"')).message).toBe('h.txt:1: "time" must be a number');
    expect(parseError('{"process":0,"f":"read"}').message).toBe(
      'h.txt:1: "type" must be "invoke", "ok", "fail" or "info", not null',
    );
    expect(parseError('{"type":3,"process":0,"f":"read"}').message).toBe(
      'h.txt:1: "type" must be "invoke", "ok", "fail" or "info", not 3',
    );
    expect(parseError('{"type":"invoke","f":"read"}').message).toBe('h.txt:1: "process" must be a number or a string');
    expect(parseError('{"type":"invoke","process":0}').message).toBe(
      'h.txt:1: "f" (the operation name) must be a non-empty string',
    );
    expect(parseError('{"type":"invoke","process":0,"f":7}').message).toBe(
      'h.txt:1: "f" (the operation name) must be a non-empty string',
    );
    for (const notAnObject of ["null", '"invoke"', "3"])
      expect(parseError(notAnObject, "jsonl").message).toBe(
        'h.txt:1: expected an object like {"type":"invoke","process":0,"f":"read","value":null}',
      );
  });

  it("takes values nested up to 99 levels inside the event and refuses 100", () => {
    const nested = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expect(parseHistory(invoke(`,"value":${nested(99)}`), { format: "jsonl" }).events).toHaveLength(1);
    expect(parseError(invoke(`,"value":${nested(100)}`), "jsonl").message).toBe(
      "h.txt:1: the event nests arrays or objects more than 100 levels deep",
    );
  });
});

describe("text checks every parser starts with", () => {
  const line = '{"type":"invoke","process":0,"f":"read"}';

  it("accepts CRLF line ends and tabs, and finds a control character on its own line and column", () => {
    expect(parseHistory(`${line}\r\n\r\n`).lines).toEqual([1]);
    expect(parseHistory(`{"type":"invoke",\t"process":0,"f":"read"}\n`).events).toHaveLength(1);
    expect(parseError(`${line}\nab\rc\n`).message).toBe(
      "h.txt:2: unexpected control character U+000D at column 3: this is not a text history",
    );
    expect(parseError(`${line}\n\n x\u007f`).message).toBe(
      "h.txt:3: unexpected control character U+007F at column 3: this is not a text history",
    );
    expect(parseError(`${line}\n\ufffd`).message).toBe(
      "h.txt:2: unexpected control character U+FFFD at column 1: this is not a text history",
    );
    expect(parseError(`${line}\n\u001f`).message).toBe(
      "h.txt:2: unexpected control character U+001F at column 1: this is not a text history",
    );
  });

  it("finds invalid UTF-8 on the first line and on a last line without a newline", () => {
    const text = new TextEncoder().encode(`${line}\n${line.replace('"process":0', '"process":1')}\n`);
    expect(parseError(new Uint8Array([0xc3, 0x0a, ...text])).message).toBe(
      "h.txt:1: invalid UTF-8 bytes: this is not a text history",
    );
    expect(parseError(new Uint8Array([...text, 0x41, 0xc3])).message).toBe(
      "h.txt:3: invalid UTF-8 bytes: this is not a text history",
    );
    expect(parseHistory(text).events).toHaveLength(2);
  });

  it("gives the parse error its parts and the input error its operation", () => {
    const e = parseError(`${line}\n{}`);
    expect([e.name, e.file, e.line, e.reason]).toEqual([
      "HistoryParseError",
      "h.txt",
      2,
      '"type" must be "invoke", "ok", "fail" or "info", not null',
    ]);
    const input = new HistoryInputError("no such model", { id: 2, call: 5 });
    expect([input.name, input.message, input.operation]).toEqual([
      "HistoryInputError",
      "no such model",
      { id: 2, call: 5 },
    ]);
    expect(new HistoryInputError("x").operation).toBeUndefined();
  });
});
