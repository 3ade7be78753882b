/**
 * The protocol model's codec (src/protocol/codec.ts): every state of a
 * protocol with timers, crashes, loss and duplication encodes to words that
 * decode to an equal state, whether the words were written as the state was
 * pushed (from the expanded state's node ids) or later (by looking the node
 * states up); a state with a client history stays an object.
 */
import { describe, expect, it } from "vitest";
import {
  become,
  defineProtocol,
  defineRole,
  record,
  send,
  setTimer,
  type Fingerprint,
  type Model,
  type ProtocolState,
} from "../../../src/index.js";

type Tick = { readonly type: "Tick" };
type Msg = { readonly type: "Req" | "Ack"; readonly n: number };

/**
 * A client sends two requests (a timer resends the last one, once, and is armed again); the server acknowledges each.
 */
const client = defineRole<
  { sent: number; acked: number; resent: boolean },
  { readonly type: "Send" } | Msg | Tick,
  Msg,
  Tick
>({
  init: () => ({ sent: 0, acked: 0, resent: false }),
  choices: () => [{ type: "Send" }],
  initialTimers: () => [{ type: "Tick" }],
  durable: ["sent"],
  reduce: (s, input) => {
    if (input.type === "Send")
      return s.sent < 2 ? become({ ...s, sent: s.sent + 1 }, send("s", { type: "Req", n: s.sent })) : undefined;
    if (input.type === "Tick")
      return s.sent > s.acked && !s.resent
        ? become({ ...s, resent: true }, send("s", { type: "Req", n: s.sent - 1 }), setTimer<Tick>({ type: "Tick" }))
        : undefined;
    return input.type === "Ack" ? become({ ...s, acked: Math.max(s.acked, input.n + 1) }) : undefined;
  },
});
const server = defineRole<{ seen: number }, Msg, Msg>({
  init: () => ({ seen: 0 }),
  reduce: (s, m) => become({ seen: s.seen | (1 << m.n) }, send("c", { type: "Ack", n: m.n })),
});

function echo(roles = { client, server }): Model<ProtocolState> {
  return defineProtocol({
    name: "echo",
    description: "requests, resends and acknowledgements",
    network: "unordered",
    nodes: () => ({ client: ["c"], server: ["s"] }),
    roles,
    faults: () => ({ loss: 1, duplicate: 1, crash: 1 }),
    properties: {},
  }).instantiate({});
}

function fingerprintOf(m: Model<ProtocolState>, state: ProtocolState): string {
  const fp: Fingerprint = { hi: 0, lo: 0 };
  m.fingerprint(state, fp);
  return `${fp.hi}:${fp.lo}`;
}

describe("protocol codec", () => {
  it("every state of a protocol with faults decodes to an equal state, the same words pushed or looked up", () => {
    const m = echo();
    const codec = m.codec!;
    const out = new Int32Array(64);
    const seen = new Map<string, { state: ProtocolState; words: number[] }>();
    const queue: ProtocolState[] = [];
    const visit = (state: ProtocolState, words: number[]) => {
      const key = fingerprintOf(m, state);
      if (seen.has(key)) return;
      seen.set(key, { state, words });
      queue.push(state);
    };
    for (const s of m.initStates()) {
      expect(codec.size(s)).toBe(6);
      expect(codec.encode(s, out, 3)).toBe(true);
      visit(s, [...out.subarray(3, 9)]);
    }
    let pushed = 0;
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      const fp: Fingerprint = { hi: 0, lo: 0 };
      m.fingerprint(state, fp);
      m.successors(state, fp, {
        labels: false,
        push: (next) => {
          // As a queue does: encoded while pushed (the fast path, for the successors `emit` builds).
          expect(codec.size(next)).toBe(6);
          expect(codec.encode(next, out, 0)).toBe(true);
          pushed++;
          visit(next, [...out.subarray(0, 6)]);
        },
      });
    }
    expect([seen.size, pushed]).toEqual([2960, 10_732]);
    const states = [...seen.values()];
    // Every part varies: 11 and 4 node states, 114 networks, 2 timer lists, 3 lists of crashed nodes (none, c, s)
    // and the 8 fault counters (each 0 or 1).
    expect([0, 1, 2, 3, 4, 5].map((k) => new Set(states.map((s) => s.words[k])).size)).toEqual([11, 4, 114, 2, 3, 8]);
    expect(states.filter((s) => s.state.down.length > 0).length).toBe(762);
    expect(states.filter((s) => s.state.faults.lost > 0).length).toBe(1375);
    for (const { state, words } of states) {
      // Looked up afresh (not the state just pushed): the same words.
      expect(codec.encode(state, out, 0)).toBe(true);
      expect([...out.subarray(0, 6)]).toEqual(words);
      const decoded = codec.decode(Int32Array.from(words), 0, 6);
      expect(decoded).toEqual(state);
      expect(fingerprintOf(m, decoded)).toBe(fingerprintOf(m, state));
    }
    // Equal lists decode to one shared array.
    const [x, y] = states.filter((s) => s.words[2] === states[1]!.words[2]);
    expect(codec.decode(Int32Array.from(x!.words), 0, 6).network).toBe(
      codec.decode(Int32Array.from(y!.words), 0, 6).network,
    );
  });

  it("a state with a client history stays an object (size -1)", () => {
    const recording = defineRole<{ seen: number }, Msg, Msg>({
      init: () => ({ seen: 0 }),
      reduce: (s, m) =>
        become({ seen: s.seen | (1 << m.n) }, record({ process: 0, type: "ok", f: "req", value: m.n } as never)),
    });
    const m = echo({ client, server: recording });
    const [initial] = m.initStates();
    expect(m.codec!.size(initial!)).toBe(6);
    const withHistory = { ...initial!, history: [{ process: 0, type: "ok", f: "req", value: 0 }] as never };
    expect(m.codec!.size(withHistory)).toBe(-1);
  });

  it("a state whose node state the model never interned is declined (encode gives false)", () => {
    const m = echo();
    const [initial] = m.initStates();
    const stranger = { ...initial!, nodes: { ...initial!.nodes, s: { seen: 99 } } };
    expect(m.codec!.encode(stranger, new Int32Array(6), 0)).toBe(false);
  });
});
