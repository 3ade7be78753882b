import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import {
  accountAfter,
  applyEvent,
  commandSide,
  cqrs,
  decide,
  emptyAccount,
  isPrefixState,
  project,
  type AccountEvent,
  type Projector,
} from "../../specs/cqrs.js";

const deposited = (seq: number): AccountEvent => ({ type: "Deposited", seq, amount: 1 });
const withdrew = (seq: number): AccountEvent => ({ type: "Withdrew", seq, amount: 1 });
const ctx = { self: "cmd", from: undefined, kind: "choice", params: {}, nodes: ["cmd", "view"], roles: {} } as const;

describe("cqrs: the command side", () => {
  it("decides an event numbered after the last one, and rejects a withdrawal from an empty account", () => {
    expect(decide(emptyAccount, { type: "Deposit" })).toEqual(deposited(1));
    expect(decide(emptyAccount, { type: "Withdraw" })).toBeNull();
    expect(decide({ balance: 1, version: 3 }, { type: "Withdraw" })).toEqual(withdrew(4));
  });

  it("folds events into the account", () => {
    const log = [deposited(1), deposited(2), withdrew(3)];
    expect([0, 1, 2, 3].map((n) => accountAfter(log, n))).toEqual([
      { balance: 0, version: 0 },
      { balance: 1, version: 1 },
      { balance: 2, version: 2 },
      { balance: 1, version: 3 },
    ]);
    expect(applyEvent({ balance: 1, version: 1 }, withdrew(2))).toEqual({ balance: 0, version: 2 });
  });

  it("appends an accepted command's event and publishes it; a rejected one publishes nothing", () => {
    expect(commandSide.reduce({ account: emptyAccount, log: [] }, { type: "Deposit" }, ctx)).toEqual(
      become(
        { account: { balance: 1, version: 1 }, log: [deposited(1)] },
        { type: "send", to: "view", msg: { type: "Event", event: deposited(1) } },
      ),
    );
    expect(commandSide.reduce({ account: emptyAccount, log: [] }, { type: "Withdraw" }, ctx)).toEqual(
      become({ account: emptyAccount, log: [] }),
    );
  });
});

describe("cqrs: the projector", () => {
  it("buffers an early event, applies the run it completes, and drops duplicates", () => {
    const early = project({ view: emptyAccount, pending: [] }, withdrew(3));
    expect(early).toEqual({ view: emptyAccount, pending: [withdrew(3)] });
    const still = project(early, deposited(2));
    expect(still).toEqual({ view: emptyAccount, pending: [deposited(2), withdrew(3)] });
    const caughtUp = project(still, deposited(1));
    expect(caughtUp).toEqual({ view: { balance: 1, version: 3 }, pending: [] });
    expect([project(caughtUp, deposited(2)), project(early, withdrew(3))]).toEqual([caughtUp, early]);
  });

  it("a read model is a prefix state when its balance is the log's after `version` events", () => {
    const log = [deposited(1), withdrew(2)];
    expect([isPrefixState({ balance: 1, version: 1 }, log), isPrefixState({ balance: 0, version: 2 }, log)]).toEqual([
      true,
      true,
    ]);
    expect([isPrefixState({ balance: -1, version: 1 }, log), isPrefixState({ balance: 0, version: 3 }, log)]).toEqual([
      false,
      false,
    ]);
  });
});

describe("cqrs: the model", () => {
  it("holds at the defaults (4 commands, 1 duplication): 919 states, BFS and DFS agree", () => {
    const bfs = checkSpec(cqrs);
    expect([bfs.result, bfs.distinctStates, bfs.generatedStates]).toEqual(["ok", 919, 2539]);
    const dfs = checkSpec(cqrs, { strategy: "dfs" });
    expect([dfs.result, dfs.distinctStates, dfs.generatedStates]).toEqual(["ok", 919, 2539]);
  });

  it("apply-on-arrival shows a balance of -1 when the withdrawal overtakes the deposit, in 3 steps", () => {
    const r = checkSpec(cqrs, { variant: "apply-on-arrival" });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "readModelShowsOnlyStatesThatExisted",
      3,
    ]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "cmd: Deposit",
      "cmd: Withdraw",
      'view: receive Event{event:{"type":"Withdrew","seq":2,"amount":1}} from cmd',
    ]);
    expect(((r.trace?.at(-1)?.state as ProtocolState).nodes["view"] as Projector).view).toEqual({
      balance: -1,
      version: 1,
    });
  });

  it("apply-on-arrival also drops the overtaken event for good: the read model never catches up (6 steps: all 4 commands, then both deliveries)", () => {
    const r = checkSpec(cqrs, {
      variant: "apply-on-arrival",
      properties: ["readModelReflectsEveryCommandOnceDrained"],
    });
    expect([r.result, r.property, (r.trace?.length ?? 0) - 1]).toEqual([
      "violation",
      "readModelReflectsEveryCommandOnceDrained",
      6,
    ]);
  });

  it("random search finds apply-on-arrival", () => {
    const r = checkSpec(cqrs, { variant: "apply-on-arrival", strategy: "random", seed: 1 });
    expect([r.result, r.property]).toEqual(["violation", "readModelShowsOnlyStatesThatExisted"]);
  });
});
