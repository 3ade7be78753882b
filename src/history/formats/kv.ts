import { HistoryParseError } from "../errors.js";
import type { EventType, HistoryEvent, Json } from "../types.js";
import { EdnReader, EdnSyntaxError } from "./edn.js";
import { EVENT_TYPES, type ParsedEvents } from "./parsed.js";

/**
 * Reads Jepsen histories written as one Clojure map per line, as in
 * Porcupine's key-value test data:
 *
 *     {:process 3, :type :ok, :f :get, :key "7", :value "x 3 1 y"}
 *
 * `:process`, `:type` and `:f` are required; `:value` defaults to nil; `:key`
 * and `:time` are kept when present. Events of non-numeric processes (Jepsen's
 * `:nemesis`) are not client operations and are skipped.
 */
export function parseKvLines(lines: readonly string[], file: string): ParsedEvents {
  const events: HistoryEvent[] = [];
  const lineNumbers: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const at = { file, line: i + 1 };
    let map: Json;
    try {
      map = EdnReader.readWhole(line);
    } catch (e) {
      if (e instanceof EdnSyntaxError) throw new HistoryParseError(at, `not a Clojure map: ${e.message}`);
      throw e;
    }
    if (map === null || typeof map !== "object" || Array.isArray(map)) {
      throw new HistoryParseError(at, 'expected a map like {:process 0, :type :invoke, :f :get, :key "k", :value nil}');
    }
    const event = toEvent(map as Record<string, Json>, at);
    if (event === undefined) continue;
    events.push(event);
    lineNumbers.push(i + 1);
  }
  return { events, lines: lineNumbers };
}

function toEvent(map: Record<string, Json>, at: { file: string; line: number }): HistoryEvent | undefined {
  const process = map["process"];
  if (process === undefined) throw new HistoryParseError(at, "the event has no :process");
  if (typeof process === "string") return undefined;
  if (typeof process !== "number" || !Number.isInteger(process))
    throw new HistoryParseError(at, ":process must be an integer");
  const type = map["type"];
  if (typeof type !== "string" || !EVENT_TYPES.has(type)) {
    throw new HistoryParseError(at, `:type must be :invoke, :ok, :fail or :info, not ${JSON.stringify(type ?? null)}`);
  }
  const f = map["f"];
  if (typeof f !== "string") throw new HistoryParseError(at, "the event has no :f (the operation, like :get)");
  const event: { -readonly [K in keyof HistoryEvent]: HistoryEvent[K] } = {
    type: type as EventType,
    process,
    f,
    value: map["value"] ?? null,
  };
  const key = map["key"];
  if (key !== undefined && key !== null) {
    if (typeof key !== "string" && typeof key !== "number")
      throw new HistoryParseError(at, ":key must be a string or a number");
    event.key = String(key);
  }
  const time = map["time"];
  if (typeof time === "number") event.time = time;
  return event;
}
