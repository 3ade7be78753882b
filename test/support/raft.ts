/** Raft test data shared by the spec's test files: commands and log entries. */
import type { Command, LogEntry } from "../../specs/raft.js";

/** Client `client`'s put of `value` to key "x", its `seq`th command. */
export const put = (client: string, seq: number, value: number): Command => ({
  client,
  seq,
  op: { type: "put", key: "x", value },
});

/** A log entry of `term` holding `command`. */
export const entry = (term: number, command: Command): LogEntry => ({ term, command });
