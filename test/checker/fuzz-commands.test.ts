/**
 * Malformed arguments and malformed or mutated input files through the
 * in-process CLI, for lincheck, run, conform and maelstrom: whatever the
 * input, the exit code is 0-3 and an exit-2 answer is one line starting with
 * "interleave" (no stack trace, never an internal error). Fixed seeds: a
 * failure prints the seed and path that replay it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { Cluster } from "../../src/runtime/cluster.js";
import { runMaelstrom } from "../../checker/run/maelstrom.js";
import { cli, type CliAnswer } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "interleave-fuzz-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixtureRun = resolve(import.meta.dirname, "../runtime/fixtures/conform-run");

/** The contract: 0-3 only; exit 2 is one line that starts with "interleave" (the whole of stderr). */
function expectContract(answer: CliAnswer, argv: readonly string[]): void {
  const context = `argv ${JSON.stringify(argv)}\nstderr ${JSON.stringify(answer.stderr)}`;
  expect([0, 1, 2, 3], context).toContain(answer.code);
  expect(answer.stderr, context).not.toMatch(/internal error|\n\s+at /);
  if (answer.code === 2) {
    const lines = answer.stderr.split("\n").filter((l) => l !== "");
    expect(lines.length, context).toBeGreaterThanOrEqual(1);
    // The answer is the last line written (a summary of an earlier file may come before it on stdout, never on stderr).
    expect(lines, context).toHaveLength(1);
    expect(lines[0], context).toMatch(/^interleave/);
  }
}

let fileCounter = 0;
function writeTemp(name: string, text: string): string {
  const path = join(work, `${fileCounter++}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Small valid histories of each format, to mutate. */
const SEEDS = {
  jsonl: [
    { type: "invoke", process: 0, f: "write", value: 3 },
    { type: "invoke", process: 1, f: "read", value: null },
    { type: "ok", process: 0, f: "write", value: 3 },
    { type: "ok", process: 1, f: "read", value: 3 },
    { type: "invoke", process: 2, f: "cas", value: [3, 4] },
    { type: "info", process: 2, f: "cas", value: [3, 4] },
    { type: "invoke", process: 0, f: "read", value: null },
    { type: "ok", process: 0, f: "read", value: 4 },
  ]
    .map((e) => JSON.stringify(e))
    .join("\n"),
  etcd: [
    "INFO  jepsen.util - 4\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 4\t:ok\t:read\tnil",
    "INFO  jepsen.util - 1\t:invoke\t:write\t1",
    "INFO  jepsen.util - 2\t:invoke\t:cas\t[1 4]",
    "INFO  jepsen.util - 1\t:ok\t:write\t1",
    "INFO  jepsen.util - 2\t:fail\t:cas\t[1 4]",
  ].join("\n"),
  kv: [
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :invoke, :f :get, :key "0", :value nil}',
    '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :ok, :f :get, :key "0", :value "x 0 0 y"}',
    '{:process 2, :type :invoke, :f :put, :key "1", :value "x 2 0 y"}',
  ].join("\n"),
};

/** One edit of a text made of lines: the kinds of damage real files show. */
const lineEdit = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant("insertJson" as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    char: fc.constantFrom("{", "}", "[", "]", '"', ":", ",", "\n", "\u0000", "\uFFFD", "9", " "),
  }),
  fc.record({ kind: fc.constant("deep" as const), at: fc.nat(), depth: fc.constantFrom(5, 200, 20_000) }),
  fc.record({
    kind: fc.constant("field" as const),
    at: fc.nat(),
    name: fc.constantFrom(
      "type",
      "process",
      "f",
      "value",
      "key",
      "time",
      "t",
      "input",
      "kind",
      "effects",
      "restored",
      "action",
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);
type LineEdit = typeof lineEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, edit: LineEdit): string {
  const lines = text.split("\n");
  const i = lines.length === 0 ? 0 : edit.at % lines.length;
  switch (edit.kind) {
    case "delete":
      lines.splice(i, 1);
      break;
    case "duplicate":
      lines.splice(i, 0, lines[i] ?? "");
      break;
    case "swap":
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
      break;
    case "insert":
      lines.splice(i, 0, edit.text);
      break;
    case "insertJson":
      lines.splice(i, 0, JSON.stringify(edit.value) ?? "null");
      break;
    case "truncate":
      return text.slice(0, edit.at % (text.length + 1));
    case "flip": {
      const at = edit.at % (text.length + 1);
      return text.slice(0, at) + edit.char + text.slice(at + 1);
    }
    case "deep":
      lines.splice(
        i,
        0,
        `{"type":"invoke","process":9,"f":"write","t":"in","kind":"message","input":${"[".repeat(edit.depth)}${"]".repeat(edit.depth)},"value":${"[".repeat(edit.depth)}${"]".repeat(edit.depth)}}`,
      );
      break;
    case "field": {
      const line = lines[i] ?? "";
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        if (o !== null && typeof o === "object") {
          o[edit.name] = edit.value;
          lines[i] = JSON.stringify(o);
        }
      } catch {
        lines[i] = `${line} :${edit.name} ${JSON.stringify(edit.value)}`;
      }
      break;
    }
  }
  return lines.join("\n");
}

/** Output paths: fine, a directory, in a missing directory, stdout. */
const outputPath = fc.constantFrom("ok", "dir", "missing-parent", "-", "parent-is-file", "");
function outputArg(kind: string, name: string): string {
  switch (kind) {
    case "ok":
      return join(work, `${fileCounter++}-${name}`);
    case "dir":
      return work;
    case "missing-parent":
      return join(work, "no-such-dir", name);
    case "parent-is-file":
      return join(writeTemp("plain", "x"), name);
    default:
      return kind;
  }
}

/** A value for an option: a sensible one or junk. */
const junk = fc.constantFrom(
  "",
  "0",
  "-1",
  "abc",
  "1e309",
  "0.5",
  "NaN",
  "--json",
  "9999999999999999999",
  " ",
  "\u0000",
);

describe("fuzzing the commands: exit 0-3 only, exit 2 is one line", () => {
  it("lincheck: mutated histories", async () => {
    const args = fc.record({
      format: fc.constantFrom("jsonl", "etcd", "kv"),
      edits: fc.array(lineEdit, { maxLength: 4 }),
      two: fc.boolean(),
      model: fc.option(fc.constantFrom("register", "kv"), { nil: undefined, freq: 2 }),
      formatFlag: fc.option(fc.constantFrom("etcd", "kv", "jsonl"), { nil: undefined, freq: 3 }),
      consistency: fc.option(fc.constantFrom("linearizable", "sequential", "causal", "session", "read-your-writes"), {
        nil: undefined,
        freq: 2,
      }),
      json: fc.option(fc.constantFrom("ok", "-"), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(args, async (a) => {
        const file = writeTemp(`h.${a.format}`, a.edits.reduce(applyEdit, SEEDS[a.format]));
        const argv = ["lincheck", file, ...(a.two ? [writeTemp("seed.jsonl", SEEDS.jsonl)] : []), "--timeout", "5"];
        if (a.model !== undefined) argv.push("--model", a.model);
        if (a.formatFlag !== undefined) argv.push("--format", a.formatFlag);
        if (a.consistency !== undefined) argv.push("--consistency", a.consistency);
        if (a.json !== undefined) argv.push("--json", outputArg(a.json, "out.jsonl"));
        expectContract(await cli(...argv), argv);
      }),
      { seed: 1301, numRuns: 300 },
    );
  }, 60_000);

  it("lincheck: malformed arguments", async () => {
    const missingModel = join(work, "no-such-model.ts");
    const file = writeTemp("h.jsonl", SEEDS.jsonl);
    const args = fc.record({
      files: fc.constantFrom("one", "two", "missing", "directory", "none"),
      model: fc.option(fc.constantFrom("register", "kv", "nope", missingModel, "x.ts", ""), { nil: undefined }),
      formatFlag: fc.option(fc.constantFrom("etcd", "kv", "jsonl", "json", "bogus", ""), { nil: undefined }),
      consistency: fc.option(
        fc.constantFrom("linearizable", "sequential", "causal", "session", "read-your-writes", "strict", ""),
        { nil: undefined },
      ),
      timeout: fc.option(fc.oneof(fc.constantFrom("5"), junk), { nil: undefined }),
      maxMemory: fc.option(fc.oneof(fc.constantFrom("1", "512"), junk), { nil: undefined }),
      json: fc.option(outputPath, { nil: undefined }),
      html: fc.option(outputPath, { nil: undefined }),
      extra: fc.option(fc.constantFrom("--frobnicate", "--jsn", "-x", "--model"), { nil: undefined, freq: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(args, async (a) => {
        const files = {
          one: [file],
          two: [file, file],
          missing: [join(work, "missing.jsonl")],
          directory: [work],
          none: [],
        }[a.files];
        const argv = ["lincheck", ...files];
        if (a.model !== undefined) argv.push("--model", a.model);
        if (a.formatFlag !== undefined) argv.push("--format", a.formatFlag);
        if (a.consistency !== undefined) argv.push("--consistency", a.consistency);
        if (a.timeout !== undefined) argv.push("--timeout", a.timeout);
        if (a.maxMemory !== undefined) argv.push("--max-memory", a.maxMemory);
        if (a.json !== undefined) argv.push("--json", outputArg(a.json, "out.jsonl"));
        if (a.html !== undefined) argv.push("--html", outputArg(a.html, "out.html"));
        if (a.extra !== undefined) argv.push(a.extra);
        expectContract(await cli(...argv), argv);
      }),
      { seed: 1305, numRuns: 200 },
    );
  }, 60_000);

  it("lincheck: a model file that throws, answers out of shape or does not load", async () => {
    const history = writeTemp("h.jsonl", SEEDS.jsonl);
    const models = {
      "step throws":
        "export default { init: () => 0, step(s: number, op: { f: string }) {\n  if (op.f === 'cas') throw new Error('no cas here');\n  return [s];\n} };",
      "step returns a number": "export default { init: () => 0, step: (s: number) => s };",
      "init throws":
        "export default { init(): number { throw new TypeError('no initial state'); }, step: (s: number) => [s] };",
      "cyclic state":
        "export default { init: () => { const a: any = {}; a.self = a; return a; }, step: (s: unknown) => [s] };",
      "syntax error": "export default { init: () => 0, step: (s: number) => [s] ",
      "no model": "export const x = 1;",
    };
    for (const [name, source] of Object.entries(models)) {
      const model = writeTemp(`${name.replace(/ /g, "-")}.ts`, source);
      const argv = ["lincheck", history, "--model", model];
      const answer = await cli(...argv);
      expectContract(answer, argv);
      expect(answer.code, name).toBe(2);
    }
  }, 30_000);

  it("run: malformed arguments are answered before any cluster starts", async () => {
    const start = vi.spyOn(Cluster, "start");
    const plainFile = writeTemp("plain", "x");
    // Each case holds at least one defect that must stop the command before it starts a cluster.
    const fatal = fc.constantFrom(
      // Not a protocol (two-phase-commit was here while --nodes defaulted to 3: it runs its model's 4 now).
      ["--spec", "unique-ids"],
      ["--spec", "nope"],
      ["--nemesis", "partition,flood"],
      ["--variant", "fast"],
      ["--param", "heartbeatMs=0"],
      ["--param", "nope=1"],
      ["--param", "novalue"],
      ["--nodes", "10"],
      ["--nodes", "0"],
      ["--history", join(work, "no-such-dir", "h.jsonl")],
      ["--history", work],
      ["--history", ""],
      ["--json", join(work, "no-such-dir", "s.json")],
      ["--json", work],
      ["--dir", plainFile],
      ["--dir", join(plainFile, "sub")],
      ["--transport", "quic"],
      ["--duration", "abc"],
      ["--rate", "-1"],
      ["--seed", "1.5"],
      ["--clients", "0"],
      ["--frobnicate", ""],
    );
    const optional = fc.constantFrom(
      ["--nodes", "3"],
      ["--duration", "1"],
      ["--seed", "7"],
      ["--keys", "2"],
      ["--verbose", ""],
      ["--json", "-"],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fatal, { minLength: 1, maxLength: 3 }),
        fc.array(optional, { maxLength: 3 }),
        fc.boolean(),
        async (defects, others, withHistory) => {
          const pairs = [...others, ...defects];
          const spec = pairs.find(([flag]) => flag === "--spec")?.[1] ?? "raft";
          const argv = ["run", spec];
          if (withHistory && !pairs.some(([flag]) => flag === "--history"))
            argv.push("--history", join(work, `${fileCounter++}-h.jsonl`));
          for (const [flag, value] of pairs)
            if (flag !== "--spec") argv.push(...(value === "" && flag !== "--history" ? [flag] : [flag, value]));
          const answer = await cli(...argv);
          expectContract(answer, argv);
          expect(answer.code, JSON.stringify(argv)).toBe(2);
        },
      ),
      { seed: 1302, numRuns: 150 },
    );
    expect(start).not.toHaveBeenCalled();
    start.mockRestore();
  }, 60_000);

  it("conform: mutated run directories", async () => {
    const nodes = readdirSync(join(fixtureRun, "nodes"));
    const target = fc.constantFrom("run.json", ...nodes.map((n) => `nodes/${n}`));
    const damage = fc.oneof(
      fc.record({
        kind: fc.constant("edit" as const),
        file: target,
        text: fc.constant(""),
        edits: fc.array(lineEdit, { minLength: 1, maxLength: 4 }),
      }),
      fc.record({
        kind: fc.constantFrom("remove" as const, "directory" as const, "empty" as const),
        file: target,
        text: fc.constant(""),
        edits: fc.constant([]),
      }),
      fc.record({
        kind: fc.constant("replace" as const),
        file: target,
        text: fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ""),
        ),
        edits: fc.constant([]),
      }),
    );
    // Mostly well-formed arguments, so that most runs reach the damaged files.
    const args = fc.record({
      damage: fc.array(damage, { minLength: 1, maxLength: 3 }),
      dir: fc.oneof(
        { weight: 8, arbitrary: fc.constant("run") },
        { weight: 1, arbitrary: fc.constantFrom("missing", "file", "not-a-run") },
      ),
      variant: fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom("none", "stale-read", "fast", "") },
      ),
      json: fc.option(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom("ok", "-") }, { weight: 1, arbitrary: outputPath }),
        { nil: undefined, freq: 2 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(args, async (a) => {
        const dir = join(work, `${fileCounter++}-run`);
        cpSync(fixtureRun, dir, { recursive: true });
        for (const d of a.damage) {
          const path = join(dir, d.file);
          rmSync(path, { recursive: true, force: true });
          if (d.kind === "directory") mkdirSync(path, { recursive: true });
          else if (d.kind === "empty") writeFileSync(path, "");
          else if (d.kind === "replace") writeFileSync(path, d.text);
          else if (d.kind === "edit")
            writeFileSync(path, d.edits.reduce(applyEdit, readFileSync(join(fixtureRun, d.file), "utf8")));
        }
        const where = {
          run: dir,
          missing: join(work, "no-such-run"),
          file: writeTemp("plain", "x"),
          "not-a-run": work,
        }[a.dir];
        const argv = ["conform", where];
        if (a.variant !== undefined) argv.push("--variant", a.variant);
        if (a.json !== undefined) argv.push("--json", outputArg(a.json, "conform.json"));
        expectContract(await cli(...argv), argv);
      }),
      { seed: 1303, numRuns: 200 },
    );
  }, 60_000);

  it("conform: the fixture run conforms, so the mutations above start from a valid run", async () => {
    const answer = await cli("conform", fixtureRun);
    expect(answer.code).toBe(0);
    expect(answer.stdout).toBe(
      "n1: 11 inputs replayed, 1 boots, 0 local actions\nn2: 26 inputs replayed, 1 boots, 0 local actions\nn3: 13 inputs replayed, 1 boots, 0 local actions\nconforms: every recorded output is the model's (raft)\n",
    );
  });

  it("maelstrom: malformed arguments, and malformed lines on a bounded stdin", async () => {
    for (const argv of [
      ["maelstrom"],
      ["maelstrom", "nope"],
      ["maelstrom", ""],
      ["maelstrom", "raft", "extra"],
      ["maelstrom", "--frobnicate"],
    ]) {
      const answer = await cli(...argv);
      expectContract(answer, argv);
      expect(answer.code, JSON.stringify(argv)).toBe(2);
    }
    const init = JSON.stringify({
      src: "c0",
      dest: "n1",
      body: { type: "init", msg_id: 1, node_id: "n1", node_ids: ["n1"] },
    });
    const message = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ""),
      fc
        .record({
          src: fc.constantFrom("c1", "n1", 5),
          dest: fc.constantFrom("n1", "n2"),
          body: fc.dictionary(
            fc.constantFrom("type", "msg_id", "key", "value", "in_reply_to", "from", "to", "message"),
            fc.jsonValue({ maxDepth: 2 }),
          ),
        })
        .map((m) => JSON.stringify(m)),
      fc.constant(
        `{"src":"c1","dest":"n1","body":{"type":"write","msg_id":2,"key":${"[".repeat(20_000)}${"]".repeat(20_000)},"value":1}}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("echo", "unique-ids", "broadcast", "raft"),
        fc.boolean(),
        fc.array(message, { maxLength: 8 }),
        async (spec, withInit, lines) => {
          let stderr = "";
          const input = Readable.from([...(withInit ? [init] : []), ...lines].map((l) => `${l}\n`));
          const code = await runMaelstrom(spec, { stdout: () => undefined, stderr: (t) => void (stderr += t), input });
          expect([0, 1, 2, 3], stderr).toContain(code);
          expect(stderr).not.toMatch(/internal error|\n\s+at /);
        },
      ),
      { seed: 1304, numRuns: 100 },
    );
  }, 60_000);
});
