/**
 * Guarding the checker against the user's own code: reducers, properties,
 * `init` and `constraint` run inside the search, and a bug in them must come
 * back as a finding with a trace, never as a wrong count or a crash.
 *
 * - A throwing reducer is a bug the exploration found (`noReducerThrows`).
 * - A throwing property, `init` or `constraint` is a spec error.
 * - An in-place change of a state: stored states are deep-frozen, so a write
 *   throws in strict code (every ES module); the write is then confirmed and
 *   located by re-running the same call on an unfrozen copy.
 * - Nondeterminism: `Math.random`, `Date.now`, `new Date()` and `crypto`'s
 *   random functions throw inside the spec's code while a search runs, and
 *   the checker re-runs a sample of transitions.
 */
import { sameError } from "./same-error.js";

/** Where in the user's spec the code that failed lives. */
export type UserCodeSite = "action" | "property" | "init" | "constraint";

/** What went wrong. */
export type FaultKind =
  /** The code threw. */
  | "threw"
  /** The code changed its input in place. */
  | "mutation"
  /** The code gave different answers to the same question. */
  | "nondeterminism"
  /** The code returned something that is not a state (not plain data, null, a non-array init...). */
  | "invalid";

/**
 * A failure of the user's code, as plain data (it crosses worker threads):
 * what failed, where, the original message and the user's file:line.
 */
export interface UserFault {
  readonly kind: FaultKind;
  readonly site: UserCodeSite;
  /** The action with its input (`Inc(1)`, `node "rm1" on Prepare`), property or function. */
  readonly where: string;
  /** The original error's message, or what was wrong. */
  readonly message: string;
  /** `file:line:column` of the first stack frame in the user's code, when known. */
  readonly location?: string;
  /** For a mutation: the path of the changed field (`state.counters[1]`). */
  readonly path?: string;
  /** The original stack (printed with `--debug`). */
  readonly stack?: string;
}

/** The pseudo-property a throwing reducer violates. */
export const NO_REDUCER_THROWS = "noReducerThrows";

/** True when the fault is a finding of the exploration (exit 1) rather than a spec error (exit 2). */
export function isFinding(fault: UserFault): boolean {
  return fault.kind === "threw" && fault.site === "action";
}

/** Carries a UserFault through the user's call stack to the checker. */
export class UserCodeError extends Error {
  override name = "UserCodeError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "UserCodeError");
  }
  constructor(readonly fault: UserFault) {
    super(describeFault(fault));
  }
}

/** One line naming what failed. */
export function describeFault(f: UserFault): string {
  const at = f.location ? ` (${f.location})` : "";
  // "action Inc(1)", "property \"safe\"", "init", "init of node \"n1\"", "constraint".
  const who = f.where === f.site || f.where.startsWith(`${f.site} `) ? f.where : `${f.site} ${f.where}`;
  switch (f.kind) {
    case "threw":
      return `${who} threw: ${f.message}${at}`;
    case "mutation":
      return `${who} changed its input in place at ${f.path ?? "an unknown field"}${at}: reducers and properties must return new objects (spread, or immer's produce)`;
    case "nondeterminism":
      return `${who} is not deterministic: ${f.message}${at}`;
    case "invalid":
      return `${who}${f.message.startsWith("returned") ? " " : ": "}${f.message}${at}`;
  }
}

// ---------------------------------------------------------------------------
// Locating the user's code in a stack trace.
// ---------------------------------------------------------------------------

const OWN_CODE = /[\\/](?:src|checker|specs|dist)[\\/](?:[^\\/]+[\\/])*[^\\/]+\.[cm]?[jt]s/;

/** Directories of this package: frames there are the checker's, not the user's. */
let ownRoot: string | undefined;
try {
  ownRoot = new URL("..", import.meta.url).pathname.replace(/[\\/](dist[\\/])?$/, "/").replace(/\/dist\/$/, "/");
} catch {
  ownRoot = undefined;
}

/**
 * The first `file:line:column` of a stack that is the user's code (not this
 * package, not node_modules, not node internals).
 */
function userLocation(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith("file://")) file = decodeURIComponent(file.slice(7));
    if (file.startsWith("node:") || file.includes("/node_modules/") || !file.includes("/")) continue;
    if (ownRoot && file.startsWith(ownRoot) && OWN_CODE.test(file.slice(ownRoot.length - 1))) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** The message of anything thrown. */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? "";
  try {
    return `non-Error value thrown: ${JSON.stringify(error)}`;
  } catch {
    return `non-Error value thrown: ${String(error)}`;
  }
}

/** A fault for an error the user's code threw. */
function thrownFault(site: UserCodeSite, where: string, error: unknown): UserFault {
  if (error instanceof UserCodeError) return error.fault;
  if (error instanceof NondeterminismTrap) {
    return located({ kind: "nondeterminism", site, where, message: error.message }, error);
  }
  return located({ kind: "threw", site, where, message: errorMessage(error) }, error);
}

/** The fault with the user's file:line and the stack of the error that revealed it. */
function located(f: UserFault, error: unknown): UserFault {
  const location = userLocation(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return { ...f, ...(location === undefined ? {} : { location }), ...(stack === undefined ? {} : { stack }) };
}

// ---------------------------------------------------------------------------
// Mutation: frozen states, confirmed and located on an unfrozen copy.
// ---------------------------------------------------------------------------

/**
 * Deep-freezes plain data, stopping at objects already frozen (shared
 * structure of earlier states), so the cost is proportional to what is new.
 */
export function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  freezeNew(value);
}

// Hand-rolled for speed: the checker freezes every stored state. Children are
// tested before the call (most are primitives or frozen already), and
// Object.keys beats for-in here (a 2% difference on two-phase commit).
function freezeNew(value: object): void {
  Object.freeze(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === "object" && v !== null && !Object.isFrozen(v)) freezeNew(v);
    }
  } else {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const v = o[keys[i]!];
      if (typeof v === "object" && v !== null && !Object.isFrozen(v)) freezeNew(v);
    }
  }
}

/** True for the TypeErrors a write to a frozen object throws in strict code. */
function isFrozenWrite(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /read only property|object is not extensible|Cannot delete property|Cannot add property|Cannot define property|Cannot redefine property/.test(
      error.message,
    )
  );
}

/** A deep copy of plain data that is not frozen. */
function thaw<T>(value: T): T {
  return structuredClone(value);
}

/** The path of the first difference between two plain values, or undefined when equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b) ? undefined : path;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${path}.length`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], bb[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(
      ao[k],
      bo[k],
      /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
    );
    if (d) return d;
  }
  return undefined;
}

/**
 * Re-runs `call` on unfrozen copies of its inputs to tell an in-place change
 * (the copies differ afterwards, or the call now succeeds) from an ordinary
 * exception. Returns the mutation fault, or undefined when the call throws
 * again without changing anything.
 */
function locateMutation(
  site: UserCodeSite,
  where: string,
  inputs: readonly { readonly name: string; readonly value: unknown }[],
  call: (...copies: unknown[]) => unknown,
  original: unknown,
): UserFault | undefined {
  const copies = inputs.map((i) => thaw(i.value));
  let threw = false;
  try {
    call(...copies);
  } catch {
    threw = true;
  }
  for (const [k, input] of inputs.entries()) {
    const path = firstDifference(input.value, copies[k], input.name);
    if (path) return located({ kind: "mutation", site, where, message: "changed its input in place", path }, original);
  }
  if (!threw) {
    // The write failed on the frozen state and the copy took it without a visible change (e.g. a value written back).
    return located(
      { kind: "mutation", site, where, message: "wrote to its input", path: inputs[0]?.name ?? "state" },
      original,
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Nondeterminism traps.
// ---------------------------------------------------------------------------

/** Thrown by a trapped source of nondeterminism while a search runs. */
type Crypto = { getRandomValues: (array: never) => unknown; randomUUID: () => string };
class NondeterminismTrap extends Error {
  override name = "NondeterminismTrap";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "NondeterminismTrap");
  }
}

/** The real clock, for the checker's own timing (unaffected by the traps). */
export const realNow: () => number = performance.now.bind(performance);

/**
 * While `userCode.running` is true (the checker sets it around calls into a
 * spec), the trapped functions throw; outside, they behave as usual, so the
 * checker's own clocks, progress display and test runner are unaffected. One
 * flag per process (a global symbol): a spec file that loads its own copy of
 * the library sees the checker's flag.
 */
export const userCode: { running: boolean } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("interleave-check.userCode")
] ??= { running: false }) as {
  running: boolean;
};

/** Runs `run` as the spec's code: the traps are armed while it runs. */
export function inUserCode<T>(run: () => T): T {
  const was = userCode.running;
  userCode.running = true;
  try {
    return run();
  } finally {
    userCode.running = was;
  }
}

let installed = 0;
let restore: (() => void) | undefined;

function trap(what: string): never {
  throw new NondeterminismTrap(
    `it called ${what}; time and randomness must enter as explicit inputs (an action's chosen value or a state field)`,
  );
}

function guarded<F extends (...args: never[]) => unknown>(what: string, real: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    if (userCode.running) trap(what);
    return real.apply(this, args);
  } as F;
}

/**
 * Makes `Math.random`, `Date.now`, `new Date()`, `Date()`,
 * `crypto.getRandomValues` and `crypto.randomUUID` throw inside the user's
 * code until the returned function is called. Nested calls share one
 * installation. `performance.now` stays free: the library's own history
 * checkers, which properties call, time themselves with it.
 */
export function trapNondeterminism(): () => void {
  if (installed++ === 0) {
    const math = Math.random;
    const dateNow = Date.now;
    const RealDate = Date;
    const cryptoObj = (globalThis as { crypto?: Crypto }).crypto;
    const getRandomValues = cryptoObj?.getRandomValues;
    const randomUUID = cryptoObj?.randomUUID;
    Math.random = guarded("Math.random()", math);
    Date.now = guarded("Date.now()", dateNow);
    globalThis.Date = new Proxy(RealDate, {
      construct(target, args, newTarget) {
        if (args.length === 0 && userCode.running) trap("new Date()");
        return Reflect.construct(target, args, newTarget) as object;
      },
      apply(target, thisArg, args) {
        if (userCode.running) trap("Date()");
        return Reflect.apply(target, thisArg, args) as unknown;
      },
    });
    if (cryptoObj && getRandomValues && randomUUID) {
      cryptoObj.getRandomValues = guarded<Crypto["getRandomValues"]>(
        "crypto.getRandomValues()",
        getRandomValues.bind(cryptoObj),
      );
      cryptoObj.randomUUID = guarded<Crypto["randomUUID"]>("crypto.randomUUID()", randomUUID.bind(cryptoObj));
    }
    restore = () => {
      Math.random = math;
      Date.now = dateNow;
      globalThis.Date = RealDate;
      if (cryptoObj && getRandomValues && randomUUID) {
        cryptoObj.getRandomValues = getRandomValues;
        cryptoObj.randomUUID = randomUUID;
      }
    };
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--installed === 0) {
      restore?.();
      restore = undefined;
    }
  };
}

/** An input of a call, named as the fault's path will name it. */
export interface NamedInput {
  readonly name: string;
  readonly value: unknown;
}

/**
 * Classifies an error the user's code threw: an in-place change (confirmed
 * by re-running `call` on unfrozen copies of `inputs`), a trapped source of
 * nondeterminism, an invalid result, or an ordinary exception.
 */
export function faultOf(
  site: UserCodeSite,
  where: string,
  error: unknown,
  inputs: readonly NamedInput[],
  call: (...copies: unknown[]) => unknown,
): UserFault {
  if (error instanceof UserCodeError) return error.fault;
  if (isFrozenWrite(error)) {
    const mutation = locateMutation(site, where, inputs, call, error);
    if (mutation) return mutation;
  }
  if (error instanceof Error && (error.name === "SpecRuntimeError" || error.name === "NotPlainDataError")) {
    return located({ kind: "invalid", site, where, message: error.message }, error);
  }
  return thrownFault(site, where, error);
}

/** An invalid result (not an exception): the user's code returned something it must not. */
export function invalidFault(site: UserCodeSite, where: string, message: string): UserFault {
  return { kind: "invalid", site, where, message };
}
