/**
 * Finding the model for `interleave lincheck`: a built-in name, a path to a
 * user's `.ts`/`.js` module exporting one, or a guess from the history.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { HistoryInputError, MODELS, type AnyModel, type HistoryFormat, type ParsedHistory } from "../../src/history/index.js";
import { importUserModule } from "../load.js";

/** Whether the `--model` argument names a file rather than a built-in model. */
export function isModelPath(arg: string): boolean {
  return arg.includes("/") || arg.includes("\\") || /\.(c|m)?(t|j)sx?$/.test(arg);
}

/** True for a value shaped like a model: `init` and `step` functions. */
export function isModel(value: unknown): value is AnyModel {
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
  if (isModel(module)) return module;
  for (const candidate of [module["default"], module["model"]]) if (isModel(candidate)) return candidate;
  const models = Object.values(module).filter(isModel);
  if (models.length === 1) return models[0]!;
  const what = models.length === 0 ? "exports no model" : `exports ${models.length} models`;
  throw new HistoryInputError(`model file ${arg} ${what}: export default { init, step } (or export const model = ...)`);
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
    if ([...names].every((f) => (fs as readonly string[]).includes(f))) return { name: candidate, model: MODELS[candidate]! };
  }
  throw new HistoryInputError(`${parsed.file}: cannot choose a model for operations ${[...names].map((f) => ":" + f).join(", ")}; pass --model register, kv or a path`);
}
