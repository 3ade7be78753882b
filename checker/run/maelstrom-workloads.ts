/**
 * Who serves which Maelstrom workload: each is a catalogue spec's role
 * behind the Maelstrom mapping declared next to the spec. `echo` is the one
 * workload with no algorithm to check (it tests a node's plumbing: init,
 * msg_id, in_reply_to), so its role is the one-line reducer below.
 */
import { become, defineRole, reply, type Json, type MaelstromMapping } from "../../src/index.js";
import { broadcastMaelstrom } from "../../specs/broadcast.js";
import { raftMaelstrom } from "../../specs/raft/maelstrom.js";
import { uniqueIdsMaelstrom } from "../../specs/unique-ids.js";

interface Echo {
  readonly type: "Echo";
  readonly echo: Json;
}

/** Echo: answers what it got. */
const echoRole = defineRole<null, Echo, Echo>({
  init: () => null,
  reduce: (s, input, ctx) => become(s, reply(ctx, input)),
});

const echoMaelstrom: MaelstromMapping<null, Echo, Echo> = {
  workload: "echo",
  role: echoRole,
  roleName: "node",
  request: (body) => (body.type === "echo" ? { type: "Echo", echo: (body["echo"] ?? null) as Json } : undefined),
  reply: (msg) => ({ type: "echo_ok", echo: msg.echo }),
  peer: () => undefined,
};

/**
 * The workloads by the name `interleave maelstrom` takes: Maelstrom's
 * workload name, and for lin-kv also the spec's name (`raft`).
 */
export const MAELSTROM_WORKLOADS: Readonly<Record<string, MaelstromMapping>> = {
  echo: echoMaelstrom,
  "unique-ids": uniqueIdsMaelstrom,
  broadcast: broadcastMaelstrom,
  "lin-kv": raftMaelstrom,
  raft: raftMaelstrom,
};

/** The names `interleave maelstrom` takes, for messages. */
export function maelstromWorkloadNames(): string[] {
  return Object.keys(MAELSTROM_WORKLOADS);
}
