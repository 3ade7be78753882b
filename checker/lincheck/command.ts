/**
 * `interleave lincheck FILE...`: checks recorded histories for
 * linearizability (or sequential, causal or session consistency).
 *
 * Exit codes over all files: 1 if any history is inconsistent, else 3 if any
 * check ran out of budget, else 0; 2 for bad input (one line naming the file
 * and line, no stack trace).
 */
import { basename, extname } from "node:path";
import {
  checkHistory,
  CONSISTENCY_NAMES,
  defaultMaxResidentBytes,
  formatViolations,
  HistoryInputError,
  HistoryParseError,
  modelByName,
  readHistoryFile,
  renderHtmlReport,
  type AnyModel,
  type CheckProgress,
  type CheckReport,
  type Consistency,
  type ParsedHistory,
  type SessionGuarantee,
} from "../../src/history/index.js";
import { UsageError } from "../load.js";
import { assertWritable, writeOutput } from "../output-paths.js";
import { guessModel, isModelPath, loadModelFile } from "./load-model.js";
import { createLincheckProgress } from "./progress.js";

/** Options of {@link runLincheck}, as the CLI parses them. */
export interface LincheckOptions {
  /** `register`, `kv`, or a path to a module exporting a model; default: chosen from the format. */
  readonly model?: string;
  /** `etcd`, `kv` or `jsonl` (and aliases); default: detected per file. */
  readonly format?: string;
  /** `linearizable` (default), `sequential`, `causal`, `session`, or one session guarantee. */
  readonly consistency?: string;
  /** Time limit per file, in seconds. */
  readonly timeout?: number;
  /**
   * Memory limit in MiB: the process's resident memory and the search tables
   * stay below it (default: half the physical memory, or the container's
   * limit when smaller).
   */
  readonly maxMemory?: number;
  /** Where to write one JSON line per file; `-` for stdout. */
  readonly json?: string;
  /** Where to write the HTML report (with several files, one per file: `out-<name>.html`). */
  readonly html?: string;
}

/** Where the command writes. */
export interface LincheckIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether to show a live progress line on stderr (default: stderr is a terminal). */
  readonly progress?: boolean;
}

/** One JSON line of `--json`. */
export interface LincheckJsonLine {
  readonly file: string;
  readonly model: string;
  /** `linearizable` (or the consistency checked, e.g. `sequential`), `violation` or `unknown`. */
  readonly result: string;
  readonly operations: number;
  readonly partitions: number;
  readonly durationMs: number;
}

/**
 * Runs the lincheck command and returns its exit code.
 *
 * @example
 * const io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };
 * const code = await runLincheck(["h.log"], { timeout: 60 }, io);
 */
export async function runLincheck(files: string[], opts: LincheckOptions, io: LincheckIo): Promise<number> {
  const current: { file: string | undefined } = { file: undefined };
  try {
    return await run(files, opts, io, current);
  } catch (error) {
    if (error instanceof HistoryParseError || error instanceof HistoryInputError || error instanceof UsageError) {
      io.stderr(`interleave lincheck: ${error.message}\n`);
      return 2;
    }
    // Anything else is still answered within the exit-code contract: one line naming the file.
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const where = current.file === undefined ? "" : `${current.file}: `;
    io.stderr(`interleave lincheck: ${where}cannot check: ${message} (INTERLEAVE_DEBUG=1 prints the stack)\n`);
    if (process.env["INTERLEAVE_DEBUG"] && error instanceof Error) io.stderr(`${error.stack}\n`);
    return 2;
  }
}

async function run(
  files: string[],
  opts: LincheckOptions,
  io: LincheckIo,
  current: { file: string | undefined },
): Promise<number> {
  if (files.length === 0) throw new HistoryInputError("no history files given");
  const consistency = (opts.consistency ?? "linearizable") as Consistency | SessionGuarantee;
  if (!CONSISTENCY_NAMES.includes(consistency)) {
    throw new HistoryInputError(
      `unknown consistency "${opts.consistency}"; choose one of ${CONSISTENCY_NAMES.join(", ")}`,
    );
  }
  if (opts.timeout !== undefined && !(opts.timeout > 0))
    throw new HistoryInputError(`--timeout must be a positive number of seconds, got ${opts.timeout}`);
  if (opts.maxMemory !== undefined && !(opts.maxMemory > 0))
    throw new HistoryInputError(`--max-memory must be a positive number of MB, got ${opts.maxMemory}`);
  // Outputs are checked before any work: a result computed and then lost is worse than none.
  if (opts.json !== undefined) assertWritable(opts.json, "--json");
  const htmlTargets =
    opts.html === undefined ? [] : files.length === 1 ? [opts.html] : files.map((f) => perFile(opts.html!, f));
  for (const target of htmlTargets) assertWritable(target, "--html");
  const fixed = await fixedModel(opts.model);
  // Parse everything first: bad input anywhere is exit 2 before any checking.
  const parsed: ParsedHistory[] = [];
  for (const file of files) {
    current.file = file;
    parsed.push(await readHistoryFile(file, opts.format === undefined ? {} : { format: opts.format }));
  }

  const readWrite = consistency !== "linearizable" && consistency !== "sequential";
  const human = opts.json === "-" ? io.stderr : io.stdout;
  const jsonLines: string[] = [];
  let violation = false;
  let unknown = false;
  const progress = (io.progress ?? process.stderr.isTTY === true) ? createLincheckProgress(io.stderr) : undefined;
  for (const [index, history] of parsed.entries()) {
    current.file = history.file;
    const chosen = readWrite ? { name: "read-write", model: undefined } : (fixed ?? guessModel(history));
    let report: CheckReport;
    try {
      report = checkOne(history, consistency, chosen.model, opts, progress?.forFile(history.file));
    } finally {
      progress?.clear();
    }
    violation ||= report.result === "violation";
    unknown ||= report.result === "unknown";
    human(summary(history.file, chosen.name, report, chosen.model, consistency));
    const line: LincheckJsonLine = {
      file: history.file,
      model: chosen.name,
      result: report.result,
      operations: report.operations,
      partitions: report.partitions,
      durationMs: Math.round(report.durationMs * 1000) / 1000,
    };
    jsonLines.push(JSON.stringify(line));
    const target = htmlTargets[index];
    if (target !== undefined) {
      writeOutput(
        target,
        renderHtmlReport({
          title: history.file,
          history: history.events,
          report,
          ...(chosen.model === undefined ? {} : { model: chosen.model }),
        }),
        "--html",
      );
    }
  }
  if (opts.json === "-") io.stdout(jsonLines.map((l) => l + "\n").join(""));
  else if (opts.json !== undefined) writeOutput(opts.json, jsonLines.map((l) => l + "\n").join(""), "--json");
  return violation ? 1 : unknown ? 3 : 0;
}

/** The model given with `--model`, loaded once for all files. */
async function fixedModel(arg: string | undefined): Promise<{ name: string; model: AnyModel } | undefined> {
  if (arg === undefined) return undefined;
  if (!isModelPath(arg)) return { name: arg, model: modelByName(arg) };
  const model = await loadModelFile(arg);
  return { name: model.name ?? basename(arg), model };
}

function checkOne(
  history: ParsedHistory,
  consistency: Consistency | SessionGuarantee,
  model: AnyModel | undefined,
  opts: LincheckOptions,
  onProgress: ((p: CheckProgress) => void) | undefined,
): CheckReport {
  try {
    const maxBytes = opts.maxMemory === undefined ? undefined : opts.maxMemory * 1024 * 1024;
    return checkHistory(history.events, {
      consistency,
      ...(model === undefined ? {} : { model }),
      ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout * 1000 }),
      // --max-memory bounds the tables and the whole process; without it, the process stops at the default.
      ...(maxBytes === undefined ? {} : { maxMemoryBytes: maxBytes }),
      maxResidentBytes: maxBytes ?? defaultMaxResidentBytes(),
      ...(onProgress === undefined ? {} : { onProgress }),
    });
  } catch (error) {
    // Locate a model's complaint about an operation at that operation's line.
    if (error instanceof HistoryInputError && error.operation !== undefined) {
      const line = history.lines[error.operation.call] ?? error.operation.call + 1;
      throw new HistoryParseError({ file: history.file, line }, error.message);
    }
    if (error instanceof HistoryInputError) throw new HistoryInputError(`${history.file}: ${error.message}`);
    // A model whose states nest too deep (or cycle) for the recursive helpers, or the causal search's recursion.
    if (error instanceof RangeError && /call stack/.test(error.message)) {
      throw new HistoryInputError(
        `${history.file}: the check ran out of stack: model states nested too deeply or cyclic, or a history too long for the ${consistency} check (${error.message})`,
      );
    }
    throw error;
  }
}

/** The verdict in words: what holds, or what does not. */
const VERDICTS: Readonly<Record<string, readonly [holds: string, fails: string]>> = {
  linearizable: ["linearizable", "not linearizable"],
  sequential: ["sequentially consistent", "not sequentially consistent"],
  causal: ["causally consistent", "not causally consistent"],
  session: ["satisfies the session guarantees", "violates the session guarantees"],
};

function verdict(consistency: Consistency | SessionGuarantee, holds: boolean): string {
  const words = VERDICTS[consistency] ?? [`satisfies ${consistency}`, `violates ${consistency}`];
  return holds ? words[0] : words[1];
}

function summary(
  file: string,
  model: string,
  report: CheckReport,
  modelObject: AnyModel | undefined,
  consistency: Consistency | SessionGuarantee,
): string {
  const counts = `${report.operations.toLocaleString("en-US")} operation${report.operations === 1 ? "" : "s"}, ${report.partitions.toLocaleString("en-US")} partition${report.partitions === 1 ? "" : "s"}, model ${model}, ${report.durationMs.toFixed(1)} ms`;
  if (report.result === "violation") {
    const explanation = formatViolations(report.violations, modelObject)
      .split("\n")
      .map((l) => "  " + l)
      .join("\n");
    return `${file}: ${verdict(consistency, false)} (${counts})\n${explanation}\n`;
  }
  if (report.result === "unknown") return `${file}: unknown (${report.message}; ${counts})\n`;
  return `${file}: ${verdict(consistency, true)} (${counts})\n`;
}

function perFile(target: string, file: string): string {
  const ext = extname(target);
  const stem = ext === "" ? target : target.slice(0, -ext.length);
  return `${stem}-${basename(file).replace(/\.[^.]*$/, "")}${ext === "" ? ".html" : ext}`;
}
