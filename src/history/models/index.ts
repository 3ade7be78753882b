import { HistoryInputError } from "../errors.js";
import type { AnyModel } from "../model.js";
import { kvModel } from "./kv.js";
import { registerModel } from "./register.js";

export { kvModel, type KvState } from "./kv.js";
export { registerModel } from "./register.js";

/** The built-in models by name. */
export const MODELS: Readonly<Record<string, AnyModel>> = {
  register: registerModel,
  kv: kvModel,
};

/** A built-in model by name, or a {@link HistoryInputError} listing the names. */
export function modelByName(name: string): AnyModel {
  // Own keys only: "toString" or "constructor" would find Object.prototype's members.
  const model = Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
  if (model === undefined)
    throw new HistoryInputError(
      `unknown model "${name}"; built-in models: ${Object.keys(MODELS).join(", ")} (or a path to a .ts/.js module)`,
    );
  return model;
}
