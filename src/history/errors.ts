/**
 * Errors for bad input: a history that cannot be parsed or paired, or a model
 * that cannot be loaded. They carry where the problem is so a CLI can print one
 * line (`file:line: message`) and exit 2 without a stack trace.
 */

/** Where in an input a problem was found. */
export interface InputLocation {
  /** The file name as given by the user (or `"<input>"` for in-memory text). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
}

/**
 * A history could not be read: a line does not parse, a completion has no
 * matching invocation, a process invokes twice, the bytes are not UTF-8 text.
 *
 * @example
 * try { parseHistory(text, { file: "h.log" }) }
 * catch (e) { if (e instanceof HistoryParseError) console.error(e.message) } // "h.log:12: ..."
 */
export class HistoryParseError extends Error {
  override readonly name = "HistoryParseError";
  /** The file the error is in. */
  readonly file: string;
  /** The 1-based line of the offending event. */
  readonly line: number;
  /** The problem alone, without the `file:line:` prefix. */
  readonly reason: string;

  constructor(location: InputLocation, reason: string) {
    super(`${location.file}:${location.line}: ${reason}`);
    this.file = location.file;
    this.line = location.line;
    this.reason = reason;
  }
}

/**
 * The input is well-formed but cannot be checked as asked: an unknown model
 * or format name, a model module that exports no model, a history with
 * operations a consistency model does not support.
 */
export class HistoryInputError extends Error {
  override readonly name = "HistoryInputError";
  /** The operation the problem is about, when there is one (its `call` locates it in the history). */
  readonly operation: { readonly id: number; readonly call: number } | undefined;

  constructor(message: string, operation?: { readonly id: number; readonly call: number }) {
    super(message);
    this.operation = operation;
  }
}
