/**
 * Authenticated messages against an active attacker. A client sends commands
 * to a server over a network the attacker reads; every command carries a
 * nonce (the client's sequence number) and a MAC over nonce and value under a
 * key the client and server share. The attacker may replay any command it
 * observed, tamper with an observed command's value (keeping its MAC), and
 * forge commands under the only key it holds, its own. The server applies a
 * command only if its MAC verifies under the shared key and its nonce is new:
 * only commands the client sent are applied, each at most once.
 *
 * The MAC is abstract (Dolev–Yao): `mac(key, nonce, value)` is a value that
 * only the holder of `key` can compute, so the model needs no cryptography;
 * what it checks is the protocol around the MAC (what is covered, what is
 * remembered). The exported `client` and `server` roles are what an
 * application runs; the attacker is the model's.
 */
import { match } from "ts-pattern";
import {
  become,
  defineProtocol,
  defineRole,
  int,
  invariant,
  nodeOf,
  send,
  setAdd,
  setHas,
  type NodeId,
  type ProtocolStateOf,
} from "../src/index.js";

/** An abstract MAC: who computed it, over which nonce and value. Only a holder of `key` can produce `{ key, ... }`. */
export interface Mac {
  readonly key: string;
  readonly nonce: number;
  readonly value: number;
}

/** The MAC of (nonce, value) under `key`. */
export function mac(key: string, nonce: number, value: number): Mac {
  return { key, nonce, value };
}

/** Does `tag` authenticate (nonce, value) under `key`? */
export function verifies(tag: Mac, key: string, nonce: number, value: number): boolean {
  return tag.key === key && tag.nonce === nonce && tag.value === value;
}

/** A command: set the server's value, numbered by the client's nonce. */
export interface Command {
  readonly type: "Command";
  readonly nonce: number;
  readonly value: number;
  readonly mac: Mac;
}

/** The key the client and server share (the attacker never learns it). */
export const SHARED_KEY = "k";
/** The attacker's own key. */
export const ATTACKER_KEY = "eve";

/** The client's application asks it to send `value`. */
export interface Issue {
  readonly type: "Issue";
  readonly value: number;
}

/** The client: nonces used so far. */
export interface ClientState {
  readonly sent: number;
}

/** The client's node id. */
export const CLIENT: NodeId = "c";
/** The server's node id. */
export const SERVER: NodeId = "srv";
/** The attacker's node id. */
export const ATTACKER: NodeId = "eve";

/** A command authenticated under `key`. */
export function command(key: string, nonce: number, value: number): Command {
  return { type: "Command", nonce, value, mac: mac(key, nonce, value) };
}

/** The client: each command gets a fresh nonce and a MAC under the shared key; the attacker's tap sees a copy. */
export const client = defineRole<ClientState, Issue, Command>({
  init: () => ({ sent: 0 }),
  durable: ["sent"],
  reduce: (s, i) => {
    const c = command(SHARED_KEY, s.sent + 1, i.value);
    return become({ sent: s.sent + 1 }, send(SERVER, c), send(ATTACKER, c));
  },
});

/** The server: nonces accepted (a sorted set) and the commands it applied, in order. */
export interface ServerState {
  readonly nonces: readonly number[];
  readonly applied: readonly { readonly nonce: number; readonly value: number }[];
}

/** Options of `serverWith`; the broken variants weaken one check. */
interface ServerOptions {
  /**
   * `full`: the MAC verifies under the shared key; `any-key`: it covers nonce and value under whatever key; `none`: not
   * checked.
   */
  readonly mac: "full" | "any-key" | "none";
  readonly checkNonce: boolean;
}

function macAccepted(c: Command, check: ServerOptions["mac"]): boolean {
  return match(check)
    .with("full", () => verifies(c.mac, SHARED_KEY, c.nonce, c.value))
    .with("any-key", () => verifies(c.mac, c.mac.key, c.nonce, c.value))
    .with("none", () => true)
    .exhaustive();
}

function serverWith(options: ServerOptions) {
  return defineRole<ServerState, Command>({
    init: () => ({ nonces: [], applied: [] }),
    durable: ["nonces", "applied"],
    reduce: (s, c) => {
      if (!macAccepted(c, options.mac)) return become(s);
      if (options.checkNonce && setHas(s.nonces, c.nonce)) return become(s);
      return become({ nonces: setAdd(s.nonces, c.nonce), applied: [...s.applied, { nonce: c.nonce, value: c.value }] });
    },
  });
}

/** The server: applies a command only if its MAC verifies under the shared key and its nonce is new. */
export const server = serverWith({ mac: "full", checkNonce: true });

// ---------------------------------------------------------------------------
// The model: the client's application issues values 1..commands; the
// attacker's injections are bounded by `replays`, `tampers` and `forgeries`.
// ---------------------------------------------------------------------------

interface Params {
  readonly commands: number;
  readonly replays: number;
  readonly tampers: number;
  readonly forgeries: number;
}

/** What the attacker does: replay an observed command, change its value, or forge one under its own key. */
export type AttackerMove =
  | { readonly type: "Replay"; readonly command: Command }
  | { readonly type: "Tamper"; readonly command: Command }
  | { readonly type: "Forge"; readonly nonce: number };

/** The attacker: commands observed (a sorted set by nonce) and injections so far. */
export interface AttackerState {
  readonly observed: readonly Command[];
  readonly replays: number;
  readonly tampers: number;
  readonly forgeries: number;
}

/** The value an attacker writes: one no client command carries. */
export const EVIL = 99;

/** The attacker: a network tap that injects commands to the server. */
export const attacker = defineRole<AttackerState, Command | AttackerMove, Command, never, Params>({
  init: () => ({ observed: [], replays: 0, tampers: 0, forgeries: 0 }),
  choices: (s, ctx) => [
    ...(s.replays < ctx.params.replays ? s.observed.map((c) => ({ type: "Replay", command: c }) as const) : []),
    ...(s.tampers < ctx.params.tampers ? s.observed.map((c) => ({ type: "Tamper", command: c }) as const) : []),
    // A nonce the server has not seen yet, as far as the attacker can tell.
    ...(s.forgeries < ctx.params.forgeries ? [{ type: "Forge", nonce: s.observed.length + 1 } as const] : []),
  ],
  reduce: (s, input) =>
    match(input)
      .with({ type: "Command" }, (c) =>
        become<AttackerState, Command>({ ...s, observed: [...s.observed, c].sort((a, b) => a.nonce - b.nonce) }),
      )
      .with({ type: "Replay" }, (m) =>
        become<AttackerState, Command>({ ...s, replays: s.replays + 1 }, send(SERVER, m.command)),
      )
      .with({ type: "Tamper" }, (m) =>
        become<AttackerState, Command>({ ...s, tampers: s.tampers + 1 }, send(SERVER, { ...m.command, value: EVIL })),
      )
      .with({ type: "Forge" }, (m) =>
        become<AttackerState, Command>(
          { ...s, forgeries: s.forgeries + 1 },
          send(SERVER, command(ATTACKER_KEY, m.nonce, EVIL)),
        ),
      )
      .exhaustive(),
});

function application() {
  return defineRole<ClientState, Issue, Command, never, Params>({
    ...client,
    choices: (s, ctx) => (s.sent < ctx.params.commands ? [{ type: "Issue", value: s.sent + 1 }] : []),
  });
}

type State = ProtocolStateOf<{
  client: ReturnType<typeof application>;
  server: typeof server;
  attacker: typeof attacker;
}>;

function applied(s: State): ServerState["applied"] {
  return nodeOf(s, "server", SERVER).applied;
}

/** Commands authenticated by MAC and nonce, against an attacker that replays, tampers and forges. */
export const authenticatedMessages = defineProtocol({
  name: "authenticated-messages",
  description:
    "a MAC under a shared key and a nonce on every command: against an attacker that replays, tampers with and forges commands, only the client's commands are applied, each at most once",
  params: {
    commands: int(2, { min: 1, max: 3, description: "commands the client sends (values 1..commands)" }),
    replays: int(2, { min: 0, max: 3, description: "observed commands the attacker may replay" }),
    tampers: int(1, { min: 0, max: 2, description: "observed commands the attacker may resend with another value" }),
    forgeries: int(1, { min: 0, max: 2, description: "commands the attacker may forge under its own key" }),
  },
  network: "unordered",
  nodes: () => ({ client: [CLIENT], server: [SERVER], attacker: [ATTACKER] }),
  roles: { client: application(), server, attacker },
  properties: {
    onlyClientCommandsApplied: invariant<State, Params>(
      (s) =>
        applied(s).every((a) => a.nonce >= 1 && a.nonce <= nodeOf(s, "client", CLIENT).sent && a.value === a.nonce),
      "every command the server applies is one the client sent (same nonce, same value)",
    ),
    appliedAtMostOnce: invariant<State, Params>((s) => {
      const nonces = applied(s).map((a) => a.nonce);
      return new Set(nonces).size === nonces.length;
    }, "no command is applied twice, however often it is replayed"),
  },
  variants: {
    "no-nonce": {
      description: "the server checks the MAC but not whether the nonce is new: a replayed command is applied again",
      violates: "appliedAtMostOnce",
      roles: { server: serverWith({ mac: "full", checkNonce: false }) },
    },
    "no-mac-check": {
      description: "the server checks nonces but not MACs: a forged command with a fresh nonce is applied",
      violates: "onlyClientCommandsApplied",
      roles: { server: serverWith({ mac: "none", checkNonce: true }) },
    },
    "mac-without-key-check": {
      description:
        "the server recomputes the MAC over nonce and value but accepts any key: the attacker's forgery under its own key is applied",
      violates: "onlyClientCommandsApplied",
      roles: { server: serverWith({ mac: "any-key", checkNonce: true }) },
    },
  },
});
