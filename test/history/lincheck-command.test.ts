/**
 * `interleave lincheck` as a function: exit codes, JSON lines, HTML, model
 * choice (built-in, by format, from a user's file), bad input as one line.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runLincheck, type LincheckOptions } from "../../checker/lincheck/command.js";
import { corpusDir } from "./support/corpus.js";
import { tempFolder } from "../support/temp-folder.js";

const { path: dir, file } = tempFolder("lincheck-");

const corpus = (f: string): string => resolve(corpusDir, f);

async function run(
  files: string[],
  opts: LincheckOptions = {},
  io: { readonly progress?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runLincheck(files, opts, { stdout: (s) => (out += s), stderr: (s) => (err += s), ...io });
  return { code, out, err };
}

const jsonl = (events: object[]): string => events.map((e) => JSON.stringify(e)).join("\n") + "\n";

describe("runLincheck", () => {
  it("exits 1 when any history violates, writing one JSON line per file", async () => {
    const json = join(dir, "out.jsonl");
    const r = await run([corpus("etcd/etcd_000.log"), corpus("etcd/etcd_002.log")], { json });
    expect(r.code).toBe(1);
    expect(r.err).toBe("");
    const lines = readFileSync(json, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l["file"], l["model"], l["result"], l["operations"], l["partitions"]])).toEqual([
      [corpus("etcd/etcd_000.log"), "register", "violation", 85, 1],
      [corpus("etcd/etcd_002.log"), "register", "linearizable", 77, 1],
    ]);
    expect(Object.keys(lines[0]!)).toEqual(["file", "model", "result", "operations", "partitions", "durationMs"]);
    expect(r.out).toContain(
      `${corpus("etcd/etcd_000.log")}: not linearizable (85 operations, 1 partition, model register`,
    );
    expect(r.out).toContain("none of these can be placed:");
  });

  it("exits 0 when all are linearizable, choosing the model from each format", async () => {
    const r = await run([corpus("etcd/etcd_002.log"), corpus("kv/c01-ok.txt"), corpus("etcd/etcd_095.log")], {
      json: "-",
    });
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l["model"], l["result"], l["operations"], l["partitions"]])).toEqual([
      ["register", "linearizable", 77, 1],
      ["kv", "linearizable", 58, 10],
      ["register", "linearizable", 0, 0],
    ]);
    // with --json -, the human summary goes to stderr so stdout stays JSON
    expect(r.err.split("\n").filter(Boolean).length).toBe(3);
  });

  /**
   * The kv model without its guesses of when writes take effect: kv c50-ok then takes thousands of configurations per
   * key.
   */
  const unguidedKv = (): string =>
    file(
      "unguided-kv.ts",
      `import { kvModel } from ${JSON.stringify(resolve("src/history/index.js"))};
const { deadlines: _guesses, ...model } = kvModel;
export default model;
`,
    );

  it("exits 3 when a limit stops a check and nothing violates", async () => {
    const r = await run([corpus("kv/c01-ok.txt"), corpus("kv/c50-ok.txt")], {
      model: unguidedKv(),
      maxMemory: 0.001,
      json: "-",
    });
    expect(r.code).toBe(3);
    const results = r.out
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { result: string }).result);
    expect(results).toEqual(["linearizable", "unknown"]);
    // The tables pass the limit at the first look at the clock, long before the process's memory is read.
    expect(r.err).toContain(
      `${corpus("kv/c50-ok.txt")}: unknown (stopped at the memory limit in partition "9" after 2050 configurations; no violation found so far; 1,712 operations, 10 partitions, model kv, `,
    );
  });

  it("--max-memory bounds the whole process, not only the search tables", async () => {
    // The tables stay far below 16 MiB; the process is above it, which the clock reads at its 16th look.
    const r = await run([corpus("kv/c50-ok.txt")], { model: unguidedKv(), maxMemory: 16 });
    expect(r.code).toBe(3);
    expect(r.out).toContain(
      `${corpus("kv/c50-ok.txt")}: unknown (stopped at the memory limit in partition "4" after 37784 configurations; no violation found so far; 1,712 operations, 10 partitions, model kv, `,
    );
  });

  it("a violation outranks an unknown", async () => {
    const r = await run([corpus("kv/c50-ok.txt"), corpus("kv/c10-bad.txt")], {
      model: unguidedKv(),
      maxMemory: 0.001,
      json: "-",
    });
    expect(r.code).toBe(1);
    expect(
      r.out
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { result: string }).result),
    ).toEqual(["unknown", "violation"]);
  });

  it("exits 2 with one line naming file and line for malformed input, before checking anything", async () => {
    const bad = file("bad.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3\n");
    const r = await run([corpus("etcd/etcd_000.log"), bad]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(`interleave lincheck: ${bad}:2: process 1 completes :read (:ok) without a pending invocation\n`);
  });

  it("exits 2 for garbage bytes, a missing file, an unknown model, format or consistency", async () => {
    const garbage = join(dir, "garbage.bin");
    writeFileSync(garbage, new Uint8Array([0x49, 0x4e, 0x46, 0x4f, 0x0a, 0x00, 0xff, 0x10]));
    expect((await run([garbage])).err).toBe(
      `interleave lincheck: ${garbage}:2: invalid UTF-8 bytes: this is not a text history\n`,
    );
    const missing = join(dir, "nope.log");
    expect(await run([missing])).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: ${missing}: cannot read the file (ENOENT)\n`,
    });
    expect((await run([corpus("etcd/etcd_000.log")], { model: "queue" })).err).toBe(
      'interleave lincheck: unknown model "queue"; built-in models: register, kv (or a path to a .ts/.js module)\n',
    );
    // A name on Object.prototype is no model either (it was taken for one, and failed as "model.init is not a
    // function").
    expect(await run([corpus("etcd/etcd_000.log")], { model: "toString" })).toEqual({
      code: 2,
      out: "",
      err: 'interleave lincheck: unknown model "toString"; built-in models: register, kv (or a path to a .ts/.js module)\n',
    });
    expect((await run([corpus("etcd/etcd_000.log")], { format: "csv" })).code).toBe(2);
    expect((await run([corpus("etcd/etcd_000.log")], { consistency: "strict" })).err).toBe(
      'interleave lincheck: unknown consistency "strict"; choose one of linearizable, sequential, causal, session, read-your-writes, monotonic-reads, monotonic-writes, writes-follow-reads\n',
    );
    expect((await run([])).err).toBe("interleave lincheck: no history files given\n");
  });

  it("locates a model's complaint about an operation at its line", async () => {
    const h = file(
      "inc.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "write", value: 1 },
        { type: "ok", process: 0, f: "write", value: 1 },
        { type: "invoke", process: 1, f: "inc", value: null },
      ]),
    );
    const r = await run([h], { model: "register" });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `interleave lincheck: ${h}:3: the register model has read, write and cas; it cannot check :inc (operation 2)\n`,
    );
    // The line in the file, not the operation's place among the events: blank lines count.
    const spaced = file("inc-spaced.jsonl", "\n\n" + readFileSync(h, "utf8"));
    expect((await run([spaced], { model: "register" })).err).toBe(
      `interleave lincheck: ${spaced}:5: the register model has read, write and cas; it cannot check :inc (operation 2)\n`,
    );
  });

  it("loads a user's model from a TypeScript file", async () => {
    const model = file(
      "counter-model.ts",
      `import type { Model } from ${JSON.stringify(resolve("src/history/index.js"))};
const counter: Model<number> = {
  name: "counter",
  init: () => 0,
  step: (n, op) => (op.f === "inc" ? [n + 1] : op.status !== "ok" || op.output === n ? [n] : []),
  readOnly: (op) => op.f === "read",
};
export default counter;
`,
    );
    const ok = file(
      "counter-ok.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "inc", value: null },
        { type: "invoke", process: 1, f: "read", value: null },
        { type: "ok", process: 1, f: "read", value: 1 },
        { type: "ok", process: 0, f: "inc", value: null },
      ]),
    );
    const bad = file(
      "counter-bad.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "inc", value: null },
        { type: "ok", process: 0, f: "inc", value: null },
        { type: "invoke", process: 1, f: "read", value: null },
        { type: "ok", process: 1, f: "read", value: 0 },
      ]),
    );
    const r = await run([ok, bad], { model, json: "-" });
    expect(r.code).toBe(1);
    expect(
      r.out
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { model: string; result: string }).result),
    ).toEqual(["linearizable", "violation"]);
    expect(JSON.parse(r.out.split("\n")[0]!).model).toBe("counter");
    const notModel = file("not-a-model.ts", "export const x = 1;\n");
    expect((await run([ok], { model: notModel })).err).toBe(
      `interleave lincheck: model file ${notModel} exports no model: export default { init, step } (or export const model = ...)\n`,
    );
  });

  it("checks other consistency models and names them in the result", async () => {
    const h = readWriteHistory();
    const results: string[] = [];
    for (const consistency of ["linearizable", "sequential", "causal", "session", "read-your-writes"]) {
      const r = await run([h], { consistency, json: "-" });
      results.push(`${r.code}:${(JSON.parse(r.out) as { result: string; model: string }).result}`);
    }
    expect(results).toEqual(["1:violation", "0:sequential", "0:causal", "0:session", "0:session"]);
    const cas = await run([corpus("etcd/etcd_000.log")], { consistency: "causal" });
    expect(cas.code).toBe(2);
    expect(cas.err).toBe(
      `interleave lincheck: ${corpus("etcd/etcd_000.log")}:19: causal consistency is checked for read/write histories (read/get, write/put); operation 10 is :cas\n`,
    );
  });

  it("names the verdict of each consistency model in words: holds or not", async () => {
    const h = staleReadHistory();
    const verdicts: string[] = [];
    for (const consistency of ["linearizable", "sequential", "causal", "session", "read-your-writes"]) {
      const r = await run([h], { consistency });
      verdicts.push(
        `${r.code} ${r.out
          .split("\n")[0]!
          .replace(/ \(.*$/, "")
          .slice(h.length + 2)}`,
      );
    }
    expect(verdicts).toEqual([
      "1 not linearizable",
      "1 not sequentially consistent",
      "1 not causally consistent",
      "1 violates the session guarantees",
      "1 violates read-your-writes",
    ]);
  });

  it("a user's model that throws is exit 2 naming the model file, the operation, the message and the user's line", async () => {
    const h = file(
      "cas.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "write", value: 1 },
        { type: "ok", process: 0, f: "write", value: 1 },
        { type: "invoke", process: 1, f: "cas", value: [1, 2] },
        { type: "ok", process: 1, f: "cas", value: [1, 2] },
      ]),
    );
    const throwing = file(
      "throwing-model.ts",
      `export default {
  init: () => 0,
  step(state: number, op: { f: string; input: unknown }) {
    if (op.f === "cas") throw new Error("cas is not supported");
    return [op.input as number];
  },
};
`,
    );
    expect(await run([h], { model: throwing })).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: ${h}:3: model ${throwing}: step on cas([1,2]) -> [1,2] [process 1] threw: cas is not supported (at ${throwing}:4)\n`,
    });
    const notArray = file("not-array-model.ts", "export default { init: () => 0, step: (s: number) => s };\n");
    expect((await run([h], { model: notArray })).err).toBe(
      `interleave lincheck: ${h}:1: model ${notArray}: step on write(1) -> 1 [process 0] returned 0; it must return an array of next states ([] when the operation cannot happen)\n`,
    );
    const badInit = file(
      "bad-init-model.ts",
      "export default {\n  init(): number { throw new TypeError('no initial state'); },\n  step: (s: number) => [s],\n};\n",
    );
    expect((await run([h], { model: badInit })).err).toBe(
      `interleave lincheck: ${h}: model ${badInit}: init threw: no initial state (at ${badInit}:2)\n`,
    );
  });

  it("refuses values nested too deep for the checkers at their line, instead of overflowing the stack", async () => {
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const h = file(
      "deep.jsonl",
      `{"type":"invoke","process":0,"f":"write","value":1}\n{"type":"ok","process":0,"f":"write","value":${deep}}\n`,
    );
    expect(await run([h])).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: ${h}:2: the event nests arrays or objects more than 100 levels deep\n`,
    });
    const kv = file("deep.kv", `{:process 0, :type :invoke, :f :put, :key "1", :value ${deep}}\n`);
    expect((await run([kv])).err).toBe(
      `interleave lincheck: ${kv}:1: not a Clojure map: the value nests more than 100 levels deep\n`,
    );
  });

  it("checks --json and --html paths before any work: exit 2 at once, nothing printed", async () => {
    const h = corpus("etcd/etcd_002.log");
    expect(await run([h], { json: join(dir, "no-such-dir", "out.jsonl") })).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: --json ${join(dir, "no-such-dir", "out.jsonl")}: directory ${join(dir, "no-such-dir")} does not exist; create it first\n`,
    });
    expect(await run([h], { html: dir })).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: --html ${dir} is a directory; give a file name\n`,
    });
    // With several files the per-file names are checked too.
    const plain = file("plain.txt", "x");
    expect((await run([h, h], { html: join(plain, "r.html") })).err).toBe(
      `interleave lincheck: --html ${join(plain, "r-etcd_002.html")}: ${plain} is not a directory\n`,
    );
  });

  it("writes a self-contained HTML report, one per file when there are several", async () => {
    const html = join(dir, "report.html");
    expect((await run([corpus("kv/c10-bad.txt")], { html })).code).toBe(1);
    const page = readFileSync(html, "utf8");
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).not.toMatch(/<script[^>]*src|<link|src=/);
    expect(page).toContain('class="op stuck');
    expect(page).toContain("Longest partial linearization found");
    await run([corpus("etcd/etcd_000.log"), corpus("etcd/etcd_002.log")], { html });
    expect(readFileSync(join(dir, "report-etcd_000.html"), "utf8")).toContain("violation");
    expect(readFileSync(join(dir, "report-etcd_002.html"), "utf8")).toContain('<b class="verdict-ok">linearizable</b>');
  });
});

/**
 * Runs `body` with `performance.now()` reading 0 at its first call and `ms` at every later one. The check's budget
 * clock
 * is the first reader, so the check lasts `ms`, and a progress report or a time limit falls due at its first look.
 */
async function withClock<T>(ms: number, body: () => Promise<T>): Promise<T> {
  let readings = 0;
  const now = vi.spyOn(performance, "now").mockImplementation(() => (readings++ === 0 ? 0 : ms));
  try {
    return await body();
  } finally {
    now.mockRestore();
  }
}

/** Runs `body` as if stderr were (or were not) a terminal. */
async function withStderrTerminal<T>(isTTY: boolean, body: () => Promise<T>): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(process.stderr, "isTTY");
  Object.defineProperty(process.stderr, "isTTY", { value: isTTY, configurable: true, writable: true });
  try {
    return await body();
  } finally {
    if (own === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
    else Object.defineProperty(process.stderr, "isTTY", own);
  }
}

/** p0 writes 1; p1 then reads the initial value and writes 2: not linearizable, but causal and session consistent. */
const readWriteHistory = (): string =>
  file(
    "read-write.jsonl",
    jsonl([
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "ok", process: 0, f: "write", value: 1 },
      { type: "invoke", process: 1, f: "read", value: null },
      { type: "ok", process: 1, f: "read", value: null },
      { type: "invoke", process: 1, f: "write", value: 2 },
      { type: "ok", process: 1, f: "write", value: 2 },
    ]),
  );

/** p0 writes 1; p1 then reads 2, which nobody wrote: no consistency model allows it. */
const staleReadHistory = (): string =>
  file(
    "stale-read.jsonl",
    jsonl([
      { type: "invoke", process: 0, f: "write", value: 1 },
      { type: "ok", process: 0, f: "write", value: 1 },
      { type: "invoke", process: 1, f: "read", value: null },
      { type: "ok", process: 1, f: "read", value: 2 },
    ]),
  );

describe("runLincheck summaries", () => {
  it("names the verdict, the operations and partitions (singular or plural), the model and the duration", async () => {
    const one = file(
      "one-write.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "write", value: 1 },
        { type: "ok", process: 0, f: "write", value: 1 },
      ]),
    );
    expect(await withClock(1.23456, () => run([one], { json: "-" }))).toEqual({
      code: 0,
      out: `{"file":${JSON.stringify(one)},"model":"register","result":"linearizable","operations":1,"partitions":1,"durationMs":1.235}\n`,
      err: `${one}: linearizable (1 operation, 1 partition, model register, 1.2 ms)\n`,
    });
    expect(await withClock(1.23456, () => run([corpus("kv/c01-ok.txt")]))).toEqual({
      code: 0,
      out: `${corpus("kv/c01-ok.txt")}: linearizable (58 operations, 10 partitions, model kv, 1.2 ms)\n`,
      err: "",
    });
  });

  it("explains a violation below its summary, indented", async () => {
    const stale = staleReadHistory();
    expect(await withClock(2, () => run([stale]))).toEqual({
      code: 1,
      out: [
        `${stale}: not linearizable (2 operations, 1 partition, model register, 2.0 ms)`,
        "  read -> 2 by process 1 (operation 2) returns 2, which no operation wrote. The longest partial linearization found places 1 of 2 completed operations and leaves the state 1; none of these can come next: read() -> 2 [process 1]",
        "    longest partial linearization (1 operations):",
        "      write(1)  [process 0]",
        "    then the state is 1, and none of these can be placed:",
        "      read() -> 2  [process 1]",
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("checks read/write consistency without a model, as model read-write", async () => {
    const h = readWriteHistory();
    expect(await withClock(3, () => run([h], { consistency: "read-your-writes" }))).toEqual({
      code: 0,
      out: `${h}: satisfies read-your-writes (3 operations, 1 partition, model read-write, 3.0 ms)\n`,
      err: "",
    });
    const causal = await withClock(3, () => run([h], { consistency: "causal", json: "-" }));
    expect(causal.out).toBe(
      `{"file":${JSON.stringify(h)},"model":"read-write","result":"causal","operations":3,"partitions":1,"durationMs":3}\n`,
    );
  });
});

describe("runLincheck limits and progress", () => {
  it("refuses a --timeout or --max-memory that is not a positive number, before reading any file", async () => {
    const missing = join(dir, "never-read.log");
    const results = [];
    for (const opts of [{ timeout: 0 }, { timeout: -1 }, { timeout: NaN }, { maxMemory: 0 }, { maxMemory: -2 }]) {
      results.push(await run([missing], opts));
    }
    expect(results).toEqual([
      { code: 2, out: "", err: "interleave lincheck: --timeout must be a positive number of seconds, got 0\n" },
      { code: 2, out: "", err: "interleave lincheck: --timeout must be a positive number of seconds, got -1\n" },
      { code: 2, out: "", err: "interleave lincheck: --timeout must be a positive number of seconds, got NaN\n" },
      { code: 2, out: "", err: "interleave lincheck: --max-memory must be a positive number of MB, got 0\n" },
      { code: 2, out: "", err: "interleave lincheck: --max-memory must be a positive number of MB, got -2\n" },
    ]);
  });

  it("stops a check at --timeout, given in seconds, with exit 3", async () => {
    const h = readWriteHistory();
    // The check's first look at the clock is 2 s after its start.
    expect(await withClock(2000, () => run([h], { consistency: "causal", timeout: 1 }))).toEqual({
      code: 3,
      out: `${h}: unknown (stopped at the time limit after 0 configurations; 3 operations, 1 partition, model read-write, 2000.0 ms)\n`,
      err: "",
    });
    expect(await withClock(2000, () => run([h], { consistency: "causal", timeout: 3 }))).toEqual({
      code: 0,
      out: `${h}: causally consistent (3 operations, 1 partition, model read-write, 2000.0 ms)\n`,
      err: "",
    });
  });

  it("shows a progress line on stderr when asked, or by default on a terminal, and erases it before the summary", async () => {
    const h = readWriteHistory();
    const check = (io: { progress?: boolean }) => withClock(1000, () => run([h], { consistency: "causal" }, io));
    const summary = `${h}: causally consistent (3 operations, 1 partition, model read-write, 1000.0 ms)\n`;
    const progress = `\r\x1b[2K${h}: 0 configurations, 0/s, tables 0 MiB, 1 s\r\x1b[2K`;
    expect(await withStderrTerminal(false, () => check({ progress: true }))).toEqual({
      code: 0,
      out: summary,
      err: progress,
    });
    expect(await withStderrTerminal(true, () => check({}))).toEqual({ code: 0, out: summary, err: progress });
    expect(await withStderrTerminal(false, () => check({}))).toEqual({ code: 0, out: summary, err: "" });
    expect(await withStderrTerminal(true, () => check({ progress: false }))).toEqual({
      code: 0,
      out: summary,
      err: "",
    });
  });
});

describe("runLincheck internal failures", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("a model whose states nest without end runs out of stack: exit 2 naming the file", async () => {
    const h = readWriteHistory();
    const cyclic = file(
      "cyclic-model.ts",
      "export default { init() { const a: unknown[] = []; a.push(a); return a; }, step: (s: unknown) => [s] };\n",
    );
    expect(await run([h], { model: cyclic })).toEqual({
      code: 2,
      out: "",
      err: `interleave lincheck: ${h}: the check ran out of stack: model states nested too deeply or cyclic, or a history too long for the linearizable check (Maximum call stack size exceeded)\n`,
    });
  });

  it("any other failure is exit 2 with one line naming the file, and the stack with INTERLEAVE_DEBUG=1", async () => {
    const h = readWriteHistory();
    // A BigInt inside a state has no JSON text for the state's key.
    const bigint = file("bigint-model.ts", "export default { init: () => [1n], step: (s: bigint[]) => [s] };\n");
    const line = `interleave lincheck: ${h}: cannot check: Do not know how to serialize a BigInt (INTERLEAVE_DEBUG=1 prints the stack)\n`;
    vi.stubEnv("INTERLEAVE_DEBUG", undefined);
    expect(await run([h], { model: bigint })).toEqual({ code: 2, out: "", err: line });
    vi.stubEnv("INTERLEAVE_DEBUG", "1");
    const debug = await run([h], { model: bigint });
    expect(debug.code).toBe(2);
    expect(debug.err.startsWith(`${line}TypeError: Do not know how to serialize a BigInt\n    at `)).toBe(true);
    expect(debug.err.endsWith("\n")).toBe(true);
  });
});

describe("runLincheck HTML reports for several files", () => {
  it("names each report after its history, keeping the report's extension or adding .html", async () => {
    const out = mkdtempSync(join(dir, "html-"));
    const dotted = file("h.v1.log", readFileSync(corpus("etcd/etcd_002.log"), "utf8"));
    const files = [corpus("etcd/etcd_002.log"), dotted];
    expect((await run(files, { html: join(out, "report") })).code).toBe(0);
    expect((await run(files, { html: join(out, "page.htm") })).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "page-etcd_002.htm",
      "page-h.v1.htm",
      "report-etcd_002.html",
      "report-h.v1.html",
    ]);
  });
});
