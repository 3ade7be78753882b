/**
 * Finding the model for `interleave lincheck`: a built-in name, a path to a
 * user's `.ts`/`.js` module exporting one, or a guess from the history.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  describeOperationDefault,
  HistoryInputError,
  MODELS,
  type AnyModel,
  type CompiledModel,
  type HistoryFormat,
  type Operation,
  type ParsedHistory,
} from "../../src/history/index.js";
import { importUserModule } from "../spec-source.js";

/** Whether the `--model` argument names a file rather than a built-in model. */
export function isModelPath(arg: string): boolean {
  return arg.includes("/") || arg.includes("\\") || /\.(c|m)?(t|j)sx?$/.test(arg);
}

/** True for a value shaped like a model: `init` and `step` functions. */
function isModel(value: unknown): value is AnyModel {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { init?: unknown }).init === "function" &&
    typeof (value as { step?: unknown }).step === "function"
  );
}

/**
 * Loads a model module with jiti (TypeScript needs no build step). The model
 * is the default export, an export named `model`, or the only export shaped
 * like a model.
 */
export async function loadModelFile(arg: string): Promise<AnyModel> {
  const path = resolve(arg);
  if (!existsSync(path)) throw new HistoryInputError(`model file not found: ${arg}`);
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new HistoryInputError(`cannot load model file ${arg}: ${message}`);
  }
  return guardModel(findModel(module, arg), arg);
}

function findModel(module: Record<string, unknown>, arg: string): AnyModel {
  if (isModel(module)) return module;
  for (const candidate of [module["default"], module["model"]]) if (isModel(candidate)) return candidate;
  const models = Object.values(module).filter(isModel);
  if (models.length === 1) return models[0]!;
  const what = models.length === 0 ? "exports no model" : `exports ${models.length} models`;
  throw new HistoryInputError(`model file ${arg} ${what}: export default { init, step } (or export const model = ...)`);
}

/**
 * A user's model file that threw or answered out of shape: a bad input (exit 2), located at the
 * operation it was stepping when there is one.
 */
class ModelError extends HistoryInputError {}

/**
 * The first frame of `error`'s stack inside the model file, as `file:line`
 * (no column: jiti's transform shifts columns, not lines).
 */
function userFrame(error: unknown, path: string): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return undefined;
  for (const line of stack.split("\n").slice(1)) {
    const at = line.indexOf(path);
    if (at < 0) continue;
    const match = /^(.*?:\d+)/.exec(line.slice(at));
    if (match !== null) return match[1];
  }
  return undefined;
}

/**
 * The model with every function guarded: an exception from the user's code,
 * or a `step` that does not return an array, becomes a {@link ModelError}
 * naming the model file, the function, the operation (input and output), the
 * original message and the user's file:line, instead of an internal error.
 * `this` inside the model's functions is still the model (the guard inherits
 * from it).
 */
function guardModel(model: AnyModel, file: string): AnyModel {
  const path = resolve(file);
  const fail = (what: string, error: unknown, op?: Operation): never => {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const frame = userFrame(error, path);
    const on = op === undefined ? "" : ` on ${describeOperationDefault(op)} [process ${String(op.process)}]`;
    throw new ModelError(
      `model ${file}: ${what}${on} threw: ${message}${frame === undefined ? "" : ` (at ${frame})`}`,
      op,
    );
  };
  const guarded = Object.create(model) as Record<string, unknown>;
  const wrap = (
    name: string,
    opOf: (args: unknown[]) => Operation | undefined,
    check?: (value: unknown, args: unknown[]) => void,
  ): void => {
    const fn = (model as unknown as Record<string, unknown>)[name];
    if (typeof fn !== "function") return;
    guarded[name] = function (this: unknown, ...args: unknown[]): unknown {
      let value: unknown;
      try {
        value = (fn as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        if (error instanceof ModelError) throw error;
        return fail(name, error, opOf(args));
      }
      check?.(value, args);
      return value;
    };
  };
  const none = () => undefined;
  const first = (args: unknown[]) => args[0] as Operation | undefined;
  wrap("init", none);
  wrap(
    "step",
    (args) => args[1] as Operation,
    (value, args) => {
      if (!Array.isArray(value)) {
        const op = args[1] as Operation;
        throw new ModelError(
          `model ${file}: step on ${describeOperationDefault(op)} [process ${String(op.process)}] returned ${describeValue(value)}; it must return an array of next states ([] when the operation cannot happen)`,
          op,
        );
      }
    },
  );
  for (const name of ["partition", "ignore", "readOnly", "describe"]) wrap(name, first);
  for (const name of ["decide", "quickViolation", "windowStates", "deadlines", "key", "describeState"])
    wrap(name, none);
  const compile = model.compile;
  if (compile !== undefined) {
    guarded["compile"] = function (this: unknown, ...args: unknown[]): unknown {
      let compiled: CompiledModel | undefined;
      try {
        compiled = (compile as (...a: unknown[]) => CompiledModel | undefined).apply(this, args);
      } catch (error) {
        return fail("compile", error);
      }
      if (compiled === undefined || compiled === null) return undefined;
      const inner = compiled;
      const guardedCompiled = Object.create(inner) as Record<string, unknown>;
      for (const name of ["step", "state", "memoryBytes"] as const) {
        const fn = inner[name] as (...a: unknown[]) => unknown;
        guardedCompiled[name] = function (this: unknown, ...a: unknown[]): unknown {
          try {
            return fn.apply(this, a);
          } catch (error) {
            return fail(`compile(...).${name}`, error);
          }
        };
      }
      return guardedCompiled;
    };
  }
  return guarded as unknown as AnyModel;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  const text = JSON.stringify(value);
  return text === undefined ? "a symbol" : text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

/** The model for a history when `--model` is not given: by format, else by operation names. */
export function guessModel(parsed: ParsedHistory): { name: string; model: AnyModel } {
  const byFormat: Partial<Record<HistoryFormat | "empty", string>> = { etcd: "register", kv: "kv", empty: "register" };
  const name = byFormat[parsed.format];
  if (name !== undefined) return { name, model: MODELS[name]! };
  const names = new Set(parsed.events.map((e) => e.f));
  for (const [candidate, fs] of [
    ["register", ["read", "write", "cas"]],
    ["kv", ["get", "put", "append"]],
  ] as const) {
    if ([...names].every((f) => (fs as readonly string[]).includes(f)))
      return { name: candidate, model: MODELS[candidate]! };
  }
  throw new HistoryInputError(
    `${parsed.file}: cannot choose a model for operations ${[...names].map((f) => ":" + f).join(", ")}; pass --model register, kv or a path`,
  );
}
