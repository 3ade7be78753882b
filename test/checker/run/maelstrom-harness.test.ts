/**
 * The in-process Maelstrom cluster the runtime tests play workloads on: its
 * delivery counts, drops, bounds, logs and error tallies are what those tests
 * read, so they are pinned here on small runs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MaelstromCluster } from "../../../checker/run/maelstrom-harness.js";

let cluster: MaelstromCluster | undefined;
afterEach(() => cluster?.stop());

describe("MaelstromCluster", () => {
  it("init: one delivery per node, each node's log line prefixed with its id, the clock not moved", () => {
    cluster = new MaelstromCluster("echo");
    cluster.init();
    expect([cluster.nodeIds, cluster.stats, cluster.now]).toEqual([
      ["n1", "n2", "n3"],
      { delivered: 3, dropped: 0, ticks: 0 },
      0,
    ]);
    expect(cluster.logs).toEqual([
      "n1: init n1 of n1,n2,n3 serving echo",
      "n2: init n2 of n1,n2,n3 serving echo",
      "n3: init n3 of n1,n2,n3 serving echo",
    ]);
  });

  it("error codes answered to clients are tallied; all documented ones", () => {
    cluster = new MaelstromCluster("echo", { nodes: 2 });
    cluster.init();
    expect(cluster.request("n2", { type: "frob" })).toMatchObject({ type: "error", code: 10 });
    expect(cluster.request("n1", { type: "frob" })).toMatchObject({ type: "error", code: 10 });
    expect(cluster.request("n1", { type: "echo", echo: 1 })).toMatchObject({ type: "echo_ok", echo: 1 });
    expect([...cluster.errorCodes]).toEqual([[10, 2]]);
    expect(cluster.undocumentedCodes()).toEqual([]);
  });

  it("bounds: a reply that needs more deliveries or ticks than allowed throws, having used exactly the bound", () => {
    cluster = new MaelstromCluster("echo", { maxDeliveries: 1, maxTicks: 2 });
    cluster.init();
    expect(cluster.stats.delivered).toBe(3);
    // lin-kv with no leader yet answers a read only after ticks: two ticks are not enough.
    const kv = new MaelstromCluster("lin-kv", { nodes: 1, maxTicks: 2, tickMs: 10 });
    try {
      kv.init();
      expect(() => kv.request("n1", { type: "read", key: 1 })).toThrow(
        'no reply from n1 to {"type":"read","key":1} within the bounds',
      );
      expect([kv.stats.ticks, kv.now]).toEqual([2, 20]);
    } finally {
      kv.stop();
    }
    const none = new MaelstromCluster("echo", { maxDeliveries: 0 });
    try {
      expect(() => none.init()).toThrow(
        'no reply from n1 to {"type":"init","node_id":"n1","node_ids":["n1","n2","n3"]} within the bounds',
      );
      expect(none.stats.delivered).toBe(0);
    } finally {
      none.stop();
    }
  });

  it("drops: none between nodes at rate 0; at 0.3 some, the same ones for a seed, and seed 1 by default", () => {
    const gossip = (options: { dropRate?: number; seed?: number }) => {
      const c = new MaelstromCluster("broadcast", { tickMs: 10, ...options });
      try {
        c.init();
        c.request("n1", { type: "topology", topology: { n1: ["n2", "n3"], n2: ["n1", "n3"], n3: ["n1", "n2"] } });
        for (let k = 0; k < 5; k++) c.request("n1", { type: "broadcast", message: k });
        c.settle();
        return { ...c.stats };
      } finally {
        c.stop();
      }
    };
    expect(gossip({})).toEqual({ delivered: 49, dropped: 0, ticks: 99 });
    const lossy = gossip({ dropRate: 0.3 });
    expect(lossy).toEqual({ delivered: 45, dropped: 20, ticks: 99 });
    expect(gossip({ dropRate: 0.3, seed: 1 })).toEqual(lossy);
    expect(gossip({ dropRate: 0.3, seed: 2 })).not.toEqual(lossy);
  });

  it("isolate: messages between the node and the others are dropped, clients still reach it; heal ends it", () => {
    cluster = new MaelstromCluster("broadcast", { tickMs: 10 });
    cluster.init();
    cluster.isolate("n1");
    expect(cluster.request("n1", { type: "broadcast", message: 1 })).toMatchObject({ type: "broadcast_ok" });
    cluster.settle();
    expect(cluster.request("n2", { type: "read" })).toMatchObject({ messages: [] });
    expect(cluster.stats.dropped).toBeGreaterThan(0);
    cluster.heal();
    cluster.settle();
    expect(cluster.request("n2", { type: "read" })).toMatchObject({ messages: [1] });
  });

  it("stop: every node's poll is gone, so a tick sends nothing", () => {
    cluster = new MaelstromCluster("lin-kv", { tickMs: 10 });
    cluster.init();
    let sent = 0;
    for (let k = 0; k < 100; k++) sent += cluster.tick();
    expect(sent).toBeGreaterThan(0);
    cluster.stop();
    sent = 0;
    for (let k = 0; k < 100; k++) sent += cluster.tick();
    expect(sent).toBe(0);
  });

  it("runLinKv needs virtual time", () => {
    cluster = new MaelstromCluster("lin-kv");
    expect(() => cluster!.runLinKv({ durationMs: 100, rate: 1, concurrency: 1, seed: 1 })).toThrow(
      "runLinKv needs virtual time (tickMs)",
    );
  });
});
