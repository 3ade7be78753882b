/**
 * `interleave run` and `interleave conform`: the real-network runtime from
 * the command line (src/runtime/run.ts and conform.ts do the work).
 */
import yoctoSpinner from "yocto-spinner";
import {
  conform,
  formatConform,
  formatRunSummary,
  parseNemesis,
  readRunRecord,
  runCluster,
  runExitCode,
  type TransportKind,
} from "../../src/runtime/index.js";
import { OptionError, ParamError, UnknownChoiceError, type Spec } from "../../src/index.js";
import type { CliIo } from "../cli.js";
import { UsageError } from "../load.js";
import { assertWritable, assertWritableDir, writeOutput } from "../output-paths.js";
import { resolveRunSpec, specOfRun } from "./spec.js";

/** The options of `interleave run`, as parsed. */
export interface RunCommandOptions {
  readonly nodes?: number;
  readonly duration: number;
  readonly nemesis?: string;
  readonly rate: number;
  readonly closedLoop?: boolean;
  readonly seed: number;
  readonly history: string;
  readonly variant?: string;
  readonly param?: Record<string, string> | undefined;
  readonly transport: TransportKind;
  readonly clients: number;
  readonly keys: number;
  readonly dir?: string;
  readonly json?: string;
  readonly verbose?: boolean;
}

/** Errors that already say what is wrong with the input: passed on as they are (the CLI prints them, exit 2). */
function isInputError(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    error instanceof OptionError ||
    error instanceof ParamError ||
    error instanceof UnknownChoiceError
  );
}

/**
 * Anything else a command meets (the network, the file system, a damaged
 * file this code did not foresee) still ends in one line and exit 2, never
 * an internal error: `what` says which command and on what.
 */
function asInputError(error: unknown, what: string): unknown {
  if (isInputError(error)) return error;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (process.env["INTERLEAVE_DEBUG"] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return new UsageError(`${what}: ${message}`);
}

/**
 * Runs `interleave run`; returns the exit code: 0 the run completed (check
 * its history with lincheck), 1 a reducer threw, 3 incomplete (a node died
 * outside the nemesis, a restart failed, the run overran its grace).
 */
export async function runCommand(spec: string, opts: RunCommandOptions, io: CliIo): Promise<number> {
  try {
    return await runChecked(spec, opts, io);
  } catch (error) {
    throw asInputError(error, `run ${spec}`);
  }
}

async function runChecked(arg: string, opts: RunCommandOptions, io: CliIo): Promise<number> {
  const { spec, ref, specFile } = await resolveRunSpec(arg);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = opts.dir ?? `interleave-runs/${spec.name}-${stamp}`;
  // Outputs are checked before the cluster starts: a run whose history cannot be written is lost.
  assertWritable(opts.history, "--history");
  if (opts.json !== undefined) assertWritable(opts.json, "--json");
  assertWritableDir(dir, "--dir");
  // A live line on a terminal only (--verbose logs events instead).
  const spinner =
    (io.progress ?? process.stderr.isTTY) && !opts.verbose
      ? yoctoSpinner({ text: "starting the cluster", stream: process.stderr }).start()
      : undefined;
  const summary = await runCluster({
    spec,
    specRef: ref,
    specFile,
    variant: opts.variant,
    nodes: opts.nodes,
    durationS: opts.duration,
    nemesis: parseNemesis(opts.nemesis ?? ""),
    rate: opts.rate,
    closedLoop: opts.closedLoop === true,
    seed: opts.seed,
    history: opts.history,
    dir,
    transport: opts.transport,
    params: opts.param ?? {},
    clients: opts.clients,
    keys: opts.keys,
    ...(opts.verbose ? { log: (line: string) => io.stderr(`${line}\n`) } : {}),
    ...(spinner === undefined
      ? {}
      : {
          onProgress: (p) => {
            const n = (x: number) => x.toLocaleString("en-US");
            spinner.text = `${(p.elapsedMs / 1000).toFixed(0)} of ${opts.duration} s: ${n(p.ok)} ok, ${n(p.fail)} fail, ${n(p.info)} info; leader ${p.leader ?? "none"}${p.nemesis === undefined ? "" : `; nemesis ${p.nemesis}`}`;
          },
        }),
  }).finally(() => spinner?.stop());
  const json = `${JSON.stringify(summary)}\n`;
  if (opts.json === "-") io.stdout(json);
  else {
    if (opts.json !== undefined) writeOutput(opts.json, json, "--json");
    io.stdout(`${formatRunSummary(summary)}\n`);
  }
  return runExitCode(summary);
}

/** Runs `interleave conform`; 0 when every node conforms, 1 at the first divergence. */
export async function conformCommand(
  dir: string,
  opts: { readonly variant?: string; readonly json?: string },
  io: CliIo,
): Promise<number> {
  try {
    // Outputs are checked first, as everywhere.
    if (opts.json !== undefined) assertWritable(opts.json, "--json");
    return conformChecked(dir, await specOfRun(readRunRecord(dir)), opts, io);
  } catch (error) {
    throw asInputError(error, `conform ${dir}: cannot replay the run`);
  }
}

function conformChecked(
  dir: string,
  spec: Spec<unknown>,
  opts: { readonly variant?: string; readonly json?: string },
  io: CliIo,
): number {
  const variant = opts.variant === undefined ? undefined : opts.variant === "none" ? null : opts.variant;
  if (opts.json !== undefined) assertWritable(opts.json, "--json");
  const result = conform(dir, variant === undefined ? { spec } : { spec, variant });
  if (opts.json === "-") io.stdout(`${JSON.stringify(result)}\n`);
  else {
    if (opts.json !== undefined) writeOutput(opts.json, `${JSON.stringify(result)}\n`, "--json");
    io.stdout(`${formatConform(result)}\n`);
  }
  return result.divergence === undefined ? 0 : 1;
}
