/**
 * `interleave run` and `interleave conform` in-process: what the commands
 * hand the runtime and print. The cluster itself is replaced by a fake whose
 * summary the test chooses (test/runtime/run-command.test.ts runs real
 * clusters through the CLI), and the spinner by one that records its text;
 * conform replays the recorded run in test/runtime/fixtures/conform-run.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const fake = vi.hoisted(() => {
  const state: {
    /** The options of every runCluster call. */
    runs: Record<string, unknown>[];
    /** What runCluster rejects with instead of running, if anything (an Error or not). */
    runError: unknown;
    /** What conform throws instead of replaying, if anything. */
    conformError: Error | undefined;
    /** Done while the run or the replay is under way (after the outputs were checked). */
    meanwhile: (() => void) | undefined;
    /** Every spinner made: its options, the texts it showed, whether it started and stopped. */
    spinners: { options: unknown; texts: string[]; started: boolean; stopped: boolean }[];
  } = { runs: [], runError: undefined, conformError: undefined, meanwhile: undefined, spinners: [] };
  return state;
});

vi.mock("yocto-spinner", () => ({
  default: (options: unknown) => {
    const record = { options, texts: [] as string[], started: false, stopped: false };
    fake.spinners.push(record);
    const spinner = {
      set text(t: string) {
        record.texts.push(t);
      },
      start() {
        record.started = true;
        return spinner;
      },
      stop() {
        record.stopped = true;
        return spinner;
      },
    };
    return spinner;
  },
}));

vi.mock("../../../src/runtime/index.js", async (original) => {
  const real = await original<typeof import("../../../src/runtime/index.js")>();
  return {
    ...real,
    conform: (...args: Parameters<typeof real.conform>) => {
      if (fake.conformError !== undefined) throw fake.conformError;
      fake.meanwhile?.();
      return real.conform(...args);
    },
    runCluster: (options: import("../../../src/runtime/index.js").RunOptions) => {
      fake.runs.push({ ...options });
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a rejection that is not an Error is a case under test
      if (fake.runError !== undefined) return Promise.reject(fake.runError);
      fake.meanwhile?.();
      options.log?.("nemesis: partition n1 | n2, n3");
      options.onProgress?.({ elapsedMs: 1499, ok: 1234, fail: 5, info: 0, leader: undefined, nemesis: undefined });
      options.onProgress?.({ elapsedMs: 2500, ok: 2000, fail: 6, info: 1, leader: "n2", nemesis: "heal" });
      return Promise.resolve(summaryOf(options.history, options.dir));
    },
  };
});

// Loaded afresh, so they see the mocks even where test files share one module cache (the mutation
// runs' `isolate: false`), and afresh again after this file, so that the next one runs real clusters.
vi.resetModules();
afterAll(() => {
  vi.doUnmock("yocto-spinner");
  vi.doUnmock("../../../src/runtime/index.js");
  vi.resetModules();
});
const { conformCommand, runCommand } = await import("../../../checker/run/command.js");
const { conform, formatConform, formatRunSummary } = await import("../../../src/runtime/index.js");
const { UsageError } = await import("../../../checker/load.js");
const { OptionError } = await import("../../../src/index.js");
const { resolveRunSpec } = await import("../../../checker/run/spec.js");
const { raft } = await import("../../../specs/raft.js");
const { emptyCounters } = await import("../../../src/runtime/wire.js");
type RunCommandOptions = import("../../../checker/run/command.js").RunCommandOptions;
type RunSummary = import("../../../src/runtime/index.js").RunSummary;

/** A complete run of two-phase-commit, as the fake cluster reports it. */
function summaryOf(history: string, dir: string): RunSummary {
  return {
    spec: "two-phase-commit",
    variant: null,
    nodes: 4,
    transport: "tcp",
    seed: 1,
    durationMs: 2000,
    operations: { invoked: 0, ok: 0, fail: 0, info: 0 },
    okPerSecond: 0,
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    nemesis: [],
    kills: 0,
    finalReads: [],
    dropped: { ...emptyCounters(), delivered: 12 },
    unsendable: 0,
    fsyncs: 3,
    reducerErrors: 0,
    history,
    historyEvents: 0,
    dir,
    deaths: [],
    failedRestarts: [],
    timing: { plannedEndMs: 2000, graceMs: 5000, endedMs: 2100 },
    killsByNode: { n1: 0, n2: 0, n3: 0, n4: 0 },
    cpuMs: { nodes: 100, driver: 50 },
  };
}

let work = "";
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "interleave-run-command-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  fake.runs.length = 0;
  fake.spinners.length = 0;
  fake.runError = undefined;
  fake.conformError = undefined;
  fake.meanwhile = undefined;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** An io that collects what the command prints. */
function collect(progress = false) {
  const out = { stdout: "", stderr: "" };
  const io = {
    stdout: (t: string) => void (out.stdout += t),
    stderr: (t: string) => void (out.stderr += t),
    progress,
  };
  return { out, io };
}

/** The CLI's defaults for `interleave run`, with a history and a run directory in `work`. */
function runOpts(extra: Partial<RunCommandOptions> = {}): RunCommandOptions {
  return {
    duration: 2,
    rate: 200,
    seed: 1,
    history: join(work, "h.jsonl"),
    param: {},
    transport: "tcp",
    clients: 5,
    keys: 3,
    dir: join(work, "run"),
    ...extra,
  };
}

/** What runCommand or conformCommand threw. */
async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected the command to throw");
}

describe("interleave run in-process", () => {
  it("hands the cluster the spec, the options and the nemesis it parsed; prints the summary; exit 0", async () => {
    const { out, io } = collect();
    const opts = runOpts();
    expect(await runCommand("two-phase-commit", opts, io)).toBe(0);
    const { spec, ref } = await resolveRunSpec("two-phase-commit");
    expect(fake.runs).toEqual([
      {
        spec,
        specRef: ref,
        specFile: undefined,
        variant: undefined,
        nodes: undefined,
        durationS: 2,
        nemesis: [],
        rate: 200,
        closedLoop: false,
        seed: 1,
        history: opts.history,
        dir: opts.dir,
        transport: "tcp",
        params: {},
        clients: 5,
        keys: 3,
      },
    ]);
    expect(out).toEqual({ stdout: `${formatRunSummary(summaryOf(opts.history, opts.dir ?? ""))}\n`, stderr: "" });
    expect(out.stdout.split("\n")[0]).toBe("two-phase-commit: 4 nodes over tcp, 2.0 s, seed 1");
    expect(fake.spinners).toEqual([]);
  });

  it("passes --nemesis, --closed-loop and the rest as given", async () => {
    const { io } = collect();
    const opts = runOpts({
      nemesis: "partition, kill,partition",
      closedLoop: true,
      nodes: 5,
      variant: "vote-twice",
      rate: 50,
      seed: 7,
      transport: "udp",
      param: { heartbeatMs: "20" },
      clients: 2,
      keys: 1,
    });
    expect(await runCommand("raft", opts, io)).toBe(0);
    expect(fake.runs).toMatchObject([
      {
        variant: "vote-twice",
        nodes: 5,
        nemesis: ["partition", "kill"],
        rate: 50,
        closedLoop: true,
        seed: 7,
        transport: "udp",
        params: { heartbeatMs: "20" },
        clients: 2,
        keys: 1,
      },
    ]);
  });

  it("without --dir, the run directory is interleave-runs/<spec>-<time>, the time's colons and dots made dashes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-04T10:20:30.456Z"));
    const { out, io } = collect();
    const { dir: _dir, ...opts } = runOpts();
    expect(await runCommand("two-phase-commit", opts, io)).toBe(0);
    expect(fake.runs.map((r) => r["dir"])).toEqual(["interleave-runs/two-phase-commit-2026-12-04T10-20-30-456Z"]);
    expect(out.stdout).toContain(
      "\nnext: interleave lincheck " +
        `${opts.history}; interleave conform interleave-runs/two-phase-commit-2026-12-04T10-20-30-456Z\n`,
    );
  });

  it("--verbose logs the cluster's events to stderr and shows no spinner, even where progress is shown", async () => {
    const { out, io } = collect(true);
    expect(await runCommand("two-phase-commit", runOpts({ verbose: true }), io)).toBe(0);
    expect(out.stderr).toBe("nemesis: partition n1 | n2, n3\n");
    expect(fake.runs[0]?.["onProgress"]).toBe(undefined);
    expect(fake.spinners).toEqual([]);
  });

  it("with progress shown, a spinner on stderr says where the run is, and stops when it ends", async () => {
    const { out, io } = collect(true);
    expect(await runCommand("two-phase-commit", runOpts(), io)).toBe(0);
    expect(fake.runs[0]?.["log"]).toBe(undefined);
    expect(fake.spinners).toEqual([
      {
        options: { text: "starting the cluster", stream: process.stderr },
        texts: [
          "1 of 2 s: 1,234 ok, 5 fail, 0 info; leader none",
          "3 of 2 s: 2,000 ok, 6 fail, 1 info; leader n2; nemesis heal",
        ],
        started: true,
        stopped: true,
      },
    ]);
    expect(out.stderr).toBe("");
  });

  it("the spinner stops when the cluster fails too", async () => {
    fake.runError = new Error("listen EADDRINUSE");
    const { io } = collect(true);
    expect(await thrown(runCommand("two-phase-commit", runOpts(), io))).toEqual(
      new UsageError("run two-phase-commit: listen EADDRINUSE"),
    );
    expect(fake.spinners.map((s) => [s.started, s.stopped])).toEqual([[true, true]]);
  });

  it("--json - prints the summary as JSON instead of the text", async () => {
    const { out, io } = collect();
    const opts = runOpts({ json: "-" });
    expect(await runCommand("two-phase-commit", opts, io)).toBe(0);
    expect(out).toEqual({ stdout: `${JSON.stringify(summaryOf(opts.history, opts.dir ?? ""))}\n`, stderr: "" });
  });

  it("--json <file> writes the summary as JSON there and prints the text", async () => {
    const { out, io } = collect();
    const opts = runOpts({ json: join(work, "summary.json") });
    expect(await runCommand("two-phase-commit", opts, io)).toBe(0);
    const summary = summaryOf(opts.history, opts.dir ?? "");
    expect(readFileSync(join(work, "summary.json"), "utf8")).toBe(`${JSON.stringify(summary)}\n`);
    expect(out).toEqual({ stdout: `${formatRunSummary(summary)}\n`, stderr: "" });
  });

  it("a --json file that cannot be written after the run is one line naming --json", async () => {
    const gone = join(work, "gone-run");
    mkdirSync(gone);
    fake.meanwhile = () => rmSync(gone, { recursive: true });
    const { io } = collect();
    const json = join(gone, "s.json");
    expect(await thrown(runCommand("two-phase-commit", runOpts({ json }), io))).toEqual(
      new UsageError(`--json ${json}: cannot write the file (ENOENT)`),
    );
  });

  it.each<
    [string, (missing: string, file: string) => Partial<RunCommandOptions>, (missing: string, file: string) => string]
  >([
    [
      "--history",
      (missing) => ({ history: join(missing, "h.jsonl") }),
      (missing) => `--history ${join(missing, "h.jsonl")}: directory ${missing} does not exist; create it first`,
    ],
    [
      "--json",
      (missing) => ({ json: join(missing, "s.json") }),
      (missing) => `--json ${join(missing, "s.json")}: directory ${missing} does not exist; create it first`,
    ],
    [
      "--dir",
      (_missing, file) => ({ dir: join(file, "run") }),
      (_missing, file) => `--dir ${join(file, "run")}: ${file} is not a directory`,
    ],
  ])("an output %s that cannot be written is refused before the cluster starts", async (_flag, opts, message) => {
    const missing = join(work, "no-such-dir");
    const file = join(work, "plain.txt");
    writeFileSync(file, "x");
    const { out, io } = collect(true);
    expect(await thrown(runCommand("two-phase-commit", runOpts(opts(missing, file)), io))).toEqual(
      new UsageError(message(missing, file)),
    );
    expect(fake.runs).toEqual([]);
    expect(fake.spinners).toEqual([]);
    expect(out).toEqual({ stdout: "", stderr: "" });
  });

  it("an input error from the cluster passes as it is; any other error becomes one line naming the command", async () => {
    const { io } = collect();
    const option = new OptionError("--nodes must be at most 9");
    fake.runError = option;
    expect(await thrown(runCommand("two-phase-commit", runOpts(), io))).toBe(option);
    fake.runError = new Error("connect ECONNREFUSED 127.0.0.1:4000\n    at the socket");
    const error = await thrown(runCommand("two-phase-commit", runOpts(), io));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe("run two-phase-commit: connect ECONNREFUSED 127.0.0.1:4000");
    fake.runError = "gone";
    expect(await thrown(runCommand("two-phase-commit", runOpts(), io))).toEqual(
      new UsageError("run two-phase-commit: gone"),
    );
  });

  it("INTERLEAVE_DEBUG=1 writes the stack of an unforeseen error to stderr, and only of an Error", async () => {
    const { io } = collect();
    const writes: unknown[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((t: unknown) => (writes.push(t), true));
    const error = new Error("boom");
    fake.runError = error;
    vi.stubEnv("INTERLEAVE_DEBUG", undefined);
    await thrown(runCommand("two-phase-commit", runOpts(), io));
    expect(writes).toEqual([]);
    vi.stubEnv("INTERLEAVE_DEBUG", "1");
    fake.runError = "not an Error";
    await thrown(runCommand("two-phase-commit", runOpts(), io));
    expect(writes).toEqual([]);
    fake.runError = error;
    await thrown(runCommand("two-phase-commit", runOpts(), io));
    expect(writes).toEqual([`${error.stack}\n`]);
  });
});

describe("interleave conform in-process", () => {
  const fixture = resolve(import.meta.dirname, "../../runtime/fixtures/conform-run");

  it("replays the run against the variant it ran (none): exit 0, the replay's report", async () => {
    const { out, io } = collect();
    expect(await conformCommand(fixture, {}, io)).toBe(0);
    expect(out).toEqual({ stdout: `${formatConform(conform(fixture, { spec: raft }))}\n`, stderr: "" });
    expect(out.stdout.endsWith("\nconforms: every recorded output is the model's (raft)\n")).toBe(true);
  });

  it("--variant none replays against the correct protocol, --variant <name> against that variant", async () => {
    const none = collect();
    expect(await conformCommand(fixture, { variant: "none", json: "-" }, none.io)).toBe(0);
    expect(JSON.parse(none.out.stdout)).toMatchObject({ spec: "raft", variant: null });
    const broken = collect();
    expect(await conformCommand(fixture, { variant: "vote-twice" }, broken.io)).toBe(1);
    expect(broken.out.stdout).toBe(
      [
        "n1: 4 inputs replayed, 1 boots, 0 local actions",
        "DIVERGES from raft (variant vote-twice) at n1, input log line 10: input RequestVote from n3: the model's output differs from the recorded one",
        '  model:    [{"type":"send","to":"n3","msg":{"type":"RequestVoteResponse","term":1,"granted":true}}]',
        '  recorded: [{"type":"send","to":"n3","msg":{"type":"RequestVoteResponse","term":1,"granted":false}}]',
        "",
      ].join("\n"),
    );
  });

  it("an unknown --variant is the spec's one-line error", async () => {
    const { io } = collect();
    const error = await thrown(conformCommand(fixture, { variant: "fast" }, io));
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toMatch(/^spec "raft" has no variant "fast" that can run; variants: vote-twice, /);
  });

  it("--json - prints the result as JSON; --json <file> writes it there and prints the report", async () => {
    const expected = conform(fixture, { spec: raft });
    const stdout = collect();
    expect(await conformCommand(fixture, { json: "-" }, stdout.io)).toBe(0);
    expect(stdout.out).toEqual({ stdout: `${JSON.stringify(expected)}\n`, stderr: "" });
    const file = join(work, "conform.json");
    const text = collect();
    expect(await conformCommand(fixture, { json: file }, text.io)).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(`${JSON.stringify(expected)}\n`);
    expect(text.out).toEqual({ stdout: `${formatConform(expected)}\n`, stderr: "" });
  });

  it("a --json file that cannot be written after the replay is one line naming --json", async () => {
    const gone = join(work, "gone-conform");
    mkdirSync(gone);
    fake.meanwhile = () => rmSync(gone, { recursive: true });
    const { io } = collect();
    const json = join(gone, "c.json");
    expect(await thrown(conformCommand(fixture, { json }, io))).toEqual(
      new UsageError(`--json ${json}: cannot write the file (ENOENT)`),
    );
  });

  it("a --json that cannot be written is refused before the run directory is read", async () => {
    const dir = join(work, "json-dir");
    mkdirSync(dir, { recursive: true });
    const { io } = collect();
    expect(await thrown(conformCommand(join(work, "no-such-run"), { json: dir }, io))).toEqual(
      new UsageError(`--json ${dir} is a directory; give a file name`),
    );
  });

  it("an unforeseen error while replaying becomes one line naming the run directory", async () => {
    fake.conformError = new Error("EIO: i/o error, read\n    at readSync");
    const { io } = collect();
    const error = await thrown(conformCommand(fixture, {}, io));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`conform ${fixture}: cannot replay the run: EIO: i/o error, read`);
  });
});
