/**
 * The checker's one path type: the initial state's ordinal, then each step's
 * ordinal among its source's successors. Deterministic reducers make it
 * exact, so it is what every strategy keeps instead of states: BFS and DFS
 * rebuild a violation's path from the store's parent links, liveness from a
 * lasso, and the random strategy walks, shrinks and replays (`--replay-path`)
 * paths. A trace is a path replayed with action labels and states.
 */
import type { Fingerprint, Model, PropertyKind, Trace, TraceStep } from "../src/index.js";
import { UserCodeError, type UserFault } from "../src/user-code.js";
import { Successors } from "./expander.js";

/** A path through a model: the initial state's ordinal and each step's successor ordinal. */
export interface Path {
  readonly init: number;
  readonly steps: readonly number[];
}

/** A property violated at the end of a path (for an action property, by its last step). */
export interface Counterexample {
  readonly property: string;
  readonly kind: PropertyKind;
  readonly path: Path;
}

/**
 * The text form of a path, as `--replay-path` takes it: ordinals joined by `:`.
 * @example formatPath({ init: 0, steps: [3, 1] }) // "0:3:1"
 */
export function formatPath(path: Path): string {
  return [path.init, ...path.steps].join(":");
}

/** A `--replay-path` value that is not a path, or not a path of this model. */
export class ReplayPathError extends Error {
  override name = "ReplayPathError";
}

/**
 * Parses `"0:3:1"` into a path.
 * @throws ReplayPathError when the text is not non-negative integers joined by `:`.
 */
export function parsePath(text: string): Path {
  if (!/^\d+(:\d+)*$/.test(text)) {
    throw new ReplayPathError(
      `--replay-path takes ordinals joined by ":" (the initial state's, then each step's), e.g. "0:3:1"; got "${text}"`,
    );
  }
  const [init, ...steps] = text.split(":").map(Number);
  return { init: init!, steps };
}

/** A fingerprint word as both stores compare it (the shared store keeps 0 as 1). */
export function fingerprintWord(x: number): number {
  return x | 0 || 1;
}

/**
 * Replays a path into a trace, with action labels. With `expected`
 * fingerprints (one per state, in order, as `fingerprintWord` normalises
 * them), a replayed state whose fingerprint differs is reported as
 * nondeterminism: the trace printed is always the one the search found.
 * @throws UserCodeError (nondeterminism) when the model has fewer initial states or successors than the path names.
 */
export function traceOf<S>(
  model: Model<S>,
  path: Path,
  expected: readonly (readonly [number, number] | undefined)[] = [],
): Trace<S> {
  const init = model.initStates()[path.init];
  if (init === undefined) throw diverged("init", `init gave no initial state #${path.init + 1} on a second call`);
  const steps: TraceStep<S>[] = [{ action: null, state: init }];
  const fp: Fingerprint = { hi: 0, lo: 0 };
  model.fingerprint(init, fp);
  verify(fp, expected[0], "init", "initial state");
  const successors = new Successors(model, { labels: true });
  let state = init;
  for (const [k, want] of path.steps.entries()) {
    const n = successors.expand(state, fp.hi, fp.lo);
    if (want >= n)
      throw diverged(
        "action",
        `replaying the counterexample, step ${k + 1} found only ${n} successors where the search found at least ${want + 1}`,
      );
    state = successors.states[want]!;
    const action = successors.labels[want]!;
    fp.hi = successors.his[want]!;
    fp.lo = successors.los[want]!;
    verify(fp, expected[k + 1], "action", action);
    steps.push({ action, state });
  }
  return steps;
}

function verify(
  fp: Fingerprint,
  want: readonly [number, number] | undefined,
  site: "init" | "action",
  where: string,
): void {
  if (!want) return;
  if (fingerprintWord(fp.hi) !== want[0] || fingerprintWord(fp.lo) !== want[1]) {
    throw diverged(
      site,
      `replaying the counterexample reached a different state after ${where} than the search did (does a reducer read a variable outside the state?)`,
      where,
    );
  }
}

function diverged(
  site: "init" | "action",
  message: string,
  where = site === "init" ? "init" : "replay",
): UserCodeError {
  const fault: UserFault = { kind: "nondeterminism", site, where, message };
  return new UserCodeError(fault);
}
