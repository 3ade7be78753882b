/**
 * The worker threads of the parallel search and the swarm: where their
 * compiled entry lives, how an entry loads the spec, and what a thread's
 * failure becomes. A thread that stops answering must end the search, never
 * hang it: a spec's code that calls `process.exit` in a worker ends only that
 * thread, which sends no more messages.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Spec } from "../src/index.js";
import { LostWorkerError } from "./lost-worker.js";
import { loadSpecSource, type SpecSource } from "./spec-source.js";
import { UsageError } from "./usage-error.js";

/** A worker thread ended or crashed before its search was over: the search is incomplete (the CLI exits 3). */
export class WorkerThreadError extends LostWorkerError {
  override name = "WorkerThreadError";
}

/** Starts an error's message from an entry that could not load the spec (errors reach the parent as their text). */
const LOAD_FAILED = "interleave: the spec did not load in a worker thread: ";

/**
 * A compiled entry, given as its URL beside the calling module
 * (`new URL("./worker.js", import.meta.url)`, which tools that trace files
 * follow): that file when the caller runs from dist/, else the same file in
 * dist/ (tests run the TypeScript sources; a worker always runs compiled code).
 */
export function workerEntry(sibling: URL): URL {
  if (existsSync(fileURLToPath(sibling))) return sibling;
  return new URL(`../dist/checker/${sibling.pathname.split("/").pop()!}`, sibling);
}

/** The spec, loaded in a worker thread's entry; a failure is marked so the parent reports bad input, not a crash. */
export async function loadInWorker(source: SpecSource): Promise<Spec<unknown>> {
  try {
    return await loadSpecSource(source);
  } catch (error) {
    throw new Error(`${LOAD_FAILED}${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Starts worker thread `k` of a search (`what`: "the parallel search",
 * "the swarm"). `fail` is called at most once: with a UsageError when the
 * spec did not load there, with a WorkerThreadError when the thread crashed
 * or exited while `expectingExit()` was false (the search stops threads it
 * is done with by setting what that returns first).
 */
export function startWorkerThread(
  entry: URL,
  workerData: unknown,
  k: number,
  what: string,
  expectingExit: () => boolean,
  fail: (error: Error) => void,
): Worker {
  const worker = new Worker(entry, { workerData });
  let failed = false;
  const once = (error: Error) => {
    if (failed) return;
    failed = true;
    fail(error);
  };
  worker.on("error", (error) => {
    once(
      error.message.startsWith(LOAD_FAILED)
        ? new UsageError(`cannot load the spec in worker thread ${k}: ${error.message.slice(LOAD_FAILED.length)}`)
        : new WorkerThreadError(`${what} is incomplete: worker thread ${k} failed: ${error.message}`),
    );
  });
  worker.on("exit", (code) => {
    if (expectingExit()) return;
    once(
      new WorkerThreadError(
        `${what} is incomplete: worker thread ${k} exited with code ${code} before the search ended (does the spec's code call process.exit?)`,
      ),
    );
  });
  return worker;
}
