/**
 * The `interleave` command line: list, check (and lincheck, from the history
 * checkers). Exit codes: 0 all properties hold, 1 a property is violated,
 * 2 bad usage or input, 3 incomplete (a limit was hit).
 */
import { writeFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import {
  NotPlainDataError,
  OptionError,
  ParamError,
  paramTypeName,
  SpecDefinitionError,
  SpecRuntimeError,
  UnknownChoiceError,
  type Spec,
} from "../src/index.js";
import { catalogue } from "../specs/index.js";
import { checkSpecByName } from "./check.js";
import { runLincheck } from "./lincheck/command.js";
import { runMaelstrom } from "../src/runtime/maelstrom.js";
import { TRANSPORTS } from "../src/runtime/transport.js";
import { toHtml, toItf, toMermaid } from "../src/trace-formats.js";
import { conformCommand, runCommand } from "./run/command.js";
import { UsageError } from "./load.js";
import { createProgress } from "./progress.js";
import { replayHint, ReplayPathError, type RandomReport } from "./random.js";
import { exitCodeOf, formatReportText, summaryLine, type Report } from "./report.js";

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
const INPUT_ERRORS = [UsageError, ReplayPathError, ParamError, UnknownChoiceError, OptionError, SpecDefinitionError, SpecRuntimeError, NotPlainDataError];

function positiveInt(name: string) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${text}"`);
    return Number(text);
  };
}

function integer(name: string) {
  return (text: string): number => {
    if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new InvalidArgumentError(`${name} must be an integer, got "${text}"`);
    return Number(text);
  };
}

function positiveNumber(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number of seconds, got "${text}"`);
    return n;
  };
}

function collectParam(text: string, previous: Record<string, string>): Record<string, string> {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`--param takes name=value, got "${text}"`);
  return { ...previous, [text.slice(0, eq)]: text.slice(eq + 1) };
}

/** A spec's listing entry, as `list --json` prints it. */
export function listEntry(spec: Spec<unknown>) {
  return {
    name: spec.name,
    description: spec.description,
    params: Object.entries(spec.params).map(([name, def]) => ({
      name,
      type: paramTypeName(def),
      default: def.default,
      ...(def.description === undefined ? {} : { description: def.description }),
    })),
    properties: spec.properties.map((p) => ({ name: p.name, kind: p.kind })),
    variants: spec.variants.map((v) => ({
      name: v.name,
      ...(v.violates === undefined ? {} : { violates: v.violates }),
      ...(v.params === undefined ? {} : { params: v.params }),
    })),
  };
}

function listText(specs: readonly Spec<unknown>[]): string {
  const lines: string[] = [];
  for (const spec of specs) {
    lines.push(`${spec.name}: ${spec.description}`);
    const params = Object.entries(spec.params).map(([n, d]) => `${n}=${String(d.default)} (${paramTypeName(d)})`);
    if (params.length > 0) lines.push(`  params:     ${params.join(", ")}`);
    lines.push(`  properties: ${spec.properties.map((p) => `${p.name} (${p.kind})`).join(", ")}`);
    for (const v of spec.variants.filter((x) => x.name !== "default")) {
      const bounds = v.params ? ` [${Object.entries(v.params).map(([k, x]) => `${k}=${String(x)}`).join(", ")}]` : "";
      lines.push(`  variant ${v.name}${bounds}: ${v.description}${v.violates ? ` (violates ${v.violates})` : ""}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function formatTrace(report: Report, format: string): string {
  const trace = report.trace ?? [];
  const source = { spec: report.spec, variant: report.variant, property: report.property, params: report.params };
  switch (format) {
    case "json":
      return `${JSON.stringify(trace, null, 2)}\n`;
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
    .exitOverride()
    .configureOutput({
      writeOut: (t) => io.stdout(t),
      writeErr: (t) => io.stderr(t),
      // One line, as every exit-2 answer: commander puts "(Did you mean ...?)" on a line of its own.
      outputError: (t) => io.stderr(`interleave: ${t.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " ")}\n`),
    })
    .showSuggestionAfterError(true);

  cli
    .command("list")
    .description("list the spec catalogue: parameters, properties, variants")
    .option("--json", "print JSON")
    .action((opts) => {
      io.stdout(opts.json ? `${JSON.stringify(catalogue.map(listEntry), null, 2)}\n` : listText(catalogue));
      exit.code = 0;
    });

  cli
    .command("check")
    .description("explore every reachable state of a spec and check its properties")
    .argument("<spec>", "a catalogue name or a path to a .ts/.js file exporting a spec")
    .option("--variant <name>", "check a variant (see `interleave list`)")
    .option("--param <name=value>", "set a parameter (repeatable)", collectParam, {} as Record<string, string>)
    .addOption(new Option("--strategy <strategy>", "search strategy").choices(["bfs", "dfs", "random"] as const).default("bfs" as const))
    .option("--workers <n>", "worker threads for breadth-first search (default 1; same counts with any number)", positiveInt("--workers"))
    .option("--max-states <n>", "stop after this many distinct states (result incomplete)", positiveInt("--max-states"))
    .option("--max-depth <n>", "do not explore beyond this many steps (result incomplete); random: steps per walk (default 100)", positiveInt("--max-depth"))
    .option("--seed <n>", "random: seed of the walks (default: a random seed, always printed)", integer("--seed"))
    .option("--runs <n>", "random: number of walks (default 10000)", positiveInt("--runs"))
    .option("--replay-path <path>", "random: replay this path (printed with a violation, e.g. 0:3:1) instead of searching")
    .option("--timeout <seconds>", "stop after this long (result incomplete)", positiveNumber("--timeout"))
    .option("--max-memory <MB>", "stop before resident memory reaches this many MiB (result incomplete)", positiveInt("--max-memory"))
    .option("--symmetry", "store one state per orbit of the spec's interchangeable nodes")
    .option("--json <file>", "write the JSON report to a file, or - for stdout")
    .addOption(new Option("--trace-format <format>", "format of the trace").choices(["text", "json", "itf", "mermaid", "html"] as const).default("text" as const))
    .option("--out <file>", "write the trace to a file (without it, a --trace-format other than text goes to stdout)")
    .action(async (specArg, opts) => {
      if (opts.strategy !== "random" && (opts.seed !== undefined || opts.runs !== undefined || opts.replayPath !== undefined)) {
        throw new UsageError("--seed, --runs and --replay-path apply to --strategy random");
      }
      const progress = io.progress ?? process.stderr.isTTY ? createProgress() : undefined;
      let report: Report;
      try {
        report = await checkSpecByName(specArg, {
          ...(opts.workers === undefined ? {} : { workers: opts.workers }),
          strategy: opts.strategy,
          params: opts.param,
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
      } finally {
        progress?.stop();
      }
      const json = `${JSON.stringify(report)}\n`;
      // Every random run prints what repeats it.
      const replay = opts.strategy === "random" ? `${replayHint(report as RandomReport, specArg)}\n` : "";
      // A trace format other than text, without --out, takes stdout; the summary goes to stderr.
      const traceToStdout = opts.out === undefined && opts.traceFormat !== "text" && opts.json !== "-";
      if (opts.json === "-" || traceToStdout) {
        io.stdout(traceToStdout ? formatTrace(report, opts.traceFormat) : json);
        io.stderr(`${summaryLine(report)}\n${replay}`);
        if (traceToStdout && opts.json !== undefined) writeFileSync(opts.json, json);
      } else {
        if (opts.json !== undefined) writeFileSync(opts.json, json);
        io.stdout(`${formatReportText(report)}\n${replay}`);
      }
      if (opts.out !== undefined) writeFileSync(opts.out, formatTrace(report, opts.traceFormat));
      exit.code = exitCodeOf(report);
    });

  cli
    .command("lincheck")
    .description("check recorded histories for linearizability (or sequential, causal, session consistency)")
    .argument("<files...>", "histories: Jepsen etcd logs, Jepsen kv lines, or JSON Lines of events")
    .option("--model <model>", "register, kv, or a path to a .ts/.js module exporting a model (default: from the format)")
    .option("--format <format>", "etcd, kv or jsonl (default: detected per file)")
    .option("--consistency <model>", "linearizable (default), sequential, causal, session, or one session guarantee")
    .option("--timeout <seconds>", "time limit per file (result unknown when reached)", positiveNumber("--timeout"))
    .option("--max-memory <MB>", "memory limit for the search (result unknown when reached)", positiveInt("--max-memory"))
    .option("--json <file>", "one JSON line per file, to a file or - for stdout")
    .option("--html <file>", "write a self-contained HTML report")
    .action(async (files: string[], opts) => {
      exit.code = await runLincheck(files, opts, io);
    });

  cli
    .command("maelstrom")
    .description("run a Maelstrom node on stdin/stdout: echo, unique-ids, broadcast, raft (lin-kv)")
    .argument("<spec>", "echo, unique-ids, broadcast or raft (lin-kv)")
    .action(async (spec: string) => {
      exit.code = await runMaelstrom(spec, { stdout: io.stdout, stderr: io.stderr });
    });

  cli
    .command("run")
    .description("run a spec's reducers as a real cluster on 127.0.0.1 with a nemesis; record the clients' history")
    .argument("<spec>", "a spec with a runtime binding (raft)")
    .option("--nodes <n>", "node processes", positiveInt("--nodes"), 3)
    .option("--duration <seconds>", "how long the workload runs", positiveNumber("--duration"), 30)
    .option("--nemesis <faults>", "comma-separated: partition, kill, delay, duplicate, isolate-leader (default: none)")
    .option("--rate <ops>", "client operations per second, all clients together", positiveNumber("--rate"), 200)
    .option("--seed <n>", "seed of the nemesis schedule and the workload", integer("--seed"), 1)
    .requiredOption("--history <file>", "where to write the history (JSON Lines, for `interleave lincheck`)")
    .option("--variant <name>", "run a broken variant's reducers")
    .option("--param <name=value>", "runtime parameter, e.g. electionMinMs=150 (repeatable)", collectParam, {} as Record<string, string>)
    .addOption(new Option("--transport <kind>", "network transport").choices(TRANSPORTS).default("tcp" as const))
    .option("--clients <n>", "concurrent clients", positiveInt("--clients"), 5)
    .option("--keys <n>", "keys the workload uses", positiveInt("--keys"), 3)
    .option("--dir <dir>", "run directory for input logs and durable files (default: interleave-runs/<spec>-<time>)")
    .option("--json <file>", "write the summary as JSON to a file, or - for stdout")
    .option("--verbose", "log cluster and nemesis events to stderr")
    .action(async (spec: string, opts) => {
      if (opts.nodes > 9) throw new UsageError("--nodes must be at most 9");
      exit.code = await runCommand(spec, opts, io);
    });

  cli
    .command("conform")
    .description("replay each node's recorded inputs of a run through the spec's reducer; report the first output that differs")
    .argument("<dir>", "a run directory written by `interleave run`")
    .option("--variant <name>", "replay against this variant instead of the one that ran (none: the correct protocol)")
    .option("--json <file>", "write the result as JSON to a file, or - for stdout")
    .action((dir: string, opts) => {
      exit.code = conformCommand(dir, opts, io);
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
      return 2;
    }
    io.stderr(`interleave: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env["INTERLEAVE_DEBUG"] && error instanceof Error) io.stderr(`${error.stack}\n`);
    return 70;
  }
}

/** Entry point of `bin/interleave.js`. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}
