import { HistoryParseError } from "../errors.js";

/**
 * Turns file bytes into lines, rejecting what is not text: invalid UTF-8 and
 * control characters other than tab (a carriage return before the newline is
 * allowed). Every parser starts here so "garbage bytes" are reported the same
 * way whatever the format.
 */
export function toLines(input: string | Uint8Array, file: string): string[] {
  const text = typeof input === "string" ? input : decodeUtf8(input, file);
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  // One scan of the whole text finds nothing in the common case.
  if (!ANY_CONTROL.test(text)) return lines;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith("\r")) {
      line = line.slice(0, -1);
      lines[i] = line;
    }
    const bad = firstControlCharacter(line);
    if (bad >= 0) {
      const code = line.charCodeAt(bad).toString(16).toUpperCase().padStart(4, "0");
      throw new HistoryParseError(
        { file, line: i + 1 },
        `unexpected control character U+${code} at column ${bad + 1}: this is not a text history`,
      );
    }
  }
  return lines;
}

// eslint-disable-next-line no-control-regex -- finding control characters in a history's text is this pattern's job
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\ufffd]/;

// Carriage returns are allowed before a newline only; the per-line check below decides.
// eslint-disable-next-line no-control-regex -- as CONTROL above
const ANY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/;

function firstControlCharacter(line: string): number {
  return line.search(CONTROL);
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    throw new HistoryParseError(
      { file, line: lineOfInvalidUtf8(bytes) },
      "invalid UTF-8 bytes: this is not a text history",
    );
  }
}

/** The 1-based line holding the first byte sequence that is not UTF-8. */
function lineOfInvalidUtf8(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        strictDecoder.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return line;
}
