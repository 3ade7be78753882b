/**
 * Canonical 64-bit fingerprints of plain-data states.
 *
 * A fingerprint is two 32-bit lanes. Objects are hashed as the wrapping sum of
 * their (key, value) pair hashes, so key order never matters; arrays are
 * hashed in order. That makes "structurally equal" and "equal fingerprint"
 * coincide up to hash collisions (about n^2 / 2^65 for n states, as in TLC).
 *
 * Hand-rolled for speed (the checker fingerprints every generated state):
 * `JSON.stringify` would need a key sort per object and a string per state.
 */
import { sameError } from "./same-error.js";

/** A 64-bit fingerprint as two unsigned 32-bit halves. */
export interface Fingerprint {
  hi: number;
  lo: number;
}

/** The value in a state is not plain data (see `assertPlainData`). */
export class NotPlainDataError extends Error {
  override name = "NotPlainDataError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "NotPlainDataError");
  }
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`state is not plain data at ${path}: ${what} (use objects, arrays, numbers, strings, booleans, null)`);
  }
}

const MAX_DEPTH = 200;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** murmur3's 32-bit finalizer: a bijective mix with good avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The walker returns lane 1 and leaves lane 2 in `lane2`, to avoid allocating a pair per value.
let lane2 = 0;

function hashString(s: string): number {
  let a = 0x811c9dc5 ^ s.length;
  let b = 0x27d4eb2f + s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  lane2 = fmix32(b ^ 0x5a5a5a5a);
  return fmix32(a);
}

function hashNumber(n: number): number {
  if ((n | 0) === n) {
    lane2 = fmix32(Math.imul(n ^ 0x3c6ef372, 0x9e3779b1));
    return fmix32(n ^ 0x1b873593);
  }
  f64[0] = n === 0 ? 0 : n;
  const a = u32[0]!;
  const b = u32[1]!;
  lane2 = fmix32(Math.imul(a, 0xcc9e2d51) ^ b ^ 0x2545f491);
  return fmix32(Math.imul(b, 0x1b873593) ^ a ^ 0x7f4a7c15);
}

function hashValue(v: unknown, depth: number): number {
  switch (typeof v) {
    case "string":
      return hashString(v);
    case "number":
      if (!Number.isFinite(v)) throw new NotPlainDataError("", `non-finite number ${v}`);
      return hashNumber(v);
    case "boolean":
      lane2 = v ? 0x6a09e667 : 0x3c6ef372;
      return v ? 0xbb67ae85 : 0xa54ff53a;
    case "object":
      if (v === null) {
        lane2 = 0x510e527f;
        return 0x9b05688c;
      }
      if (depth > MAX_DEPTH) throw new NotPlainDataError("", "nesting too deep (a cycle?)");
      return Array.isArray(v) ? hashArray(v, depth) : hashObject(v as Record<string, unknown>, depth);
    default:
      throw new NotPlainDataError("", describeType(v));
  }
}

function hashArray(a: readonly unknown[], depth: number): number {
  let h1 = 0x1f83d9ab ^ a.length;
  let h2 = 0x5be0cd19 + a.length;
  for (let i = 0; i < a.length; i++) {
    const e1 = hashValue(a[i], depth + 1);
    const e2 = lane2;
    h1 = Math.imul((h1 << 5) | (h1 >>> 27), 0x9e3779b1) ^ e1;
    h2 = Math.imul((h2 << 7) | (h2 >>> 25), 0x85ebca77) ^ e2;
  }
  lane2 = fmix32(h2 ^ 0x165667b1);
  return fmix32(h1 ^ 0xd3a2646c);
}

function hashObject(o: Record<string, unknown>, depth: number): number {
  const proto = Object.getPrototypeOf(o) as { readonly constructor?: { readonly name?: string } } | null;
  if (proto !== Object.prototype && proto !== null) {
    throw new NotPlainDataError("", `instance of ${proto?.constructor?.name ?? "a class"}`);
  }
  let s1 = 0x243f6a88;
  let s2 = 0x85a308d3;
  let n = 0;
  for (const k in o) {
    const v = o[k];
    if (v === undefined) continue; // an absent optional field
    const k1 = hashString(k);
    const k2 = lane2;
    const v1 = hashValue(v, depth + 1);
    const v2 = lane2;
    s1 = (s1 + fmix32(Math.imul(k1, 0x2127599b) ^ v1)) | 0;
    s2 = (s2 + fmix32(Math.imul(k2, 0x6c62272e) ^ v2)) | 0;
    n++;
  }
  lane2 = fmix32(s2 ^ Math.imul(n, 0x7fb5d329));
  return fmix32(s1 ^ n);
}

function describeType(v: unknown): string {
  if (typeof v === "function") return "a function";
  if (typeof v === "bigint") return "a bigint (use a number or a string)";
  if (typeof v === "symbol") return "a symbol";
  if (v === undefined) return "undefined (omit the field or use null)";
  return typeof v;
}

/**
 * Fingerprints a plain-data value into `out` (allocation-free).
 * Throws NotPlainDataError with the path of the offending field.
 */
export function fingerprintInto(value: unknown, out: Fingerprint): void {
  try {
    out.hi = hashValue(value, 0);
    out.lo = lane2;
  } catch (error) {
    if (error instanceof NotPlainDataError) assertPlainData(value);
    throw error;
  }
}

/** Fingerprints a plain-data value; returns a fresh object. */
export function fingerprint(value: unknown): Fingerprint {
  const out = { hi: 0, lo: 0 };
  fingerprintInto(value, out);
  return out;
}

/**
 * Checks that a value is plain data: objects with the plain prototype, arrays,
 * finite numbers, strings, booleans and null, without cycles. Throws
 * NotPlainDataError naming the path (`state.nodes.rm1.log[2]`).
 */
export function assertPlainData(value: unknown, path = "state"): void {
  walkPlain(value, path, new Set());
}

function walkPlain(v: unknown, path: string, seen: Set<object>): void {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new NotPlainDataError(path, `non-finite number ${v}`);
    return;
  }
  if (typeof v !== "object") throw new NotPlainDataError(path, describeType(v));
  if (seen.has(v)) throw new NotPlainDataError(path, "a cycle");
  seen.add(v);
  if (Array.isArray(v)) {
    v.forEach((e, i) => walkPlain(e, `${path}[${i}]`, seen));
  } else {
    const proto = Object.getPrototypeOf(v) as { readonly constructor?: { readonly name?: string } } | null;
    if (proto !== Object.prototype && proto !== null) {
      throw new NotPlainDataError(path, `instance of ${proto?.constructor?.name ?? "a class"}`);
    }
    for (const [k, e] of Object.entries(v)) {
      if (e !== undefined)
        walkPlain(e, /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, seen);
    }
  }
  seen.delete(v);
}

/** Structural equality of plain data (key order ignored, undefined fields absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}
