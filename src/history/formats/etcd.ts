import { HistoryParseError } from "../errors.js";
import type { EventType, HistoryEvent, Json } from "../types.js";
import { EdnReader, EdnSyntaxError } from "./edn.js";
import { EVENT_TYPES, type ParsedEvents } from "./parsed.js";

/** `INFO  jepsen.util - <process> :<type> :<f> <value>`; fields split by tabs or spaces. */
const EVENT_LINE = /^\s*[A-Z]+\s+jepsen\.util\s+-\s+(.*)$/;
/** The usual event lines in one match (the general path below handles the rest and the errors). */
const COMMON_EVENT =
  /^\s*INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:([a-z][\w-]*)\s+(?:(nil)|(-?\d{1,15})|\[(-?\d{1,15})\s+(-?\d{1,15})\]|:([a-z][\w.-]*))\s*$/;

/**
 * The event on a usual line, read in one match; undefined for any other
 * line, which the general path ({@link lineEvent}) then reads. Whatever it
 * reads, the general path reads alike (a shortcut, not a second grammar).
 */
export function commonEvent(line: string): HistoryEvent | undefined {
  const m = COMMON_EVENT.exec(line);
  if (m === null) return undefined;
  const value: Json =
    m[4] !== undefined
      ? null
      : m[5] !== undefined
        ? Number(m[5])
        : m[6] !== undefined
          ? [Number(m[6]), Number(m[7])]
          : m[8]!;
  return { type: m[2] as EventType, process: Number(m[1]), f: m[3]!, value };
}

/** Other log lines (`INFO  jepsen.core - ...`) carry no events and are skipped. */
const OTHER_LOG_LINE = /^\s*(TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL)\s/;

/**
 * Reads a Jepsen log of a single register, as in Porcupine's etcd test data:
 *
 *     INFO  jepsen.util - 3  :invoke  :cas  [1 4]
 *
 * Keyword values become strings (`:timed-out` becomes `"timed-out"`), `nil`
 * becomes `null` and `[1 4]` becomes `[1, 4]`. Log lines without
 * `jepsen.util` events are skipped; anything else is an error.
 */
export function parseEtcdLog(lines: readonly string[], file: string): ParsedEvents {
  const events: HistoryEvent[] = [];
  const lineNumbers: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const event = commonEvent(line) ?? lineEvent(line, { file, line: i + 1 });
    if (event === undefined) continue;
    events.push(event);
    lineNumbers.push(i + 1);
  }
  return { events, lines: lineNumbers };
}

/**
 * The event on any line of a Jepsen log, by the general path: undefined for
 * a blank line or another log line; a HistoryParseError for anything else.
 */
export function lineEvent(line: string, at: { file: string; line: number }): HistoryEvent | undefined {
  if (line.trim() === "") return undefined;
  const m = EVENT_LINE.exec(line);
  if (m === null) {
    if (OTHER_LOG_LINE.test(line) && !line.includes("jepsen.util")) return undefined;
    throw new HistoryParseError(
      at,
      `not a Jepsen log line (expected "INFO  jepsen.util - <process> :<type> :<f> <value>")`,
    );
  }
  return parseFields(m[1]!, at);
}

function parseFields(rest: string, at: { file: string; line: number }): HistoryEvent {
  const fields = /^(\S+)\s+(\S+)(?:\s+(\S+))?(?:\s+(.*\S))?\s*$/.exec(rest);
  if (fields === null) throw new HistoryParseError(at, "truncated event: expected '<process> :<type> :<f> <value>'");
  const [, processText, typeText, fText, valueText] = fields;
  if (!/^\d+$/.test(processText!))
    throw new HistoryParseError(at, `the process must be a number, not ${JSON.stringify(processText)}`);
  const type = keyword(typeText!);
  if (type === undefined || !EVENT_TYPES.has(type)) {
    throw new HistoryParseError(
      at,
      `unknown event type ${JSON.stringify(typeText)}; expected :invoke, :ok, :fail or :info`,
    );
  }
  if (fText === undefined)
    throw new HistoryParseError(at, `truncated event: ':${type}' is not followed by an operation like ':read'`);
  const f = keyword(fText);
  if (f === undefined)
    throw new HistoryParseError(at, `the operation must be a keyword like :read, not ${JSON.stringify(fText)}`);
  if (valueText === undefined)
    throw new HistoryParseError(at, `truncated event: ':${f}' has no value (use nil for none)`);
  let value: Json | undefined = quickValue(valueText);
  if (value !== undefined) return { type: type as EventType, process: Number(processText), f, value };
  try {
    value = EdnReader.readWhole(valueText);
  } catch (e) {
    if (e instanceof EdnSyntaxError)
      throw new HistoryParseError(at, `bad value ${JSON.stringify(valueText)}: ${e.message}`);
    throw e;
  }
  return { type: type as EventType, process: Number(processText), f, value };
}

function keyword(text: string): string | undefined {
  return /^:[^\s:]+$/.test(text) ? text.slice(1) : undefined;
}

/**
 * The common values (`nil`, integers, `[1 2]`, `:timed-out`) without the
 * general reader; undefined for the others. What it reads, the general reader
 * reads alike.
 */
export function quickValue(text: string): Json | undefined {
  if (text === "nil") return null;
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  const pair = /^\[(-?\d{1,15})\s+(-?\d{1,15})\]$/.exec(text);
  if (pair !== null) return [Number(pair[1]), Number(pair[2])];
  if (/^:[\w.-]+$/.test(text)) return text.slice(1);
  return undefined;
}
