/**
 * The network kinds: one object per kind says how messages are kept, sent,
 * delivered and corrupted, and how the network contributes to a state's
 * fingerprint. The model (model.ts) holds the kind of its protocol and asks
 * it; it never tests which kind it has.
 *
 * Lists are kept canonical so equal networks are equal arrays: `set` and
 * `unordered` sorted by message hash, `fifo` grouped by channel (channels
 * ordered by channel hash) in send order within a channel.
 */
import type { Fingerprint } from "../fingerprint.js";
import type { Envelope, FaultBudget, NetworkKind, NodeId } from "./api.js";
import { channelHash, insertAt, insertSorted, insertUnique, mix, removeAt, type ItemInfo } from "./hashing.js";

/** The envelopes, by identity, with their interned hashes. */
export type ItemTable = Map<object, ItemInfo>;

/** How one kind of network treats messages. */
export interface NetworkSemantics {
  readonly kind: NetworkKind;
  /** Why this network refuses `budget` (as the end of a sentence), or undefined. */
  refusal(budget: Required<Omit<FaultBudget, "crashRoles" | "corruptions">>): string | undefined;
  /** The envelopes a send or broadcast of `msg` from `from` to `to` puts in flight (not yet interned). */
  envelopes(from: NodeId, to: NodeId | readonly NodeId[], msg: unknown): Envelope[];
  /** The envelope's channel hash, kept with it (0 where order does not count). */
  channel(env: Envelope): number;
  /** True when message `k` need not be delivered: it gives the same successors as message `k - 1`. */
  shadowed(network: readonly Envelope[], k: number): boolean;
  /** Whether delivering a message removes it from the network. */
  readonly consumes: boolean;
  /** The network with `env` sent. */
  insert(network: readonly Envelope[], env: Envelope, items: ItemTable): readonly Envelope[];
  /** The network with message `k` replaced by its corrupted form `bad`. */
  replace(network: readonly Envelope[], k: number, bad: Envelope, items: ItemTable): readonly Envelope[];
  /** The network's fingerprint contribution into `out` (every envelope interned). */
  hash(network: readonly Envelope[], items: ItemTable, out: Fingerprint): void;
  /**
   * Adds to `out` the change of the network's contribution when message
   * `consumed` (-1: none) is removed and `sent` are sent, and returns true;
   * returns false when the change depends on positions (then the model
   * hashes the built network). `scratch` is a reusable list.
   */
  hashDelta(
    network: readonly Envelope[],
    consumed: number,
    sent: readonly Envelope[],
    items: ItemTable,
    scratch: Envelope[],
    out: Fingerprint,
  ): boolean;
}

/** The sum of the envelopes' hashes (order does not count). */
function sumHash(network: readonly Envelope[], items: ItemTable, out: Fingerprint): void {
  let h1 = 0;
  let h2 = 0;
  for (let k = 0; k < network.length; k++) {
    const info = items.get(network[k]!)!;
    h1 += info.c1;
    h2 += info.c2;
  }
  out.hi = h1 | 0;
  out.lo = h2 | 0;
}

/** True when `env` is among the first `n` entries of `list`. */
function indexIn(list: readonly Envelope[], n: number, env: Envelope): boolean {
  for (let j = 0; j < n; j++) if (list[j] === env) return true;
  return false;
}

function receivers(to: NodeId | readonly NodeId[]): readonly NodeId[] {
  return typeof to === "string" ? [to] : to;
}

/** TLA+ style: a sent message stays in a set and may be received any number of times; a broadcast is one message. */
const setNetwork: NetworkSemantics = {
  kind: "set",
  consumes: false,
  refusal: (b) =>
    b.loss > 0 || b.duplicate > 0
      ? 'a "set" network already allows loss and duplication; use "unordered" or "fifo" for fault budgets'
      : undefined,
  envelopes: (from, to, msg) => [{ from, to: typeof to === "string" ? to : [...to], msg }],
  channel: () => 0,
  shadowed: () => false,
  insert: (network, env, items) => insertUnique(network, env, items),
  replace: (network, k, bad, items) => insertUnique(removeAt(network, k), bad, items),
  hash: sumHash,
  hashDelta(network, _consumed, sent, items, added, out) {
    // `added` is reused and only its first `n` entries count: setting its length per call was a runtime call (2% of a
    // run).
    let n = 0;
    for (let k = 0; k < sent.length; k++) {
      const env = sent[k]!;
      if (network.includes(env) || indexIn(added, n, env)) continue;
      added[n++] = env;
      const info = items.get(env)!;
      out.hi += info.c1;
      out.lo += info.c2;
    }
    return true;
  },
};

/** Each message is delivered at most once, in any order (a multiset). */
const unorderedNetwork: NetworkSemantics = {
  kind: "unordered",
  consumes: true,
  refusal: () => undefined,
  envelopes: (from, to, msg) => receivers(to).map((r) => ({ from, to: r, msg })),
  channel: () => 0,
  shadowed: (network, k) => k > 0 && network[k - 1] === network[k],
  insert: (network, env, items) => insertSorted(network, env, items),
  replace: (network, k, bad, items) => insertSorted(removeAt(network, k), bad, items),
  hash: sumHash,
  hashDelta(network, consumed, sent, items, _scratch, out) {
    if (consumed >= 0) {
      const info = items.get(network[consumed]!)!;
      out.hi -= info.c1;
      out.lo -= info.c2;
    }
    for (let k = 0; k < sent.length; k++) {
      const info = items.get(sent[k]!)!;
      out.hi += info.c1;
      out.lo += info.c2;
    }
    return true;
  },
};

function sameChannel(a: Envelope, b: Envelope): boolean {
  return a.from === b.from && a.to === b.to;
}

/** Each message is delivered at most once, in send order per (sender, receiver) channel. */
const fifoNetwork: NetworkSemantics = {
  kind: "fifo",
  consumes: true,
  refusal: () => undefined,
  envelopes: unorderedNetwork.envelopes,
  channel: channelHash,
  shadowed: (network, k) => k > 0 && sameChannel(network[k - 1]!, network[k]!),
  insert(network, env, items) {
    // Appends to the end of the envelope's channel.
    const channel = items.get(env)!.channel;
    let k = 0;
    while (k < network.length && items.get(network[k]!)!.channel <= channel) {
      if (items.get(network[k]!)!.channel === channel && !sameChannel(network[k]!, env)) break;
      k++;
    }
    return insertAt(network, k, env);
  },
  replace: (network, k, bad) => network.map((e, j) => (j === k ? bad : e)),
  hash(network, items, out) {
    // A message's position in its channel is part of its hash.
    let h1 = 0;
    let h2 = 0;
    let pos = 0;
    for (let k = 0; k < network.length; k++) {
      const env = network[k]!;
      const info = items.get(env)!;
      pos = k > 0 && sameChannel(network[k - 1]!, env) ? pos + 1 : 0;
      h1 += mix(info.c1, pos);
      h2 += mix(info.c2, pos ^ 0x3c6ef372);
    }
    out.hi = h1 | 0;
    out.lo = h2 | 0;
  },
  hashDelta: () => false,
};

const kinds: Readonly<Record<NetworkKind, NetworkSemantics>> = {
  set: setNetwork,
  unordered: unorderedNetwork,
  fifo: fifoNetwork,
};

/** Whether `kind` names a network kind (a spec file in JavaScript may name any). */
export function isNetworkKind(kind: unknown): kind is NetworkKind {
  return typeof kind === "string" && Object.hasOwn(kinds, kind);
}

/** The network kinds, for messages. */
export const NETWORK_KINDS = Object.keys(kinds) as readonly NetworkKind[];

/** The semantics of a network kind. */
export function networkSemantics(kind: NetworkKind): NetworkSemantics {
  return kinds[kind];
}
