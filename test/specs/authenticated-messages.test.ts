import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become } from "../../src/index.js";
import {
  ATTACKER_KEY,
  authenticatedMessages,
  client,
  command,
  mac,
  server,
  SHARED_KEY,
  verifies,
} from "../../specs/authenticated-messages.js";

const at = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: {},
    nodes: ["c", "srv", "eve"],
    roles: {},
  }) as const;

describe("authenticated-messages: MACs, client and server", () => {
  it("a MAC verifies only under its key and over the same nonce and value", () => {
    const tag = mac(SHARED_KEY, 1, 5);
    expect(verifies(tag, SHARED_KEY, 1, 5)).toBe(true);
    expect([
      verifies(tag, ATTACKER_KEY, 1, 5),
      verifies(tag, SHARED_KEY, 2, 5),
      verifies(tag, SHARED_KEY, 1, 6),
    ]).toEqual([false, false, false]);
  });

  it("the client numbers each command and sends it to the server (the attacker's tap sees a copy)", () => {
    const c = command(SHARED_KEY, 1, 7);
    expect(client.reduce(client.init(at("c")), { type: "Issue", value: 7 }, at("c"))).toEqual(
      become({ sent: 1 }, { type: "send", to: "srv", msg: c }, { type: "send", to: "eve", msg: c }),
    );
  });

  it("the server applies an authentic command once and drops replays, tampering and forgeries", () => {
    const c = command(SHARED_KEY, 1, 7);
    const once = server.reduce(server.init(at("srv")), c, at("srv", "c"))!.state;
    expect(once).toEqual({ nonces: [1], applied: [{ nonce: 1, value: 7 }] });
    expect(server.reduce(once, c, at("srv", "eve"))).toEqual(become(once));
    const fresh = server.init(at("srv"));
    expect(server.reduce(fresh, { ...c, value: 99 }, at("srv", "eve"))).toEqual(become(fresh));
    expect(server.reduce(fresh, command(ATTACKER_KEY, 1, 99), at("srv", "eve"))).toEqual(become(fresh));
  });
});

describe("authenticated-messages: the model", () => {
  it("holds at the defaults (2 commands; 2 replays, 1 tamper, 1 forgery): 2,400 states, BFS and DFS agree", () => {
    const bfs = checkSpec(authenticatedMessages);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates, bfs.maxDepth]).toEqual(["ok", 2400, 9923, 14]);
    const dfs = checkSpec(authenticatedMessages, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 2400, 9923]);
  });

  it("no-nonce applies a replayed command twice in 5 steps", () => {
    const r = checkSpec(authenticatedMessages, { variant: "no-nonce" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "appliedAtMostOnce", 5]);
    expect(r.trace?.map((s) => s.action?.split(" ")[0])).toEqual([undefined, "c:", "srv:", "eve:", "eve:", "srv:"]);
    expect(r.trace?.[4]?.action).toMatch(/^eve: Replay\{/);
  });

  it("no-mac-check and mac-without-key-check apply a forgery in 2 steps", () => {
    for (const variant of ["no-mac-check", "mac-without-key-check"]) {
      const r = checkSpec(authenticatedMessages, { variant });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", "onlyClientCommandsApplied"]);
      expect(r.trace?.map((s) => s.action)).toEqual([
        null,
        "eve: Forge{nonce:1}",
        'srv: receive Command{nonce:1,value:99,mac:{"key":"eve","nonce":1,"value":99}} from eve',
      ]);
    }
  });

  it("no-mac-check also applies a tampered command, in 4 steps without forgeries", () => {
    const r = checkSpec(authenticatedMessages, { variant: "no-mac-check", params: { forgeries: 0 } });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual(["violation", "onlyClientCommandsApplied", 4]);
    expect(r.trace?.at(-1)?.action).toBe(
      'srv: receive Command{nonce:1,value:99,mac:{"key":"k","nonce":1,"value":1}} from eve',
    );
  });

  it("random search finds every broken variant", () => {
    for (const [variant, property] of [
      ["no-nonce", "appliedAtMostOnce"],
      ["no-mac-check", "onlyClientCommandsApplied"],
      ["mac-without-key-check", "onlyClientCommandsApplied"],
    ] as const) {
      const r = checkSpec(authenticatedMessages, { variant, strategy: "random", seed: 1 });
      expect([variant, r.result, r.property]).toEqual([variant, "violation", property]);
    }
  });
});
