import type { Model } from "../../src/index.js";
import { formatPath, ReplayPathError, traceOf, type Path } from "../path.js";
import type { RandomOutcome } from "./options.js";
import { PathChecker } from "./path-checker.js";

/** Replays a path exactly, checking the properties on it. */
export function replayPath<S>(model: Model<S>, path: Path, seed: number): RandomOutcome<S> {
  const start = performance.now();
  const checker = new PathChecker(model);
  if (path.init >= checker.initCount) {
    throw new ReplayPathError(
      `--replay-path starts at initial state #${path.init}, but the model has ${checker.initCount} initial state(s)`,
    );
  }
  const found = checker.walk(path.init, path.steps, { exact: true });
  let trace;
  try {
    trace = traceOf(model, found?.path ?? path);
  } catch (error) {
    throw new ReplayPathError(`--replay-path ${formatPath(path)} does not fit this model: ${(error as Error).message}`);
  }
  const base = {
    mode: "replay" as const,
    seed,
    walks: 1,
    runs: 1,
    walkDepth: path.steps.length,
    steps: trace.length - 1,
    distinctStates: trace.length,
    generatedStates: trace.length,
    maxDepth: trace.length - 1,
    bytesPerState: 0,
    collisionProbability: 0,
    peakRssBytes: process.memoryUsage.rss(),
    foundSteps: trace.length - 1,
  };
  if (!found)
    return {
      ...base,
      result: "incomplete",
      limit: "max-depth",
      replayPath: null,
      durationMs: performance.now() - start,
    };
  return {
    ...base,
    result: "violation",
    violation: { property: found.property, kind: found.kind, trace },
    replayPath: formatPath(found.path),
    durationMs: performance.now() - start,
  };
}
