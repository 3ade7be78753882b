/**
 * The `interleave` command line: list, check, replay, explore (and lincheck,
 * from the history checkers). Exit codes: 0 all properties hold, 1 a property is violated,
 * 2 bad usage or input, 3 incomplete (a limit was hit).
 */
import { resolve as resolvePath } from "node:path";
import { availableParallelism } from "node:os";
import { UserCodeError } from "../src/user-code.js";
import { assertWritable, writeOutput } from "./output-paths.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import {
  isProtocolState,
  NotPlainDataError,
  OptionError,
  ParamError,
  paramTypeName,
  SpecDefinitionError,
  SpecRuntimeError,
  UnknownChoiceError,
  type Spec,
  toHtml,
  toItf,
  toMermaid,
  toTraceJson,
} from "../src/index.js";
import { catalogue } from "../specs/index.js";
import { runWorker } from "./distributed/worker.js";
import { runLincheck } from "./lincheck/command.js";
import { runMaelstrom } from "./run/maelstrom.js";
import { TRANSPORTS } from "../src/runtime/index.js";
import { conformCommand, runCommand } from "./run/command.js";
import { checkSpecByName, looksLikePath, resolveSpec, UsageError } from "./load.js";
import { ownPackage } from "./spec-source.js";
import { replayCommand } from "./replay.js";
import { involvedNodes } from "./explorer/involved.js";
import { createProgress } from "./progress.js";
import { LostWorkerError } from "./lost-worker.js";
import { replayHint, ReplayPathError, type RandomReport } from "./random.js";
import { exitCodeOf, formatReportText, summaryLine, type Report } from "./report.js";
import { swarmHint, type SwarmReport } from "./swarm.js";

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether to show live progress (default: stderr is a terminal). */
  readonly progress?: boolean;
}

const processIo: CliIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** Errors whose message is the whole story: printed as one line, exit 2. */
const INPUT_ERRORS = [
  UsageError,
  ReplayPathError,
  ParamError,
  UnknownChoiceError,
  OptionError,
  SpecDefinitionError,
  SpecRuntimeError,
  NotPlainDataError,
  UserCodeError,
];

function positiveInt(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${text}"`);
    return Number(text);
  };
}

function integer(name: string) {
  return (text: string): number => {
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
      throw new InvalidArgumentError(`${name} must be an integer, got "${text}"`);
    return Number(text);
  };
}

function positiveNumber(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number of seconds, got "${text}"`);
    return n;
  };
}

/** `--param name=value`, repeatable; no default value, so help prints none (commander would print `(default: {})`). */
function collectParam(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`--param takes name=value, got "${text}"`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** A spec's listing entry, as `list --json` prints it: every param, property and variant with its description. */
function listEntry(spec: Spec<unknown>) {
  return {
    name: spec.name,
    description: spec.description,
    params: Object.entries(spec.params).map(([name, def]) => ({
      name,
      type: paramTypeName(def),
      default: def.default,
      ...(def.type === "int" && def.min !== undefined ? { min: def.min } : {}),
      ...(def.type === "int" && def.max !== undefined ? { max: def.max } : {}),
      ...(def.description === undefined ? {} : { description: def.description }),
    })),
    properties: spec.properties.map((p) => ({
      name: p.name,
      kind: p.kind,
      ...(p.description === undefined ? {} : { description: p.description }),
    })),
    variants: spec.variants.map((v) => ({
      name: v.name,
      description: v.description,
      ...(v.violates === undefined ? {} : { violates: v.violates }),
      ...(v.params === undefined ? {} : { params: v.params }),
    })),
    ...(spec.symmetry === undefined ? {} : { symmetry: spec.symmetry }),
  };
}

/** `rms=3 (int, 1..12): number of resource managers`. */
function paramText(name: string, def: Spec<unknown>["params"][string]): string {
  const range =
    def.type !== "int" || (def.min === undefined && def.max === undefined)
      ? ""
      : def.max === undefined
        ? `, at least ${def.min}`
        : def.min === undefined
          ? `, at most ${def.max}`
          : `, ${def.min}..${def.max}`;
  return `${name}=${String(def.default)} (${paramTypeName(def)}${range})${def.description === undefined ? "" : `: ${def.description}`}`;
}

/** `[clients=2, requests=2]`: the params a variant sets, or nothing. */
function variantBounds(v: Spec<unknown>["variants"][number]): string {
  return v.params
    ? ` [${Object.entries(v.params)
        .map(([k, x]) => `${k}=${String(x)}`)
        .join(", ")}]`
    : "";
}

/** The catalogue listing: each spec with its params (described), properties and broken variants. */
function listText(specs: readonly Spec<unknown>[]): string {
  const lines: string[] = [];
  for (const spec of specs) {
    lines.push(`${spec.name}: ${spec.description}`);
    Object.entries(spec.params).forEach(([n, d], i) =>
      lines.push(`  ${i === 0 ? "params:    " : "           "} ${paramText(n, d)}`),
    );
    lines.push(`  properties: ${spec.properties.map((p) => `${p.name} (${p.kind})`).join(", ")}`);
    for (const v of spec.variants.filter((x) => x.name !== "default")) {
      lines.push(
        `  variant ${v.name}${variantBounds(v)}: ${v.description}${v.violates ? ` (violates ${v.violates})` : ""}`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** One spec in full (`interleave list <spec>`): every param, property and variant with its description. */
function specText(spec: Spec<unknown>): string {
  const params = Object.entries(spec.params);
  const variants = spec.variants.filter((x) => x.name !== "default");
  return [
    `${spec.name}: ${spec.description}`,
    ...(params.length === 0
      ? []
      : ["", "params (--param name=value):", ...params.map(([n, d]) => `  ${paramText(n, d)}`)]),
    "",
    "properties:",
    ...spec.properties.map((p) => `  ${p.name} (${p.kind})${p.description === undefined ? "" : `: ${p.description}`}`),
    ...(variants.length === 0
      ? []
      : [
          "",
          "variants (--variant name):",
          ...variants.map(
            (v) => `  ${v.name}${variantBounds(v)}: ${v.description}${v.violates ? ` (violates ${v.violates})` : ""}`,
          ),
        ]),
    ...(spec.symmetry === undefined ? [] : ["", `symmetric roles (--symmetry): ${spec.symmetry.join(", ")}`]),
    "",
  ].join("\n");
}

/**
 * The nodes a protocol trace's violation is about, for the diagrams of
 * `--trace-format mermaid` and `html` (found by re-running the property on
 * the last state with one node rolled back: see involvedNodes).
 */
async function involvedIn(specArg: string, report: Report, format: string): Promise<string[] | undefined> {
  if (
    (format !== "mermaid" && format !== "html") ||
    report.property === null ||
    report.trace === null ||
    !isProtocolState(report.trace[0]?.state)
  )
    return undefined;
  const model = (await resolveSpec(specArg)).instantiate({ variant: report.variant, params: report.params });
  return involvedNodes(model, report.trace, report.property);
}

/**
 * Writes the trace in `format`; `specRef` is what `replay` needs to find the spec again (its name, or its file as
 * resolved).
 */
function formatTrace(
  report: Report,
  format: string,
  specRef: string = report.spec,
  involved?: readonly string[],
): string {
  const trace = report.trace ?? [];
  const source = {
    spec: specRef,
    variant: report.variant,
    property: report.property,
    params: report.params,
    sets: report.sets,
    involved,
    loopStart: report.loopStart,
  };
  switch (format) {
    case "json":
      return `${JSON.stringify(toTraceJson(trace, source), null, 2)}\n`;
    case "itf":
      return `${JSON.stringify(toItf(trace, source), null, 2)}\n`;
    case "mermaid":
      return toMermaid(trace, source);
    case "html":
      return toHtml(trace, source);
    default:
      return `${formatReportText(report)}\n`;
  }
}

/** Builds the commander program; `exit` receives each command's exit code. */
function program(io: CliIo, exit: { code: number }) {
  const cli = new Command()
    .name("interleave")
    .description("Model-check distributed algorithms written as TypeScript reducers.")
    .version(ownPackage().pkg.version, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (t) => io.stdout(t),
      writeErr: (t) => io.stderr(t),
      // One line, as every exit-2 answer: commander puts "(Did you mean ...?)" on a line of its own.
      outputError: (t) =>
        io.stderr(
          `interleave: ${t
            .replace(/^error: /, "")
            .trim()
            .replace(/\s*\n\s*/g, " ")}\n`,
        ),
    })
    .showSuggestionAfterError(true);

  cli
    .command("list")
    .description("list the spec catalogue, or one spec in full: parameters, properties, variants")
    .argument("[spec]", "a catalogue name or a path to a .ts/.js file exporting a spec")
    .option("--json", "print JSON")
    .action(async (specArg: string | undefined, opts) => {
      if (specArg === undefined) {
        io.stdout(opts.json ? `${JSON.stringify(catalogue.map(listEntry), null, 2)}\n` : listText(catalogue));
      } else {
        const spec = await resolveSpec(specArg);
        io.stdout(opts.json ? `${JSON.stringify(listEntry(spec), null, 2)}\n` : specText(spec));
      }
      exit.code = 0;
    });

  cli
    .command("check")
    .description("explore every reachable state of a spec and check its properties")
    .argument("<spec>", "a catalogue name or a path to a .ts/.js file exporting a spec")
    .option("--variant <name>", "check a variant (see `interleave list`)")
    .option("--param <name=value>", "set a parameter (repeatable)", collectParam)
    .addOption(
      new Option("--strategy <strategy>", "search strategy")
        .choices(["bfs", "dfs", "random", "swarm"] as const)
        .default("bfs" as const),
    )
    .option(
      "--workers <n>",
      "worker threads for breadth-first search (default 1; same counts with any number); with --distributed, worker processes; swarm: members (default 2)",
      positiveInt("--workers"),
    )
    .option(
      "--distributed <url>",
      "search with --workers processes exchanging states through this NATS broker (nats://host:port)",
    )
    .option(
      "--no-spawn",
      "with --distributed: start no workers here; wait for `interleave worker` processes (other machines)",
    )
    .option(
      "--run <name>",
      'with --distributed: the run\'s name, which the workers give too (default: fresh, or "default" with --no-spawn)',
    )
    .option(
      "--worker-silence <s>",
      "with --distributed: take a worker that has sent no beat for this many seconds for dead; the check is incomplete (default 20)",
      positiveInt("--worker-silence"),
    )
    .option("--max-states <n>", "stop after this many distinct states (result incomplete)", positiveInt("--max-states"))
    .option(
      "--max-depth <n>",
      "do not explore beyond this many steps (result incomplete); random: steps per walk (default 100)",
      positiveInt("--max-depth"),
    )
    .option(
      "--seed <n>",
      "random: seed of the walks; swarm: the base seed members derive theirs from (default: a random seed, always printed)",
      integer("--seed"),
    )
    .option(
      "--runs <n>",
      "random: number of walks (default 10000); swarm: walks per walking member",
      positiveInt("--runs"),
    )
    .option(
      "--replay-path <path>",
      "random: replay this path (printed with a violation, e.g. 0:3:1) instead of searching",
    )
    .option("--timeout <seconds>", "stop after this long (result incomplete)", positiveNumber("--timeout"))
    .option(
      "--max-memory <MB>",
      "MiB for the search's data: the fingerprint store plus the BFS queue in memory (Node's own ~60 MB not counted); the queue spills to disk to stay within it, a store that alone exceeds it ends the search (result incomplete). Default: half the physical memory",
      positiveInt("--max-memory"),
    )
    .option("--symmetry", "store one state per orbit of the spec's interchangeable nodes")
    .option(
      "--property <name>",
      "check only this property (repeatable; default: all)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--coverage", "print per action how often it was enabled and how many new states it found")
    .option(
      "--stats",
      "print per-action counts, states per depth and the largest states' largest fields (to shrink a model that explodes)",
    )
    .option("--no-guards", "skip the purity guards (frozen states, trapped clocks and randomness, sampled re-runs)")
    .option("--debug", "print the full stack of an error in the spec's code")
    .option("--json <file>", "write the JSON report to a file, or - for stdout")
    .addOption(
      new Option("--trace-format <format>", "format of the trace")
        .choices(["text", "json", "itf", "mermaid", "html"] as const)
        .default("text" as const),
    )
    .option("--out <file>", "write the trace to a file (without it, a --trace-format other than text goes to stdout)")
    .action(async (specArg, opts) => {
      if (
        opts.strategy !== "random" &&
        opts.strategy !== "swarm" &&
        (opts.seed !== undefined || opts.runs !== undefined || opts.replayPath !== undefined)
      ) {
        throw new UsageError("--seed, --runs and --replay-path apply to --strategy random");
      }
      if (
        opts.distributed === undefined &&
        (opts.spawn === false || opts.run !== undefined || opts.workerSilence !== undefined)
      )
        throw new UsageError("--no-spawn, --run and --worker-silence apply to --distributed");
      if (opts.distributed !== undefined && opts.workers === undefined)
        throw new UsageError("--distributed needs --workers <n>, the number of worker processes (one per partition)");
      if (opts.strategy === "swarm" && opts.replayPath !== undefined) {
        throw new UsageError(
          "--replay-path replays one path: use it with --strategy random (a swarm prints the one to use)",
        );
      }
      const cores = availableParallelism();
      // Distributed workers may run on other machines; on this one, more than its cores only run slower.
      if (opts.distributed === undefined && opts.workers !== undefined && opts.workers > cores) {
        throw new UsageError(
          `--workers ${opts.workers} is more than the ${cores} cores of this machine; more threads than cores only slow the search down`,
        );
      }
      if (opts.json !== undefined) assertWritable(opts.json, "--json");
      if (opts.out !== undefined) assertWritable(opts.out, "--out");
      const progress = (io.progress ?? process.stderr.isTTY) ? createProgress() : undefined;
      const interrupt = onInterrupt(io);
      let report: Report;
      try {
        report = await checkSpecByName(specArg, {
          ...(opts.distributed === undefined
            ? {}
            : {
                distributed: {
                  url: opts.distributed,
                  spawn: opts.spawn,
                  ...(opts.run === undefined ? {} : { run: opts.run }),
                  ...(opts.workerSilence === undefined ? {} : { silenceMs: opts.workerSilence * 1000 }),
                },
              }),
          signal: interrupt.signal,
          ...(opts.guards === false ? { guards: false } : {}),
          ...(opts.coverage ? { coverage: true } : {}),
          ...(opts.stats ? { stats: true } : {}),
          ...(opts.property === undefined ? {} : { properties: opts.property }),
          ...(opts.workers === undefined ? {} : { workers: opts.workers }),
          strategy: opts.strategy,
          params: opts.param ?? {},
          ...(opts.symmetry ? { symmetry: true } : {}),
          ...(opts.variant === undefined ? {} : { variant: opts.variant }),
          ...(opts.maxStates === undefined ? {} : { maxStates: opts.maxStates }),
          ...(opts.maxDepth === undefined ? {} : { maxDepth: opts.maxDepth }),
          ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout * 1000 }),
          ...(opts.seed === undefined ? {} : { seed: opts.seed }),
          ...(opts.runs === undefined ? {} : { runs: opts.runs }),
          ...(opts.replayPath === undefined ? {} : { replayPath: opts.replayPath }),
          ...(opts.maxMemory === undefined ? {} : { maxMemoryBytes: opts.maxMemory * 2 ** 20 }),
          ...(progress ? { onProgress: progress.onProgress, progressIntervalMs: progress.intervalMs } : {}),
        });
      } catch (error) {
        // A worker (process or thread) that died or went silent: the search is incomplete (exit 3), and the one line
        // says why.
        if (!(error instanceof LostWorkerError)) throw error;
        io.stderr(`interleave: ${error.message}\n`);
        exit.code = 3;
        return;
      } finally {
        interrupt.dispose();
        progress?.stop();
      }
      for (const w of report.warnings) io.stderr(`interleave: warning: ${w}\n`);
      if (opts.debug && report.errorStack) io.stderr(`${report.errorStack}\n`);
      const { errorStack: _stack, ...published } = report;
      const json = `${JSON.stringify(published)}\n`;
      // A user's spec file is named by its absolute path, so `interleave replay` finds it from anywhere.
      const specRef = looksLikePath(specArg) ? resolvePath(specArg) : specArg;
      // Every random run prints what repeats it (a fault of the spec's code ends the walks before there is one).
      const replay =
        opts.strategy === "swarm" && "swarmSeed" in report
          ? `${swarmHint(report as SwarmReport, specArg)}\n`
          : opts.strategy === "random" && "seed" in report
            ? `${replayHint(report as RandomReport, specArg)}\n`
            : "";
      // A trace format other than text, without --out, takes stdout; the summary goes to stderr.
      const traceToStdout = opts.out === undefined && opts.traceFormat !== "text" && opts.json !== "-";
      const involved = await involvedIn(specArg, report, opts.traceFormat);
      if (opts.json === "-" || traceToStdout) {
        io.stdout(traceToStdout ? formatTrace(report, opts.traceFormat, specRef, involved) : json);
        io.stderr(`${summaryLine(report)}\n${replay}`);
        if (traceToStdout && opts.json !== undefined) writeOutput(opts.json, json, "--json");
      } else {
        // The report is on stdout before any file is written: a write that fails now loses nothing.
        io.stdout(`${formatReportText(report)}\n${replay}`);
        if (opts.json !== undefined) writeOutput(opts.json, json, "--json");
      }
      if (opts.out !== undefined)
        writeOutput(opts.out, formatTrace(report, opts.traceFormat, specRef, involved), "--out");
      exit.code = exitCodeOf(report);
    });

  cli
    .command("worker")
    .description(
      "run one partition of a distributed check coordinated by `check --distributed <url> --no-spawn` (e.g. on another machine)",
    )
    .requiredOption("--distributed <url>", "the NATS broker the coordinator uses (nats://host:port)")
    .option(
      "--partition <k>",
      "this worker's partition, from 0 (default: $JOB_COMPLETION_INDEX, as a Kubernetes indexed Job sets it)",
      integer("--partition"),
    )
    .option("--run <name>", "the run's name, as given to `check --run`", "default")
    .option("--wait <seconds>", "how long to wait for the coordinator", positiveNumber("--wait"), 600)
    .action(async (opts) => {
      const index =
        opts.partition ??
        (process.env["JOB_COMPLETION_INDEX"] === undefined ? undefined : Number(process.env["JOB_COMPLETION_INDEX"]));
      if (index === undefined || !Number.isInteger(index) || index < 0)
        throw new UsageError("worker needs --partition <k> (from 0) or JOB_COMPLETION_INDEX");
      exit.code = await runWorker({
        url: opts.distributed,
        partition: index,
        run: opts.run,
        waitMs: opts.wait * 1000,
      });
    });

  cli
    .command("replay")
    .description(
      "re-execute a saved trace (JSON or ITF) through the spec's reducers: exit 1 if it reproduces a violation, 2 if it diverges",
    )
    .argument("<trace>", "a trace written by `check --trace-format json` or `--trace-format itf`")
    .option("--spec <spec>", "a catalogue name or a path to a .ts/.js file (default: the spec the trace names)")
    .option("--variant <name>", "replay through this variant (default: the trace's)")
    .option("--param <name=value>", "override a parameter the trace records (repeatable)", collectParam)
    .action(async (file: string, opts) => {
      exit.code = await replayCommand(file, { spec: opts.spec, variant: opts.variant, params: opts.param ?? {} }, io);
    });

  cli
    .command("explore")
    .description(
      "walk a spec's states by hand in a local web page: enabled actions, properties, diffs, sequence diagram",
    )
    .argument("<spec>", "a catalogue name or a path to a .ts/.js file exporting a spec")
    .option("--variant <name>", "explore a variant (see `interleave list`)")
    .option("--param <name=value>", "set a parameter (repeatable)", collectParam)
    .option("--port <n>", "port on 127.0.0.1 (default: a free one)", positiveInt("--port"))
    .option("--trace <file>", "open at the end of a saved counterexample (JSON or ITF)")
    .action(async (specArg: string, opts) => {
      // Loaded on use: the server's modules cost every other command's start-up nothing.
      const { exploreCommand } = await import("./explorer/command.js");
      exit.code = await exploreCommand(specArg, opts, io);
    });

  cli
    .command("lincheck")
    .description("check recorded histories for linearizability (or sequential, causal, session consistency)")
    .argument("<files...>", "histories: Jepsen etcd logs, Jepsen kv lines, or JSON Lines of events")
    .option(
      "--model <model>",
      "register, kv, or a path to a .ts/.js module exporting a model (default: from the format)",
    )
    .option("--format <format>", "etcd, kv or jsonl (default: detected per file)")
    .option("--consistency <model>", "linearizable (default), sequential, causal, session, or one session guarantee")
    .option("--timeout <seconds>", "time limit per file (result unknown when reached)", positiveNumber("--timeout"))
    .option(
      "--max-memory <MB>",
      "memory limit for the search (result unknown when reached)",
      positiveInt("--max-memory"),
    )
    .option("--json <file>", "one JSON line per file, to a file or - for stdout")
    .option("--html <file>", "write a self-contained HTML report")
    .action(async (files: string[], opts) => {
      exit.code = await runLincheck(files, opts, io);
    });

  cli
    .command("maelstrom")
    .description(
      "run a Maelstrom node on stdin/stdout: echo, unique-ids, broadcast, lin-kv (a catalogue spec's reducer each)",
    )
    .argument("<spec>", "the workload: echo, unique-ids, broadcast, lin-kv (or raft)")
    .action(async (spec: string) => {
      exit.code = await runMaelstrom(spec, { stdout: io.stdout, stderr: io.stderr });
    });

  cli
    .command("run")
    .description("run a spec's reducers as a real cluster on 127.0.0.1 with a nemesis; record the clients' history")
    .argument("<spec>", "a protocol: a catalogue name or a path to your own file (./my-protocol.ts)")
    .option("--nodes <n>", "node processes (default: the model's count; raft's is 3)", positiveInt("--nodes"))
    .option("--duration <seconds>", "how long the workload runs", positiveNumber("--duration"), 30)
    .option("--nemesis <faults>", "comma-separated: partition, kill, delay, duplicate, isolate-leader (default: none)")
    .option("--rate <ops>", "client operations per second, all clients together", positiveNumber("--rate"), 200)
    .option("--closed-loop", "each client invokes its next operation when the previous completes (instead of --rate)")
    .option("--seed <n>", "seed of the nemesis schedule and the workload", integer("--seed"), 1)
    .requiredOption("--history <file>", "where to write the history (JSON Lines, for `interleave lincheck`)")
    .option("--variant <name>", "run a broken variant's reducers")
    .option(
      "--param <name=value>",
      "runtime or model parameter, e.g. electionMinMs=150 or checkQuorum=term (repeatable)",
      collectParam,
    )
    .addOption(new Option("--transport <kind>", "network transport").choices(TRANSPORTS).default("tcp" as const))
    .option("--clients <n>", "concurrent clients", positiveInt("--clients"), 5)
    .option("--keys <n>", "keys the workload uses", positiveInt("--keys"), 3)
    .option("--dir <dir>", "run directory for input logs and durable files (default: interleave-runs/<spec>-<time>)")
    .option("--json <file>", "write the summary as JSON to a file, or - for stdout")
    .option("--verbose", "log cluster and nemesis events to stderr")
    .action(async (spec: string, opts) => {
      if (opts.nodes !== undefined && opts.nodes > 9) throw new UsageError("--nodes must be at most 9");
      exit.code = await runCommand(spec, opts, io);
    });

  cli
    .command("conform")
    .description(
      "replay each node's recorded inputs of a run through the spec's reducer; report the first output that differs",
    )
    .argument("<dir>", "a run directory written by `interleave run`")
    .option("--variant <name>", "replay against this variant instead of the one that ran (none: the correct protocol)")
    .option("--json <file>", "write the result as JSON to a file, or - for stdout")
    .action(async (dir: string, opts) => {
      exit.code = await conformCommand(dir, opts, io);
    });

  return cli;
}

/**
 * Runs the CLI on `argv` (without the node and script names) and returns the exit code.
 * @example await runCli(["check", "two-phase-commit", "--param", "rms=5"])
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const exit = { code: 0 };
  try {
    await program(io, exit).parseAsync([...argv], { from: "user" });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (INPUT_ERRORS.some((E) => error instanceof E)) {
      io.stderr(`interleave: ${(error as Error).message}\n`);
      if (argv.includes("--debug") && error instanceof Error) io.stderr(`${error.stack}\n`);
      return 2;
    }
    // The contract allows exit codes 0-3 only: an unexpected error is reported as bad input, with a way to see the
    // stack.
    io.stderr(
      `interleave: internal error (please report it): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}${argv.includes("--debug") ? "" : " (--debug prints the stack)"}\n`,
    );
    if ((argv.includes("--debug") || process.env["INTERLEAVE_DEBUG"]) && error instanceof Error)
      io.stderr(`${error.stack}\n`);
    return 2;
  }
}

/**
 * Ctrl-C during a check: the first ends the search with the partial report
 * (exit 3); a second exits at once, still with 3.
 */
function onInterrupt(io: CliIo): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      io.stderr("\ninterleave: interrupted; finishing the report (Ctrl-C again to quit at once)\n");
      controller.abort();
    } else {
      process.exit(3);
    }
  };
  process.on("SIGINT", handler);
  return { signal: controller.signal, dispose: () => void process.off("SIGINT", handler) };
}

/** Entry point of `bin/interleave.js` (which imports it from dist/, where knip cannot follow). @public */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
