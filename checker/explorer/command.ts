/**
 * `interleave explore <spec>`: loads the model, serves the explorer on
 * 127.0.0.1 and runs until Ctrl-C (exit 0). A bad spec, variant, param or
 * trace file fails before the server starts (exit 2, one line).
 */
import type { Model } from "../../src/index.js";
import { resolveSpec, UsageError } from "../load.js";
import { readTraceFile } from "../replay.js";
import { ExplorerSession, PathError } from "./session.js";
import { startExplorer } from "./server.js";

/** What `explore` takes besides the spec. */
export interface ExploreOptions {
  readonly variant?: string | undefined;
  readonly param?: Record<string, string> | undefined;
  readonly port?: number | undefined;
  /** A saved counterexample to open at its last step. */
  readonly trace?: string | undefined;
  /** Resolves when the server should stop (default: the first SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
}

/** Runs the explorer until `until` (Ctrl-C); returns the exit code. */
export async function exploreCommand(
  specArg: string,
  options: ExploreOptions,
  io: { stdout(text: string): void; stderr(text: string): void },
): Promise<number> {
  const spec = await resolveSpec(specArg);
  const model: Model<unknown> = spec.instantiate({
    ...(options.variant === undefined ? {} : { variant: options.variant }),
    params: options.param ?? {},
  });
  const session = new ExplorerSession(model, { sets: spec.sets });
  // A trace that does not fit the model is bad input: say so before serving.
  const start = options.trace === undefined ? undefined : traceStart(session, options.trace);
  const server = await startExplorer(session, options.port === undefined ? {} : { port: options.port });
  const url = start === undefined ? server.url : `${server.url}#path=${start.join(",")}`;
  io.stdout(`interleave explore: ${url}\n  open it in a browser; Ctrl-C stops the server\n`);
  await (options.until ?? untilSignal());
  await server.close();
  return 0;
}

function traceStart(session: ExplorerSession<unknown>, file: string): number[] {
  try {
    return session.pathOfTrace(readTraceFile(file));
  } catch (error) {
    if (error instanceof PathError) throw new UsageError(`${file}: ${error.message.split("\n")[0]}`);
    throw error;
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
