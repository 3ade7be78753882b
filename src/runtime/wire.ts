/**
 * The wire format of the real-network runtime, version 1: one JSON object per
 * frame (a UDP datagram, or a line of a TCP stream),
 *
 *     {"v":1,"from":"n1","to":"n2","msg":{"type":"AppendEntries",...}}
 *
 * `from` and `to` are node or client ids; `msg` is one of the protocol's
 * messages, validated by the receiver before its reducer sees it. A frame is
 * dropped, and counted under its reason, when it is larger than the limit, not
 * JSON, of another version, addressed to someone else, from an unknown sender,
 * or carries a message the receiver does not accept. Nothing a peer sends can
 * make a node throw.
 */

/** The version this runtime writes and accepts. */
export const WIRE_VERSION = 1;

/** The largest frame accepted over UDP: the largest IPv4 datagram payload. */
export const MAX_UDP_FRAME_BYTES = 65_507;

/** The largest frame accepted over TCP (a Raft AppendEntries catching up a follower can be large). */
export const MAX_TCP_FRAME_BYTES = 4 * 1024 * 1024;

/** One frame, decoded. */
export interface Envelope<M = unknown> {
  readonly from: string;
  readonly to: string;
  readonly msg: M;
}

/** Why a frame was dropped. */
export type DropReason =
  "oversized" | "malformed" | "version" | "misaddressed" | "unknownPeer" | "unknownType" | "invalid" | "rejected";

/** Dropped frames by reason, and frames delivered. */
export type WireCounters = Record<DropReason | "delivered", number>;

/** Counters at zero. */
export function emptyCounters(): WireCounters {
  return {
    delivered: 0,
    oversized: 0,
    malformed: 0,
    version: 0,
    misaddressed: 0,
    unknownPeer: 0,
    unknownType: 0,
    invalid: 0,
    rejected: 0,
  };
}

/** Encodes a frame (without a trailing newline). */
export function encodeFrame(envelope: Envelope): string {
  return JSON.stringify({ v: WIRE_VERSION, from: envelope.from, to: envelope.to, msg: envelope.msg });
}

/** A decoded frame, or the reason it is dropped. */
export type Decoded =
  | { readonly ok: true; readonly envelope: Envelope<Readonly<Record<string, unknown>>> }
  | { readonly ok: false; readonly reason: DropReason };

/**
 * Decodes one frame's bytes: size, JSON, version, and the envelope's shape
 * (`from`, `to` strings, `msg` an object with a string `type`). What the
 * message may contain is the receiver's business.
 */
export function decodeFrame(bytes: Uint8Array | string, maxBytes: number): Decoded {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) return { ok: false, reason: "oversized" };
  let value: unknown;
  try {
    value = JSON.parse(
      typeof bytes === "string"
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"),
    );
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!isRecord(value)) return { ok: false, reason: "malformed" };
  if (value["v"] !== WIRE_VERSION) return { ok: false, reason: "version" };
  const { from, to, msg } = value;
  if (typeof from !== "string" || typeof to !== "string" || !isRecord(msg) || typeof msg["type"] !== "string")
    return { ok: false, reason: "malformed" };
  return { ok: true, envelope: { from, to, msg } };
}

/** A plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A non-negative safe integer. */
export function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
