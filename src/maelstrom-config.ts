/**
 * What a protocol tells `interleave maelstrom` to serve one of Maelstrom's
 * workloads (https://github.com/jepsen-io/maelstrom) with one of its roles:
 * the node is the role's reducer, unchanged, and this mapping says only how
 * a Maelstrom client's request body becomes the role's input, how the
 * role's message to a client becomes the reply body, and how messages
 * between nodes are validated. Timers and driver policies are the spec's
 * `RuntimeConfig` ones, as for `interleave run`.
 *
 * This lives in the kernel (like runtime-config.ts) so that a spec can
 * declare its mapping next to its roles without importing the CLI.
 */
import type { NodeSetup, RoleDef } from "./protocol.js";
import type { RuntimeConfig } from "./runtime-config.js";

/**
 * Maelstrom's error codes, as its protocol documentation lists them
 * ("Errors"). Every code but `timeout` (0) and `crash` (13) is definite: the
 * operation certainly did not happen.
 */
export const MaelstromError = {
  timeout: 0,
  nodeNotFound: 1,
  notSupported: 10,
  temporarilyUnavailable: 11,
  malformedRequest: 12,
  crash: 13,
  abort: 14,
  keyDoesNotExist: 20,
  keyAlreadyExists: 21,
  preconditionFailed: 22,
  txnConflict: 30,
} as const;

/** One of Maelstrom's documented error codes. */
export type MaelstromErrorCode = (typeof MaelstromError)[keyof typeof MaelstromError];

/** The documented codes, for checks that a node answers with no other. */
export const MAELSTROM_ERROR_CODES: readonly MaelstromErrorCode[] = Object.values(MaelstromError);

/** The body of a Maelstrom message: a type, an optional id, and the workload's fields. */
export interface MaelstromBody {
  readonly type: string;
  readonly msg_id?: number;
  readonly in_reply_to?: number;
  readonly [field: string]: unknown;
}

/** An error reply. */
export interface MaelstromErrorBody {
  readonly type: "error";
  readonly code: MaelstromErrorCode;
  readonly text: string;
}

/** What a mapping knows of a client request besides its body. */
export interface MaelstromRequest {
  /** The node's clock, in ms: the explicit time input of roles that read a clock. */
  readonly now: number;
  readonly self: string;
  /** The client that sent it (the role's `ctx.from`). */
  readonly client: string;
}

/**
 * How one role serves one Maelstrom workload.
 *
 * @example
 * const echo: MaelstromMapping<null, EchoInput, EchoReply> = {
 *   workload: "echo", role: echoRole, roleName: "node",
 *   request: (b) => (b.type === "echo" ? { type: "Echo", echo: b["echo"] } : undefined),
 *   reply: (m) => ({ type: "echo_ok", echo: m.echo }),
 *   peer: () => undefined,
 * };
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds mappings of any role
export interface MaelstromMapping<S = any, I = any, M = any, T = any> {
  /** Maelstrom's name of the workload (`lin-kv`, `broadcast`, ...). */
  readonly workload: string;
  /** The role every node runs. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the role's params are the spec's
  readonly role: RoleDef<S, I, M, T, any>;
  /** The role's name in `ctx.roles` (every Maelstrom node runs it). */
  readonly roleName: string;
  /** The role's params (`ctx.params`; default `{}`). */
  readonly params?: unknown;
  /** Timer durations and driver policies: the spec's runtime configuration. */
  readonly runtime?: Pick<RuntimeConfig, "params" | "timerMs" | "driver" | "local">;
  /** The node's first state (default the role's `init`); `now` is the clock. */
  init?(setup: NodeSetup<unknown>, now: number): S;
  /**
   * A client's request as the role's input; an error body to answer with
   * (malformed: 12); undefined when the workload has no such request (10).
   */
  request(body: MaelstromBody, request: MaelstromRequest): I | MaelstromErrorBody | undefined;
  /** The reply body for the role's message to a client; `request` is the body it answers. */
  reply(msg: M, request: MaelstromBody): MaelstromBody;
  /**
   * The `msg_id` of the request a message to a client answers, for roles
   * that answer later than the step that took the request (default: the
   * request of that step).
   */
  answers?(msg: M): number | undefined;
  /** A message from another node as the role's input, or undefined to drop it as invalid. */
  peer(msg: unknown): I | undefined;
  /**
   * For an input from another node that carries a client's request (a
   * follower forwarding to its leader): the client and request, so the
   * answer goes back through the node the client asked.
   */
  carries?(input: I): { readonly client: string; readonly msgId: number } | undefined;
}
