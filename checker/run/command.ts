/**
 * `interleave run` and `interleave conform`: the real-network runtime from
 * the command line (src/runtime/run.ts and conform.ts do the work).
 */
import { writeFileSync } from "node:fs";
import yoctoSpinner from "yocto-spinner";
import { conform, formatConform } from "../../src/runtime/conform.js";
import { parseNemesis } from "../../src/runtime/nemesis.js";
import { formatRunSummary, runCluster } from "../../src/runtime/run.js";
import type { TransportKind } from "../../src/runtime/transport.js";
import type { CliIo } from "../cli.js";

/** The options of `interleave run`, as parsed. */
export interface RunCommandOptions {
  readonly nodes: number;
  readonly duration: number;
  readonly nemesis?: string;
  readonly rate: number;
  readonly seed: number;
  readonly history: string;
  readonly variant?: string;
  readonly param: Record<string, string>;
  readonly transport: TransportKind;
  readonly clients: number;
  readonly keys: number;
  readonly dir?: string;
  readonly json?: string;
  readonly verbose?: boolean;
}

/** Runs `interleave run`; returns the exit code (0: the run completed; check its history with lincheck). */
export async function runCommand(spec: string, opts: RunCommandOptions, io: CliIo): Promise<number> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = opts.dir ?? `interleave-runs/${spec}-${stamp}`;
  // A live line on a terminal only (--verbose logs events instead).
  const spinner = (io.progress ?? process.stderr.isTTY) && !opts.verbose ? yoctoSpinner({ text: "starting the cluster", stream: process.stderr }).start() : undefined;
  const summary = await runCluster({
    spec,
    variant: opts.variant,
    nodes: opts.nodes,
    durationS: opts.duration,
    nemesis: parseNemesis(opts.nemesis ?? ""),
    rate: opts.rate,
    seed: opts.seed,
    history: opts.history,
    dir,
    transport: opts.transport,
    params: opts.param,
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
    if (opts.json !== undefined) writeFileSync(opts.json, json);
    io.stdout(`${formatRunSummary(summary)}\n`);
  }
  return 0;
}

/** Runs `interleave conform`; 0 when every node conforms, 1 at the first divergence. */
export function conformCommand(dir: string, opts: { readonly variant?: string; readonly json?: string }, io: CliIo): number {
  const variant = opts.variant === undefined ? undefined : opts.variant === "none" ? null : opts.variant;
  const result = conform(dir, variant === undefined ? {} : { variant });
  if (opts.json === "-") io.stdout(`${JSON.stringify(result)}\n`);
  else {
    if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify(result)}\n`);
    io.stdout(`${formatConform(result)}\n`);
  }
  return result.divergence === undefined ? 0 : 1;
}
