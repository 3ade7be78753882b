/** The path type of random walks, shrinking and `--replay-path`: the initial state's ordinal, then each step's ordinal among its source's successors. */

/** A path through a model: the initial state's ordinal and each step's successor ordinal. */
export interface WalkPath {
  readonly init: number;
  readonly steps: readonly number[];
}

/**
 * The text form of a path, as `--replay-path` takes it: ordinals joined by `:`.
 * @example formatPath({ init: 0, steps: [3, 1] }) // "0:3:1"
 */
export function formatPath(path: WalkPath): string {
  return [path.init, ...path.steps].join(":");
}

/** A `--replay-path` value that is not a path. */
export class ReplayPathError extends Error {
  override name = "ReplayPathError";
}

/**
 * Parses `"0:3:1"` into a path.
 * @throws ReplayPathError when the text is not non-negative integers joined by `:`.
 */
export function parsePath(text: string): WalkPath {
  if (!/^\d+(:\d+)*$/.test(text)) {
    throw new ReplayPathError(
      `--replay-path takes ordinals joined by ":" (the initial state's, then each step's), e.g. "0:3:1"; got "${text}"`,
    );
  }
  const [init, ...steps] = text.split(":").map(Number);
  return { init: init!, steps };
}
