import type { Json } from "../types.js";

/**
 * The state is the register's value while operations have no key (the fast
 * common case). Keyed operations, when checked together rather than one key
 * per partition, keep one value per key in a tagged object.
 */
export const KEYED = "\u0000registers";

export function valueOf(state: Json, key: string | undefined): Json {
  if (key === undefined) return state;
  const values = isKeyed(state) ? (state[KEYED] as Record<string, Json>) : {};
  // Own keys only: "toString" or "__proto__" are keys like any other.
  return Object.hasOwn(values, key) ? (values[key] ?? null) : null;
}

export function withValue(state: Json, key: string | undefined, value: Json): Json {
  if (key === undefined) return value;
  const values = isKeyed(state) ? (state[KEYED] as Record<string, Json>) : {};
  return { [KEYED]: { ...values, [key]: value } };
}

export function isKeyed(state: Json): state is { readonly [k: string]: Json } {
  return state !== null && typeof state === "object" && !Array.isArray(state) && KEYED in state;
}
