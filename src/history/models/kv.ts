import { HistoryInputError } from "../errors.js";
import type { Model } from "../model.js";
import type { Operation } from "../operations.js";
import { kvDeadlines } from "./kv-deadlines.js";
import { compileKv } from "./kv-strings.js";

/** The state of {@link kvModel}: the string stored under each key (absent means ""). */
export type KvState = Readonly<Record<string, string>>;

/**
 * A key-value store of strings with `get`, `put` and `append`, as in
 * Porcupine's kv tests. Keys are independent, so the model partitions by key.
 *
 * - `get` -> value: the key holds `value` (`null` and `""` both mean empty);
 * - `put(v)`: the key becomes `v`;
 * - `append(v)`: `v` is appended to the key's string.
 */
export const kvModel: Model<KvState> = {
  name: "kv",
  init: () => ({}),
  step(state, op) {
    const key = op.key ?? "";
    // Own keys only: "toString" or "__proto__" are keys like any other.
    const current = Object.hasOwn(state, key) ? (state[key] ?? "") : "";
    switch (op.f) {
      case "get": {
        if (op.status !== "ok") return [state];
        const out = op.output === null ? "" : op.output;
        return out === current ? [state] : [];
      }
      case "put":
        return [{ ...state, [key]: text(op) }];
      case "append":
        return [{ ...state, [key]: current + text(op) }];
      default:
        throw new HistoryInputError(
          `the kv model has get, put and append; it cannot check :${op.f} (operation ${op.id + 1})`,
          op,
        );
    }
  },
  partition: (op) => op.key ?? "",
  // Called on every operation before checking, so it also rejects the ones this model cannot check.
  ignore(op) {
    if (op.f === "put" || op.f === "append") text(op);
    else if (op.f !== "get")
      throw new HistoryInputError(
        `the kv model has get, put and append; it cannot check :${op.f} (operation ${op.id + 1})`,
        op,
      );
    return op.status === "fail" || (op.f === "get" && op.status !== "ok");
  },
  readOnly: (op) => op.f === "get",
  key(state) {
    const keys = Object.keys(state);
    if (keys.length === 1) return `${keys[0]!}\u0000${state[keys[0]!]!}`;
    keys.sort();
    let out = "";
    for (const k of keys) out += `${k}\u0000${state[k]!}\u0001`;
    return out;
  },
  compile: compileKv,
  deadlines: kvDeadlines,
  describe(op) {
    const key = JSON.stringify(op.key ?? "");
    if (op.f === "get") return `get(${key}) -> ${op.status === "ok" ? JSON.stringify(op.output ?? "") : "?"}`;
    return `${op.f}(${key}, ${JSON.stringify(op.input)})${op.status === "unknown" ? " -> ?" : ""}`;
  },
  describeState: (state) => JSON.stringify(state),
};

function text(op: Operation): string {
  if (typeof op.input !== "string")
    throw new HistoryInputError(
      `:${op.f} takes a string, got ${JSON.stringify(op.input)} (operation ${op.id + 1})`,
      op,
    );
  return op.input;
}
