/**
 * A short description of a value a spec gave where it should not have, for error messages: `an object`, `number 1.5`.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (v === "") return "an empty string";
  if (Array.isArray(v)) return `an array`;
  if (typeof v === "object") return "an object";
  if (typeof v === "function") return "a function";
  const primitive = v as string | number | bigint | boolean | symbol;
  return `${typeof v} ${primitive.toString()}`;
}
