import type { CompiledModel } from "../model.js";
import type { Operation } from "../operations.js";
import type { KvState } from "./kv.js";

// What a step of each operation does, decided once per operation.
/** An ok `get` of a string (or nil, meaning ""): legal when the key holds it. */
const GET = 0;
/** A `get` without a known result: constrains nothing. */
const ANY_GET = 1;
/** An ok `get` of something that is not a string: never legal. */
const NO_GET = 2;
const PUT = 3;
const APPEND = 4;

const ILLEGAL = -1;
/**
 * Multiplier of the polynomial string hash (FNV's prime). Any number is
 * correct, since content decides equality; tests pass 1, which makes every
 * anagram collide.
 */
const B = 0x01000193;

/**
 * {@link kvModel} compiled for the operations of one key ({@link Model.compile}).
 *
 * The strings the key holds are hash-consed: a string is a put (or initial)
 * value followed by appended texts, stored as a node (previous node, appended
 * text) with its length and a polynomial hash of its whole content, which an
 * append extends in O(1) (h(s + t) = h(s) * B^|t| + h(t)). So a step never
 * copies or hashes the whole string: a `get` compares length and hash and only
 * reads the string when both match; an append looks its result up by length
 * and hash. Content decides equality (hashes only pick candidates), so equal
 * strings get the same number whatever the operations that built them.
 *
 * Hand-rolled for speed: on Porcupine's kv c50-ok history searched in
 * completion order (strings of up to 1.3 KB, about 200,000 distinct ones),
 * building, keying and interning the whole strings took half the checking
 * time (0.6 of 1.2 s) and most of the garbage collection; a node costs a
 * table lookup.
 *
 * Returns `undefined` (the search then uses the model's `step`) for operations
 * on several keys or anything `step` would reject or treat specially.
 */
export function compileKv(
  ops: readonly Operation[],
  initial: KvState,
  hashing: { readonly multiplier?: number } = {},
): CompiledModel<KvState> | undefined {
  const key = ops[0]?.key ?? "";
  // Own keys only, as in `step`: "toString" or "__proto__" are keys like any other.
  const start = Object.hasOwn(initial, key) ? (initial[key] ?? "") : "";
  if (typeof start !== "string") return undefined;
  for (const op of ops) {
    if ((op.key ?? "") !== key) return undefined;
    if (op.f === "get") continue;
    if ((op.f !== "put" && op.f !== "append") || typeof op.input !== "string") return undefined;
  }
  return new KvStrings(ops, key, initial, start, hashing.multiplier ?? B);
}

class KvStrings implements CompiledModel<KvState> {
  readonly initial: number;
  private readonly kind: Uint8Array;
  /** Per operation: the text it writes or the string it reads. */
  private readonly opText: string[] = [];
  private readonly opHash: Int32Array;
  /** Per append: B to the power of its text's length. */
  private readonly opPower: Int32Array;
  /** Per put: its node once known (a put's result does not depend on the state). */
  private readonly putNode: Int32Array;
  private count = 0;
  private parent = new Int32Array(256);
  private length = new Int32Array(256);
  private hash = new Int32Array(256);
  /** The appended text of a node, or the whole string of a node without parent. */
  private readonly text: string[] = [];
  /** Open addressing over (length, hash): node numbers, -1 for empty. */
  private table = new Int32Array(512).fill(-1);
  private mask = 511;

  constructor(
    ops: readonly Operation[],
    private readonly key: string,
    private readonly start: KvState,
    startText: string,
    private readonly multiplier: number,
  ) {
    const n = ops.length;
    this.kind = new Uint8Array(n);
    this.opHash = new Int32Array(n);
    this.opPower = new Int32Array(n);
    this.putNode = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      const op = ops[i]!;
      let text = "";
      if (op.f === "get") {
        const out = op.output === null ? "" : op.output;
        if (op.status !== "ok") this.kind[i] = ANY_GET;
        else if (typeof out !== "string") this.kind[i] = NO_GET;
        else {
          this.kind[i] = GET;
          text = out;
        }
      } else {
        text = op.input as string;
        this.kind[i] = op.f === "put" ? PUT : APPEND;
        this.opPower[i] = power(multiplier, text.length);
      }
      this.opText.push(text);
      this.opHash[i] = textHash(multiplier, text);
    }
    this.initial = this.base(startText, textHash(multiplier, startText));
  }

  step(s: number, op: number): number {
    switch (this.kind[op]) {
      case GET: {
        const text = this.opText[op]!;
        if (this.length[s] !== text.length || this.hash[s] !== this.opHash[op]) return ILLEGAL;
        return this.holds(s, text) ? s : ILLEGAL;
      }
      case ANY_GET:
        return s;
      case PUT: {
        const known = this.putNode[op]!;
        if (known >= 0) return known;
        const id = this.base(this.opText[op]!, this.opHash[op]!);
        this.putNode[op] = id;
        return id;
      }
      case APPEND:
        return this.append(s, op);
      default:
        return ILLEGAL;
    }
  }

  state(s: number): KvState {
    return s === this.initial ? this.start : { ...this.start, [this.key]: this.content(s) };
  }

  memoryBytes(): number {
    return this.parent.length * 20 + this.table.length * 4;
  }

  /** The node of `text` after `s`'s string. */
  private append(s: number, op: number): number {
    const text = this.opText[op]!;
    const length = this.length[s]! + text.length;
    const hash = (Math.imul(this.hash[s]!, this.opPower[op]!) + this.opHash[op]!) | 0;
    const mask = this.mask;
    let i = slot(length, hash) & mask;
    for (let c = this.table[i]!; c !== -1; c = this.table[i]!) {
      if (this.length[c] === length && this.hash[c] === hash) {
        if (this.parent[c] === s && this.text[c] === text) return c;
        if (this.holds(c, this.content(s) + text)) return c;
      }
      i = (i + 1) & mask;
    }
    return this.add(i, s, text, length, hash);
  }

  /** The node of a whole string (a put's value or the initial one). */
  private base(text: string, hash: number): number {
    const mask = this.mask;
    let i = slot(text.length, hash) & mask;
    for (let c = this.table[i]!; c !== -1; c = this.table[i]!) {
      if (this.length[c] === text.length && this.hash[c] === hash && this.holds(c, text)) return c;
      i = (i + 1) & mask;
    }
    return this.add(i, -1, text, text.length, hash);
  }

  private add(i: number, parent: number, text: string, length: number, hash: number): number {
    const id = this.count++;
    if (id === this.parent.length) this.grow();
    this.parent[id] = parent;
    this.length[id] = length;
    this.hash[id] = hash;
    this.text.push(text);
    this.table[i] = id;
    if (this.count * 2 > this.mask) this.rehash();
    return id;
  }

  /** Whether node `s` holds exactly `text`: compares its pieces from the end, without building its string. */
  private holds(s: number, text: string): boolean {
    if (this.length[s] !== text.length) return false;
    let end = text.length;
    for (let c = s; c !== -1; c = this.parent[c]!) {
      const piece = this.text[c]!;
      end -= piece.length;
      if (end < 0 || !text.startsWith(piece, end)) return false;
    }
    return end === 0;
  }

  /** The string of node `s`. */
  private content(s: number): string {
    const pieces: string[] = [];
    for (let c = s; c !== -1; c = this.parent[c]!) pieces.push(this.text[c]!);
    return pieces.reverse().join("");
  }

  private grow(): void {
    const size = this.parent.length * 2;
    const extend = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.parent = extend(this.parent);
    this.length = extend(this.length);
    this.hash = extend(this.hash);
  }

  private rehash(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let id = 0; id < this.count; id++) {
      let i = slot(this.length[id]!, this.hash[id]!) & mask;
      while (table[i] !== -1) i = (i + 1) & mask;
      table[i] = id;
    }
    this.table = table;
    this.mask = mask;
  }
}

/** The polynomial hash of `text`. */
function textHash(multiplier: number, text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, multiplier) + text.charCodeAt(i)) | 0;
  return h;
}

/** `multiplier` to the power `k`, modulo 2^32. */
function power(multiplier: number, k: number): number {
  let p = 1;
  for (let i = 0; i < k; i++) p = Math.imul(p, multiplier);
  return p;
}

function slot(length: number, hash: number): number {
  let h = (hash ^ Math.imul(length, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
