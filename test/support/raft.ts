/** Raft test data shared by the spec's test files: commands, log entries, a server's context and what it sends. */
import type { NodeContext } from "../../src/index.js";
import type { Command, LogEntry, RaftMessage } from "../../specs/raft.js";

/** Client `client`'s put of `value` to key "x", its `seq`th command. */
export const put = (client: string, seq: number, value: number): Command => ({
  client,
  seq,
  op: { type: "put", key: "x", value },
});

/** A log entry of `term` holding `command`. */
export const entry = (term: number, command: Command): LogEntry => ({ term, command });

/**
 * The context of server `self`'s reducer in a cluster of n1, n2, n3 and
 * `clients`, with model `params`: `from` sends it a message (undefined: a timer).
 */
export function serverContext(
  self: string,
  from: string | undefined,
  params: Readonly<Record<string, unknown>>,
  clients: readonly string[] = ["c1"],
): NodeContext<unknown> {
  const servers = ["n1", "n2", "n3"];
  return {
    self,
    from,
    kind: from === undefined ? "timer" : "message",
    params,
    nodes: [...servers, ...clients],
    roles: { server: servers, client: [...clients] },
  };
}

/** The messages a step sends, with their destination. */
export function sentTo(effects: readonly unknown[]): [string, RaftMessage][] {
  return effects.flatMap((e) => {
    const x = e as { type: string; to?: string; msg?: RaftMessage };
    return x.type === "send" && x.msg !== undefined && x.to !== undefined
      ? [[x.to, x.msg] as [string, RaftMessage]]
      : [];
  });
}
