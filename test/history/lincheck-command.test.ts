/**
 * `interleave lincheck` as a function: exit codes, JSON lines, HTML, model
 * choice (built-in, by format, from a user's file), bad input as one line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { runLincheck, type LincheckOptions } from "../../checker/lincheck/command.js";
import { corpusDir } from "./support/corpus.js";

const dir = mkdtempSync(join(tmpdir(), "lincheck-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = (f: string): string => resolve(corpusDir, f);

async function run(files: string[], opts: LincheckOptions = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runLincheck(files, opts, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
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

  /** The kv model without its guesses of when writes take effect: kv c50-ok then takes thousands of configurations per key. */
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
    expect(r.err).toContain("unknown (stopped at the memory limit");
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
    // A name on Object.prototype is no model either (it was taken for one, and failed as "model.init is not a function").
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
    // p0 writes 1 then reads 0 after p1 wrote 0 concurrently: sequential, causal, session.
    const h = file(
      "rw.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "write", value: 1 },
        { type: "ok", process: 0, f: "write", value: 1 },
        { type: "invoke", process: 1, f: "read", value: null },
        { type: "ok", process: 1, f: "read", value: null },
        { type: "invoke", process: 1, f: "write", value: 2 },
        { type: "ok", process: 1, f: "write", value: 2 },
      ]),
    );
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
    const h = file(
      "stale.jsonl",
      jsonl([
        { type: "invoke", process: 0, f: "write", value: 1 },
        { type: "ok", process: 0, f: "write", value: 1 },
        { type: "invoke", process: 1, f: "read", value: null },
        { type: "ok", process: 1, f: "read", value: 2 },
      ]),
    );
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
