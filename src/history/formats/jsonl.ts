import { HistoryParseError } from "../errors.js";
import { MAX_VALUE_DEPTH, nestedDeeperThan } from "../json.js";
import type { EventType, HistoryEvent, Json } from "../types.js";
import { EVENT_TYPES, type ParsedEvents } from "./parsed.js";

/**
 * Reads JSON Lines of {@link HistoryEvent}: one JSON object per line, blank
 * lines ignored.
 *
 *     {"type":"invoke","process":0,"f":"write","value":3}
 *     {"type":"ok","process":0,"f":"write","value":3}
 *     {"type":"invoke","process":"c1","f":"append","key":"7","value":"x"}
 *
 * Fields: `type` (`invoke`, `ok`, `fail` or `info`), `process` (number or
 * string), `f` (string), `value` (any JSON; missing means `null`), and
 * optionally `key` (string; a number is turned into a string) and `time`
 * (number). Other fields are ignored, so Jepsen's `index` may stay.
 */
export function parseJsonLines(lines: readonly string[], file: string): ParsedEvents {
  const events: HistoryEvent[] = [];
  const lineNumbers: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const at = { file, line: i + 1 };
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new HistoryParseError(at, `invalid JSON: ${(e as Error).message}`);
    }
    if (nestedDeeperThan(raw, MAX_VALUE_DEPTH))
      throw new HistoryParseError(at, `the event nests arrays or objects more than ${MAX_VALUE_DEPTH} levels deep`);
    events.push(toEvent(raw, at));
    lineNumbers.push(i + 1);
  }
  return { events, lines: lineNumbers };
}

function toEvent(raw: unknown, at: { file: string; line: number }): HistoryEvent {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new HistoryParseError(at, 'expected an object like {"type":"invoke","process":0,"f":"read","value":null}');
  }
  const o = raw as Record<string, unknown>;
  const type = o["type"];
  if (typeof type !== "string" || !EVENT_TYPES.has(type)) {
    throw new HistoryParseError(
      at,
      `"type" must be "invoke", "ok", "fail" or "info", not ${JSON.stringify(type ?? null)}`,
    );
  }
  const process = o["process"];
  if (!(typeof process === "string" || (typeof process === "number" && Number.isFinite(process)))) {
    throw new HistoryParseError(at, '"process" must be a number or a string');
  }
  const f = o["f"];
  if (typeof f !== "string" || f === "")
    throw new HistoryParseError(at, '"f" (the operation name) must be a non-empty string');
  const event: { -readonly [K in keyof HistoryEvent]: HistoryEvent[K] } = {
    type: type as EventType,
    process,
    f,
    value: (o["value"] ?? null) as Json,
  };
  const key = o["key"];
  if (key !== undefined && key !== null) {
    if (typeof key !== "string" && typeof key !== "number") throw new HistoryParseError(at, '"key" must be a string');
    event.key = String(key);
  }
  const time = o["time"];
  if (time !== undefined && time !== null) {
    if (typeof time !== "number") throw new HistoryParseError(at, '"time" must be a number');
    event.time = time;
  }
  return event;
}

/**
 * Writes a history as JSON Lines (the inverse of the `jsonl` format), one event
 * per line, with a trailing newline.
 */
export function toJsonLines(events: readonly HistoryEvent[]): string {
  let out = "";
  for (const e of events) {
    const o: Record<string, unknown> = { type: e.type, process: e.process, f: e.f, value: e.value };
    if (e.key !== undefined) o["key"] = e.key;
    if (e.time !== undefined) o["time"] = e.time;
    out += JSON.stringify(o) + "\n";
  }
  return out;
}
