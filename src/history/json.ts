import type { Json } from "./types.js";

/** JSON text with object keys sorted, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return out + "]";
  }
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += (i > 0 ? "," : "") + JSON.stringify(k) + ":" + canonicalJson((value as Record<string, unknown>)[k]);
  }
  return out + "}";
}

/** Deep equality of JSON values (fast path for primitives). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The deepest nesting of arrays and objects a history value may have. The
 * checkers walk values recursively (canonical keys, equality, explanations);
 * a deeper value is refused at parse time instead of overflowing the stack.
 */
export const MAX_VALUE_DEPTH = 100;

/** Whether `value` nests arrays or objects more than `max` levels deep (iterative: safe at any depth). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.value === null || typeof top.value !== "object") continue;
    if (top.depth >= max) return true;
    for (const child of Object.values(top.value))
      if (child !== null && typeof child === "object") stack.push({ value: child, depth: top.depth + 1 });
  }
  return false;
}
