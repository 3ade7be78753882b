import { describe, expect, it } from "vitest";
import { HistoryParseError } from "../../../src/history/errors.js";
import { parseKvLines } from "../../../src/history/formats/kv.js";

/** The reason parsing `line` (as line 1) fails with. */
function reason(line: string): string {
  try {
    parseKvLines([line], "h.edn");
  } catch (error) {
    expect(error).toBeInstanceOf(HistoryParseError);
    expect((error as HistoryParseError).line).toBe(1);
    return (error as HistoryParseError).reason;
  }
  throw new Error(`parsed: ${line}`);
}

describe("parseKvLines", () => {
  it("reads one map per line: key and time kept when given, value nil by default, the nemesis skipped", () => {
    const parsed = parseKvLines(
      [
        '{:process 3, :type :invoke, :f :get, :key "7", :value nil, :time 12}',
        "   ",
        "{:process :nemesis, :type :info, :f :start}",
        "{:process 4, :type :ok, :f :put, :key 9, :value [1 2]}",
        "{:process 5, :type :fail, :f :get, :key nil, :time :late}",
      ],
      "h.edn",
    );
    expect(parsed.events).toStrictEqual([
      { type: "invoke", process: 3, f: "get", value: null, key: "7", time: 12 },
      { type: "ok", process: 4, f: "put", value: [1, 2], key: "9" },
      { type: "fail", process: 5, f: "get", value: null },
    ]);
    expect(parsed.lines).toEqual([1, 4, 5]);
  });

  it("names what is wrong with a line", () => {
    const map = 'expected a map like {:process 0, :type :invoke, :f :get, :key "k", :value nil}';
    const cases: [string, string][] = [
      ["[1 2]", map],
      ["nil", map],
      ["7", map],
      ["{:type :ok, :f :get}", "the event has no :process"],
      ["{:process 1.5, :type :ok, :f :get}", ":process must be an integer"],
      ["{:process [1], :type :ok, :f :get}", ":process must be an integer"],
      ["{:process 1, :f :get}", ":type must be :invoke, :ok, :fail or :info, not null"],
      ["{:process 1, :type 3, :f :get}", ":type must be :invoke, :ok, :fail or :info, not 3"],
      ["{:process 1, :type :done, :f :get}", ':type must be :invoke, :ok, :fail or :info, not "done"'],
      ["{:process 1, :type :ok}", "the event has no :f (the operation, like :get)"],
      ["{:process 1, :type :ok, :f :get, :key [1]}", ":key must be a string or a number"],
    ];
    expect(cases.map(([line]) => reason(line))).toEqual(cases.map(([, message]) => message));
    expect(reason("{:process 1")).toMatch(/^not a Clojure map: /);
  });
});
