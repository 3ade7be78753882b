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
  onRequest,
  primaryBackup,
  promote,
  replica,
  replicatedLength,
  resends,
  valueBefore,
  writeValue,
  type Entry,
  type Replica,
} from "../../specs/primary-backup.js";

const at = (self: string, from?: string) =>
  ({
    self,
    from,
    kind: from === undefined ? "choice" : "message",
    params: { writes: 2, reads: 1, failovers: 1 },
    nodes: ["r1", "r2", "r3", "c1", "cfg"],
    roles: { replica: ["r1", "r2", "r3"], client: ["c1"], config: ["cfg"] },
  }) as const;

const w = (value: number): Entry => ({ op: "write", value, client: "c1" });
const rd: Entry = { op: "read", client: "c2" };
const primary: Replica = {
  epoch: 1,
  role: "primary",
  primary: "r1",
  log: [w(1), rd],
  acks: { r2: 2, r3: 1 },
  committed: 0,
};

describe("primary-backup: the replicas' steps", () => {
  it("the primary appends an operation and sends it to every backup, answering nothing yet", () => {
    expect(onRequest(initialReplica("r1"), w(7), ["r2", "r3"])).toEqual(
      become(
        { ...initialReplica("r1"), log: [w(7)] },
        { type: "broadcast", to: ["r2", "r3"], msg: { type: "Replicate", epoch: 1, index: 0, entry: w(7) } },
      ),
    );
    expect(onRequest(initialReplica("r1"), w(7), []).effects.at(-1)).toEqual({
      type: "send",
      to: "c1",
      msg: { type: "WriteAck", value: 7 },
    });
  });

  it("answers exactly the entries every backup holds; a read gets the last write before it", () => {
    expect(replicatedLength(primary, ["r2", "r3"])).toBe(1);
    expect(replicatedLength(primary, ["r2", "r4"])).toBe(0);
    expect(replicatedLength(primary, [])).toBe(2);
    expect([valueBefore(primary.log, 0), valueBefore(primary.log, 1), valueBefore([rd], 1)]).toEqual([null, 1, null]);
    expect(acknowledgeReplicated(primary, ["r2", "r3"])).toEqual(
      become({ ...primary, committed: 1 }, { type: "send", to: "c1", msg: { type: "WriteAck", value: 1 } }),
    );
    expect(acknowledgeReplicated({ ...primary, committed: 1 }, ["r2"])).toEqual(
      become({ ...primary, committed: 2 }, { type: "send", to: "c2", msg: { type: "ReadAck", value: 1 } }),
    );
  });

  it("a backup appends the next entry of its epoch, re-acknowledges one it holds, and ignores the rest", () => {
    const backup = initialReplica("r2");
    const entry = { type: "Replicate", epoch: 1, index: 0, entry: w(5) } as const;
    expect(onReplicate(backup, entry, { checkEpoch: true })).toEqual({
      replica: { ...backup, log: [w(5)] },
      ack: { type: "ReplicateAck", epoch: 1, length: 1 },
    });
    expect(onReplicate(backup, { ...entry, index: 1 }, { checkEpoch: true })).toEqual({ replica: backup, ack: null });
    const holding = { ...backup, log: [w(5), w(6)] };
    expect(onReplicate(holding, entry, { checkEpoch: true })).toEqual({
      replica: holding,
      ack: { type: "ReplicateAck", epoch: 1, length: 2 },
    });
    const later = { ...backup, epoch: 2 };
    expect(onReplicate(later, entry, { checkEpoch: true })).toEqual({ replica: later, ack: null });
    expect(onReplicate(later, entry, { checkEpoch: false }).replica.log).toEqual([w(5)]);
  });

  it("promotion and joining need a newer epoch; a joining backup adopts the new primary's log and name", () => {
    const backup: Replica = { ...initialReplica("r2"), log: [w(1)] };
    expect(promote(backup, "r2", 2)).toEqual({
      epoch: 2,
      role: "primary",
      primary: "r2",
      log: [w(1)],
      acks: {},
      committed: 1,
    });
    expect(promote(backup, "r2", 1)).toBeNull();
    expect(joinEpoch(primary, { type: "NewPrimary", epoch: 2, log: [w(1)] }, "r2")).toEqual({
      epoch: 2,
      role: "backup",
      primary: "r2",
      log: [w(1)],
      acks: {},
      committed: 0,
    });
    expect(joinEpoch(primary, { type: "NewPrimary", epoch: 1, log: [] }, "r2")).toBeNull();
  });

  it("the replica role: a ReplicateAck of the epoch answers the client; one of an older epoch is dropped; a backup redirects", () => {
    const s: Replica = { ...primary, acks: { r2: 2, r3: 0 } };
    expect(replica.reduce(s, { type: "ReplicateAck", epoch: 1, length: 1 }, at("r1", "r3"))).toEqual(
      become(
        { ...s, acks: { r2: 2, r3: 1 }, committed: 1 },
        { type: "send", to: "c1", msg: { type: "WriteAck", value: 1 } },
      ),
    );
    const deposed = { ...s, epoch: 2 };
    expect(replica.reduce(deposed, { type: "ReplicateAck", epoch: 1, length: 2 }, at("r1", "r3"))).toEqual(
      become(deposed),
    );
    expect(replica.reduce(initialReplica("r2"), { type: "NewEpoch", epoch: 2 }, at("r2", "cfg"))).toEqual(
      become(
        { epoch: 2, role: "primary", primary: "r2", log: [], acks: {}, committed: 0 },
        { type: "broadcast", to: ["r1", "r3"], msg: { type: "NewPrimary", epoch: 2, log: [] } },
      ),
    );
    expect(replica.reduce(initialReplica("r2"), { type: "Read" }, at("r2", "c1"))).toEqual(
      become(initialReplica("r2"), {
        type: "send",
        to: "c1",
        msg: { type: "NotPrimary", epoch: 1, primary: "r1" },
      }),
    );
  });

  it("a primary resends the new configuration and the entries a backup has not acknowledged", () => {
    const p2: Replica = { ...primary, epoch: 2, acks: { r2: 1 } };
    expect(resends(p2, ["r2", "r3"]).effects).toEqual([
      { type: "send", to: "r2", msg: { type: "Replicate", epoch: 2, index: 1, entry: rd } },
      { type: "send", to: "r3", msg: { type: "NewPrimary", epoch: 2, log: [w(1), rd] } },
      { type: "send", to: "r3", msg: { type: "Replicate", epoch: 2, index: 0, entry: w(1) } },
      { type: "send", to: "r3", msg: { type: "Replicate", epoch: 2, index: 1, entry: rd } },
    ]);
    expect(resends(initialReplica("r2"), ["r1"]).effects).toEqual([]);
  });

  it("the configuration service promotes in a new epoch and tells the new primary and the clients; the client follows", () => {
    expect(failover({ epoch: 1, primary: "r1", failovers: 0 }, "r2", ["c1"])).toEqual(
      become(
        { epoch: 2, primary: "r2", failovers: 1 },
        { type: "send", to: "r2", msg: { type: "NewEpoch", epoch: 2 } },
        { type: "send", to: "c1", msg: { type: "PrimaryIs", epoch: 2, primary: "r2" } },
      ),
    );
    expect(writeValue("c2", 1)).toBe(201);
    const c0 = client.init(at("c1"));
    expect(client.reduce(c0, { type: "StartWrite" }, at("c1"))).toEqual(
      become(
        { ...c0, writes: 1, pending: { f: "write", value: 101 } },
        { type: "send", to: "r1", msg: { type: "Write", value: 101 } },
        { type: "record", event: { type: "invoke", process: "c1", f: "write", value: 101 } },
      ),
    );
    const moved = client.reduce(c0, { type: "PrimaryIs", epoch: 2, primary: "r2" }, at("c1", "cfg"))!.state;
    expect(moved).toEqual({ ...c0, epoch: 2, primary: "r2" });
    expect(client.reduce(moved, { type: "PrimaryIs", epoch: 1, primary: "r1" }, at("c1", "cfg"))!.state).toBe(moved);
    const reading = { ...c0, reads: 1, pending: { f: "read" } } as const;
    expect(client.reduce(reading, { type: "NotPrimary", epoch: 2, primary: "r3" }, at("c1", "r2"))).toEqual(
      become({ ...reading, epoch: 2, primary: "r3" }, { type: "send", to: "r3", msg: { type: "Read" } }),
    );
  });
});

describe("primary-backup: the model", () => {
  it("holds at the defaults (3 replicas, 1 client, 2 writes, 1 read, 1 failover, 1 crash): 24,585 states, BFS and DFS agree", () => {
    const b = checkSpec(primaryBackup);
    expect([b.result, b.distinctStates, b.generatedStates, b.maxDepth]).toEqual(["ok", 24585, 82611, 29]);
    const d = checkSpec(primaryBackup, { strategy: "dfs" });
    expect([d.result, d.distinctStates, d.generatedStates]).toEqual(["ok", 24585, 82611]);
  });

  it("async-ack: the client is told write 101 is stored, but the promoted backup never had it, in 5 steps", () => {
    const r = checkSpec(primaryBackup, { variant: "async-ack" });
    expect([r.result, r.property]).toEqual(["violation", "acknowledgedWritesSurviveFailover"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "c1: StartWrite",
      'cfg: Promote{replica:"r2"}',
      "r2: receive NewEpoch{epoch:2} from cfg",
      "r1: receive Write{value:101} from c1",
      "c1: receive WriteAck{value:101} from r1",
    ]);
  });

  it("no-epoch-check: the deposed primary's write lands on a backup of the new epoch, in 6 steps", () => {
    const r = checkSpec(primaryBackup, { variant: "no-epoch-check" });
    expect([r.result, r.property]).toEqual(["violation", "backupsArePrefixesOfPrimary"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "c1: StartWrite",
      'cfg: Promote{replica:"r2"}',
      "r2: receive NewEpoch{epoch:2} from cfg",
      "r3: receive NewPrimary{epoch:2,log:[]} from r2",
      "r1: receive Write{value:101} from c1",
      'r3: receive Replicate{epoch:1,index:0,entry:{"op":"write","value":101,"client":"c1"}} from r1',
    ]);
    const last = r.trace?.at(-1)?.state as ProtocolState<Replica>;
    expect([last.nodes["r2"]?.log, last.nodes["r3"]?.log]).toEqual([[], [{ op: "write", value: 101, client: "c1" }]]);
  });

  it("read-from-primary-state: the deposed primary answers a read with a write no backup holds; a read at the new primary returns null, in 11 steps", () => {
    const r = checkSpec(primaryBackup, { variant: "read-from-primary-state" });
    expect([r.result, r.property]).toEqual(["violation", "historyIsLinearizable"]);
    expect(r.trace?.map((s) => s.action)).toEqual([
      null,
      "c1: StartWrite",
      "c2: StartRead",
      'cfg: Promote{replica:"r2"}',
      'c2: receive PrimaryIs{epoch:2,primary:"r2"} from cfg',
      "r2: receive NewEpoch{epoch:2} from cfg",
      "r1: receive Write{value:101} from c1",
      "r1: receive Read from c2",
      "c2: receive ReadAck{value:101} from r1",
      "c2: StartRead",
      "r2: receive Read from c2",
      "c2: receive ReadAck{value:null} from r2",
    ]);
  });

  it("with no failover, even asynchronous acknowledgement loses nothing: the failover is what exposes it", () => {
    const r = checkSpec(primaryBackup, { variant: "async-ack", params: { failovers: 0 } });
    expect([r.result, r.distinctStates, r.generatedStates]).toEqual(["ok", 3493, 11606]);
  });

  it("oneWritableReplicaPerEpoch fails when two replicas are primary of the same epoch, not of different ones", () => {
    const model = primaryBackup.instantiate();
    const prop = model.properties.find((p) => p.name === "oneWritableReplicaPerEpoch");
    if (prop?.kind !== "invariant") throw new Error("missing invariant");
    const [init] = model.initStates();
    const r2 = (epoch: number): Replica => ({ epoch, role: "primary", primary: "r2", log: [], acks: {}, committed: 0 });
    expect(prop.check(init!)).toBe(true);
    expect(prop.check({ ...init!, nodes: { ...init!.nodes, r2: r2(2) } })).toBe(true);
    expect(prop.check({ ...init!, nodes: { ...init!.nodes, r2: r2(1) } })).toBe(false);
  });
});
