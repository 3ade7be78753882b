import { describe, expect, it } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { become, type ProtocolState } from "../../src/index.js";
import {
  acknowledgeReplicated,
  client,
  failover,
  initialReplica,
  joinEpoch,
  onReplicate,
  onWrite,
  primaryBackup,
  promote,
  replica,
  replicatedLength,
  type Replica,
} from "../../specs/primary-backup.js";

const at = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: { writes: 2, failovers: 1 },
    nodes: ["r1", "r2", "r3", "c", "cfg"],
    roles: { replica: ["r1", "r2", "r3"], client: ["c"], config: ["cfg"] },
  }) as const;

const primary: Replica = { epoch: 1, role: "primary", log: [1, 2], acks: { r2: 2, r3: 1 }, committed: 0 };

describe("primary-backup: the replicas' steps", () => {
  it("the primary appends a write and sends it to every backup, acknowledging nothing yet", () => {
    expect(onWrite(initialReplica("r1"), 7, ["r2", "r3"], "c")).toEqual(
      become(
        { epoch: 1, role: "primary", log: [7], acks: {}, committed: 0 },
        { type: "broadcast", to: ["r2", "r3"], msg: { type: "Replicate", epoch: 1, index: 0, value: 7 } },
      ),
    );
    expect(onWrite(initialReplica("r1"), 7, [], "c").effects.at(-1)).toEqual({
      type: "send",
      to: "c",
      msg: { type: "WriteAck", value: 7 },
    });
  });

  it("acknowledges to the client exactly the entries every backup holds", () => {
    expect(replicatedLength(primary, ["r2", "r3"])).toBe(1);
    expect(replicatedLength(primary, ["r2", "r4"])).toBe(0);
    expect(replicatedLength(primary, [])).toBe(2);
    expect(acknowledgeReplicated(primary, ["r2", "r3"], "c")).toEqual(
      become({ ...primary, committed: 1 }, { type: "send", to: "c", msg: { type: "WriteAck", value: 1 } }),
    );
    expect(acknowledgeReplicated({ ...primary, committed: 1 }, ["r2", "r3"], "c")).toEqual(
      become({ ...primary, committed: 1 }),
    );
  });

  it("a backup appends the next entry of its epoch and ignores the rest, unless it does not check epochs", () => {
    const backup = initialReplica("r2");
    const entry = { type: "Replicate", epoch: 1, index: 0, value: 5 } as const;
    expect(onReplicate(backup, entry, { checkEpoch: true })).toEqual({
      replica: { ...backup, log: [5] },
      ack: { type: "ReplicateAck", epoch: 1, length: 1 },
    });
    expect(onReplicate(backup, { ...entry, index: 1 }, { checkEpoch: true })).toEqual({ replica: backup, ack: null });
    const later = { ...backup, epoch: 2 };
    expect(onReplicate(later, entry, { checkEpoch: true })).toEqual({ replica: later, ack: null });
    expect(onReplicate(later, entry, { checkEpoch: false }).replica.log).toEqual([5]);
  });

  it("promotion and joining need a newer epoch; a joining backup adopts the new primary's log", () => {
    const backup: Replica = { ...initialReplica("r2"), log: [1] };
    expect(promote(backup, 2)).toEqual({ epoch: 2, role: "primary", log: [1], acks: {}, committed: 1 });
    expect(promote(backup, 1)).toBeNull();
    expect(joinEpoch(primary, { type: "NewPrimary", epoch: 2, log: [1] })).toEqual({
      epoch: 2,
      role: "backup",
      log: [1],
      acks: {},
      committed: 0,
    });
    expect(joinEpoch(primary, { type: "NewPrimary", epoch: 1, log: [] })).toBeNull();
  });

  it("the replica role: a ReplicateAck of the epoch acknowledges the client; one of an older epoch is dropped", () => {
    const s: Replica = { ...primary, acks: { r2: 2, r3: 0 } };
    expect(replica.reduce(s, { type: "ReplicateAck", epoch: 1, length: 1 }, at("r1", "r3"))).toEqual(
      become(
        { ...s, acks: { r2: 2, r3: 1 }, committed: 1 },
        { type: "send", to: "c", msg: { type: "WriteAck", value: 1 } },
      ),
    );
    const deposed = { ...s, epoch: 2 };
    expect(replica.reduce(deposed, { type: "ReplicateAck", epoch: 1, length: 2 }, at("r1", "r3"))).toEqual(
      become(deposed),
    );
    expect(replica.reduce(initialReplica("r2"), { type: "NewEpoch", epoch: 2 }, at("r2", "cfg"))).toEqual(
      become(
        { epoch: 2, role: "primary", log: [], acks: {}, committed: 0 },
        { type: "broadcast", to: ["r1", "r3"], msg: { type: "NewPrimary", epoch: 2, log: [] } },
      ),
    );
  });

  it("the configuration service promotes in a new epoch and tells the new primary and the client; the client follows", () => {
    expect(failover({ epoch: 1, primary: "r1", failovers: 0 }, "r2", "c")).toEqual(
      become(
        { epoch: 2, primary: "r2", failovers: 1 },
        { type: "send", to: "r2", msg: { type: "NewEpoch", epoch: 2 } },
        { type: "send", to: "c", msg: { type: "PrimaryIs", epoch: 2, primary: "r2" } },
      ),
    );
    const c0 = client.init(at("c"));
    expect(client.reduce(c0, { type: "SendWrite" }, at("c"))).toEqual(
      become({ ...c0, issued: 1 }, { type: "send", to: "r1", msg: { type: "Write", value: 1 } }),
    );
    const moved = client.reduce(c0, { type: "PrimaryIs", epoch: 2, primary: "r2" }, at("c", "cfg"))!.state;
    expect(moved).toEqual({ ...c0, epoch: 2, primary: "r2" });
    expect(client.reduce(moved, { type: "PrimaryIs", epoch: 1, primary: "r1" }, at("c", "cfg"))!.state).toBe(moved);
  });
});

describe("primary-backup: the model", () => {
  it("holds at the defaults (3 replicas, 2 writes, 1 failover, 1 crash): 22,800 states, BFS and DFS agree", () => {
    const b = checkSpec(primaryBackup);
    expect([b.result, b.distinctStates, b.generatedStates, b.maxDepth]).toEqual(["ok", 22800, 87297, 21]);
    const d = checkSpec(primaryBackup, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 22800, 87297]);
  });

  it("async-ack: the client is told write 1 is stored, but the promoted backup never had it, in 5 steps", () => {
    const r = checkSpec(primaryBackup, { variant: "async-ack" });
    expect([r.result, r.property]).toEqual(["violation", "acknowledgedWritesSurviveFailover"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "c: SendWrite",
      'cfg: Promote{replica:"r2"}',
      "r1: receive Write{value:1} from c",
      "r2: receive NewEpoch{epoch:2} from cfg",
      "c: receive WriteAck{value:1} from r1",
    ]);
  });

  it("no-epoch-check: the deposed primary's write lands on a backup of the new epoch, in 6 steps", () => {
    const r = checkSpec(primaryBackup, { variant: "no-epoch-check" });
    expect([r.result, r.property]).toEqual(["violation", "backupsArePrefixesOfPrimary"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "c: SendWrite",
      'cfg: Promote{replica:"r2"}',
      "r1: receive Write{value:1} from c",
      "r2: receive NewEpoch{epoch:2} from cfg",
      "r3: receive NewPrimary{epoch:2,log:[]} from r2",
      "r3: receive Replicate{epoch:1,index:0,value:1} from r1",
    ]);
    const last = r.trace?.at(-1)?.state as ProtocolState<Replica>;
    expect([last.nodes["r2"]?.log, last.nodes["r3"]?.log]).toEqual([[], [1]]);
  });

  it("with no failover, even asynchronous acknowledgement loses nothing: the failover is what exposes it", () => {
    const r = checkSpec(primaryBackup, { variant: "async-ack", params: { failovers: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 1192, 4199]);
  });

  it("oneWritableReplicaPerEpoch fails when two replicas are primary of the same epoch, not of different ones", () => {
    const model = primaryBackup.instantiate();
    const prop = model.properties.find((p) => p.name === "oneWritableReplicaPerEpoch");
    if (prop?.kind !== "invariant") throw new Error("missing invariant");
    const [init] = model.initStates();
    const r2 = (epoch: number): Replica => ({ epoch, role: "primary", log: [], acks: {}, committed: 0 });
    expect(prop.check(init!)).toBe(true);
    expect(prop.check({ ...init!, nodes: { ...init!.nodes, r2: r2(2) } })).toBe(true);
    expect(prop.check({ ...init!, nodes: { ...init!.nodes, r2: r2(1) } })).toBe(false);
  });
});
