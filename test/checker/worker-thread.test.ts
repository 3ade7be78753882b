/**
 * The pieces of checker/worker-thread.ts a thread's entry runs (so no
 * in-process search reaches them): loading the spec with the failure marked,
 * and finding the compiled entry. What the parent makes of a failed thread
 * is judged by test/checker/parallel.test.ts and swarm.test.ts.
 */
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { loadInWorker, workerEntry } from "../../checker/worker-thread.js";
import { rejection } from "../support/rejection.js";
import { tempFolder } from "../support/temp-folder.js";

const folder = tempFolder("interleave-worker-thread-");

describe("loadInWorker", () => {
  it("loads a spec as the CLI does", async () => {
    const spec = await loadInWorker({
      module: "interleave-check/specs/two-phase-commit",
      exportName: "twoPhaseCommit",
    });
    expect(spec.name).toBe("two-phase-commit");
  });

  it("marks a failure so the parent can tell it from a crash, keeping the cause", async () => {
    const file = folder.file("throws.ts", 'throw new Error("no loading here");\n');
    const error = (await rejection(loadInWorker({ module: file, exportName: "default" }))) as Error;
    expect(error.message).toBe("interleave: the spec did not load in a worker thread: no loading here");
    expect((error.cause as Error).message).toBe("no loading here");
    const thrown = folder.file("throws-text.ts", 'throw "a string";\n');
    expect(((await rejection(loadInWorker({ module: thrown, exportName: "default" }))) as Error).message).toBe(
      "interleave: the spec did not load in a worker thread: a string",
    );
  });
});

describe("workerEntry", () => {
  it("the entry beside the caller when it exists, else the same name in dist/checker", () => {
    const here = pathToFileURL(folder.file("entry.js", ""));
    expect(workerEntry(here)).toBe(here);
    const source = new URL("../../checker/worker.js", import.meta.url);
    expect(workerEntry(source).href).toBe(new URL("../../dist/checker/worker.js", import.meta.url).href);
  });
});
