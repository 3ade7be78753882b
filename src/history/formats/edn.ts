import { MAX_VALUE_DEPTH } from "../json.js";
import type { Json } from "../types.js";

/**
 * A small reader for the EDN values that appear in Jepsen histories: `nil`,
 * booleans, numbers, strings, keywords (read as strings without the colon),
 * vectors, lists, sets (read as arrays) and maps (read as objects). Commas are
 * whitespace, as in Clojure.
 */
export class EdnReader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  /** Reads one value and requires that only whitespace follows it. */
  static readWhole(text: string): Json {
    const reader = new EdnReader(text);
    const value = reader.read();
    reader.skipSpace();
    if (reader.pos < text.length)
      reader.fail(`unexpected ${JSON.stringify(text.slice(reader.pos, reader.pos + 12))} after the value`);
    return value;
  }

  /** Reads one value starting at the current position. */
  read(): Json {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) return this.fail("the line ends where a value was expected");
    if (c === "{" || c === "[" || c === "(" || (c === "#" && this.text[this.pos + 1] === "{"))
      return this.readNested(c);
    if (c === '"') return this.readString();
    if (c === ":") {
      this.pos++;
      return this.readSymbol();
    }
    if (c === "}" || c === "]" || c === ")") return this.fail(`unexpected '${c}'`);
    const word = this.readSymbol();
    if (word === "nil") return null;
    if (word === "true") return true;
    if (word === "false") return false;
    // parseFloat reads the number and stops at the suffix (N: big integer, M: big decimal).
    if (/^[+-]?\d+N$/.test(word)) return parseFloat(word);
    if (/^[+-]?(\d+\.\d*|\d*\.\d+|\d+)([eE][+-]?\d+)?M?$/.test(word)) return parseFloat(word);
    return word;
  }

  /** A map, vector, list or set, at most {@link MAX_VALUE_DEPTH} levels deep (the reader is recursive). */
  private readNested(c: string): Json {
    if (++this.depth > MAX_VALUE_DEPTH) this.fail(`the value nests more than ${MAX_VALUE_DEPTH} levels deep`);
    try {
      if (c === "{") return this.readMap();
      if (c === "#") {
        this.pos++;
        return this.readSequence("}");
      }
      return this.readSequence(c === "[" ? "]" : ")");
    } finally {
      this.depth--;
    }
  }

  private readMap(): Json {
    this.pos++;
    const out: Record<string, Json> = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === "}") {
        this.pos++;
        return out;
      }
      if (this.pos >= this.text.length) return this.fail("the line ends inside a map: missing '}'");
      const key = this.read();
      if (typeof key !== "string" && typeof key !== "number")
        return this.fail("a map key must be a keyword, string or number");
      this.skipSpace();
      if (this.text[this.pos] === "}" || this.pos >= this.text.length) return this.fail(`the key :${key} has no value`);
      out[String(key)] = this.read();
    }
  }

  private readSequence(close: string): Json {
    this.pos++;
    const out: Json[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      if (this.pos >= this.text.length) return this.fail(`the line ends inside a collection: missing '${close}'`);
      out.push(this.read());
    }
  }

  private readString(): string {
    let out = "";
    this.pos++;
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) return this.fail("the line ends inside a string: missing '\"'");
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === "n") out += "\n";
      else if (e === "t") out += "\t";
      else if (e === "r") out += "\r";
      else if (e === '"' || e === "\\") out += e;
      else return this.fail(`unsupported escape '\\${e ?? ""}' in a string`);
    }
  }

  private readSymbol(): string {
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s,{}[\]()"]/.test(this.text[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail("expected a value");
    return this.text.slice(start, this.pos);
  }

  /** Skips whitespace and commas. */
  skipSpace(): void {
    // charAt past the end is "", which the test rejects.
    while (/[\s,]/.test(this.text.charAt(this.pos))) this.pos++;
  }

  private fail(message: string): never {
    throw new EdnSyntaxError(message);
  }
}

/** A syntax problem inside one line; the caller adds the file and line. */
export class EdnSyntaxError extends Error {
  override readonly name = "EdnSyntaxError";
}
