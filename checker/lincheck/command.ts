/**
 * `interleave lincheck FILE...`: checks recorded histories for
 * linearizability (or sequential, causal or session consistency).
 *
 * Exit codes over all files: 1 if any history is inconsistent, else 3 if any
 * check ran out of budget, else 0; 2 for bad input (one line naming the file
 * and line, no stack trace).
 */
import { writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import {
  checkHistory,
  CONSISTENCY_NAMES,
  formatViolations,
  HistoryInputError,
  HistoryParseError,
  MODELS,
  readHistoryFile,
  renderHtmlReport,
  type AnyModel,
  type CheckReport,
  type Consistency,
  type ParsedHistory,
  type SessionGuarantee,
} from "../../src/history/index.js";
import { guessModel, isModelPath, loadModelFile } from "./load-model.js";

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
  /** Memory limit for the search tables, in MB. */
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
 * const code = await runLincheck(["h.log"], { timeout: 60 }, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
 */
export async function runLincheck(files: string[], opts: LincheckOptions, io: LincheckIo): Promise<number> {
  try {
    return await run(files, opts, io);
  } catch (error) {
    if (error instanceof HistoryParseError || error instanceof HistoryInputError) {
      io.stderr(`interleave lincheck: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function run(files: string[], opts: LincheckOptions, io: LincheckIo): Promise<number> {
  if (files.length === 0) throw new HistoryInputError("no history files given");
  const consistency = (opts.consistency ?? "linearizable") as Consistency | SessionGuarantee;
  if (!CONSISTENCY_NAMES.includes(consistency)) {
    throw new HistoryInputError(`unknown consistency "${opts.consistency}"; choose one of ${CONSISTENCY_NAMES.join(", ")}`);
  }
  if (opts.timeout !== undefined && !(opts.timeout > 0)) throw new HistoryInputError(`--timeout must be a positive number of seconds, got ${opts.timeout}`);
  if (opts.maxMemory !== undefined && !(opts.maxMemory > 0)) throw new HistoryInputError(`--max-memory must be a positive number of MB, got ${opts.maxMemory}`);
  const fixed = await fixedModel(opts.model);
  // Parse everything first: bad input anywhere is exit 2 before any checking.
  const parsed: ParsedHistory[] = [];
  for (const file of files) parsed.push(await readHistoryFile(file, opts.format === undefined ? {} : { format: opts.format }));

  const readWrite = consistency !== "linearizable" && consistency !== "sequential";
  const human = opts.json === "-" ? io.stderr : io.stdout;
  const jsonLines: string[] = [];
  let violation = false;
  let unknown = false;
  for (const history of parsed) {
    const chosen = readWrite ? { name: "read-write", model: undefined } : (fixed ?? guessModel(history));
    const report = checkOne(history, consistency, chosen.model, opts);
    violation ||= report.result === "violation";
    unknown ||= report.result === "unknown";
    human(summary(history.file, chosen.name, report, chosen.model));
    const line: LincheckJsonLine = {
      file: history.file,
      model: chosen.name,
      result: report.result,
      operations: report.operations,
      partitions: report.partitions,
      durationMs: Math.round(report.durationMs * 1000) / 1000,
    };
    jsonLines.push(JSON.stringify(line));
    if (opts.html !== undefined) {
      const target = parsed.length === 1 ? opts.html : perFile(opts.html, history.file);
      writeFileSync(target, renderHtmlReport({ title: history.file, history: history.events, report, ...(chosen.model === undefined ? {} : { model: chosen.model }) }));
    }
  }
  if (opts.json === "-") io.stdout(jsonLines.map((l) => l + "\n").join(""));
  else if (opts.json !== undefined) writeFileSync(opts.json, jsonLines.map((l) => l + "\n").join(""));
  return violation ? 1 : unknown ? 3 : 0;
}

/** The model given with `--model`, loaded once for all files. */
async function fixedModel(arg: string | undefined): Promise<{ name: string; model: AnyModel } | undefined> {
  if (arg === undefined) return undefined;
  if (!isModelPath(arg)) {
    const model = MODELS[arg];
    if (model === undefined) throw new HistoryInputError(`unknown model "${arg}"; built-in models: ${Object.keys(MODELS).join(", ")} (or a path to a .ts/.js module)`);
    return { name: arg, model };
  }
  const model = await loadModelFile(arg);
  return { name: model.name ?? basename(arg), model };
}

function checkOne(history: ParsedHistory, consistency: Consistency | SessionGuarantee, model: AnyModel | undefined, opts: LincheckOptions): CheckReport {
  try {
    return checkHistory(history.events, {
      consistency,
      ...(model === undefined ? {} : { model }),
      ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout * 1000 }),
      ...(opts.maxMemory === undefined ? {} : { maxMemoryBytes: opts.maxMemory * 1024 * 1024 }),
    });
  } catch (error) {
    // Locate a model's complaint about an operation at that operation's line.
    if (error instanceof HistoryInputError && error.operation !== undefined) {
      const line = history.lines[error.operation.call] ?? error.operation.call + 1;
      throw new HistoryParseError({ file: history.file, line }, error.message);
    }
    if (error instanceof HistoryInputError) throw new HistoryInputError(`${history.file}: ${error.message}`);
    throw error;
  }
}

function summary(file: string, model: string, report: CheckReport, modelObject: AnyModel | undefined): string {
  const counts = `${report.operations} operations, ${report.partitions} partition${report.partitions === 1 ? "" : "s"}, model ${model}, ${report.durationMs.toFixed(1)} ms`;
  if (report.result === "violation") {
    const explanation = formatViolations(report.violations, modelObject)
      .split("\n")
      .map((l) => "  " + l)
      .join("\n");
    return `${file}: violation (${report.consistency}; ${counts})\n${explanation}\n`;
  }
  if (report.result === "unknown") return `${file}: unknown (${report.message}; ${counts})\n`;
  return `${file}: ${report.result} (${counts})\n`;
}

function perFile(target: string, file: string): string {
  const ext = extname(target);
  const stem = ext === "" ? target : target.slice(0, -ext.length);
  return `${stem}-${basename(file).replace(/\.[^.]*$/, "")}${ext === "" ? ".html" : ext}`;
}
