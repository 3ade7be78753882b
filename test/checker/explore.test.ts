/**
 * The explorer without a browser: the views a path leads to, a saved trace
 * turned into a path, the JSON API over HTTP, the command's exit codes, and
 * the violation's nodes that the diagrams span.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { checkSpec } from "../../checker/index.js";
import { involvedNodes } from "../../checker/explorer/involved.js";
import { ExplorerSession, PathError, type ExplorerView } from "../../checker/explorer/session.js";
import { parsePathQuery, startExplorer, type ExplorerServer } from "../../checker/explorer/server.js";
import { exploreCommand } from "../../checker/explorer/command.js";
import { raft } from "../../specs/raft.js";
import { raftElection } from "../../specs/raft-election.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { toItf, toMermaid, toTraceJson } from "../../src/trace-formats.js";
import { defineSpec, invariant, sometimes, type Model } from "../../src/index.js";
import { freePort } from "../support/free-port.js";
import { cli } from "../support/cli.js";

const broken = () => new ExplorerSession(twoPhaseCommit.instantiate({ variant: "commit-without-all-prepared" }));

describe("ExplorerSession", () => {
  it("starts at the initial state with every action enabled and every property evaluated", () => {
    const view = broken().view([0]);
    expect(view.path).toEqual([0]);
    expect(view.enabled.map((a) => a.label)).toEqual([
      "tm: DecideCommit",
      "tm: DecideAbort",
      "rm1: Prepare",
      "rm1: ChooseToAbort",
      "rm2: Prepare",
      "rm2: ChooseToAbort",
      "rm3: Prepare",
      "rm3: ChooseToAbort",
    ]);
    expect(view.properties).toEqual([
      { name: "typeOK", kind: "invariant", status: "holds" },
      { name: "consistent", kind: "invariant", status: "holds" },
      // Liveness is about whole behaviours: a state only shows whether the goal holds in it.
      { name: "eventuallyAllDecided", kind: "eventually", status: "not-here" },
    ]);
    expect(view.changes).toEqual([]);
    expect(view.final).toBe(false);
  });

  it("walks the shortest counterexample by ordinals or labels to the same violated state", () => {
    const session = broken();
    const byOrdinal = session.view([0, 0, 1, 5]);
    const byLabel = session.view([0, "tm: DecideCommit", "rm1: ChooseToAbort", "rm2: receive Commit from tm"]);
    expect(byLabel.path).toEqual([0, 0, 1, 5]);
    expect(byLabel.steps).toEqual(byOrdinal.steps);
    expect(byOrdinal.properties.find((p) => p.name === "consistent")?.status).toBe("violated");
    expect(byOrdinal.changes).toEqual(['nodes.rm2.rmState: "working" → "committed"']);
    expect(byOrdinal.changed).toEqual(["nodes.rm2.rmState"]);
    expect(byOrdinal.enabled).toHaveLength(5);
    expect(byOrdinal.sequence).toContain("consistent violated (rm1, rm2)");
    expect(byOrdinal.sequence?.match(/<g data-step=/g)).toHaveLength(3);
  });

  it("says which step of a path the model does not have", () => {
    const session = broken();
    expect(() => session.view([0, 0, 9])).toThrow(
      new PathError("step 2: action #9 is not enabled; 9 actions are enabled there"),
    );
    expect(() => session.view([0, "tm: Nap"])).toThrow(
      new PathError('step 1: action "tm: Nap" is not enabled; 8 actions are enabled there'),
    );
    expect(() => session.view([1])).toThrow(new PathError("there is no initial state 1; the spec has 1 (0..0)"));
  });

  it("turns a saved JSON or ITF counterexample into its path, and refuses one the model does not have", async () => {
    const report = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    const source = {
      spec: "two-phase-commit",
      variant: "commit-without-all-prepared",
      property: report.property,
      params: report.params,
    };
    const session = broken();
    expect(session.pathOfTrace({ trace: toTraceJson(report.trace!, source).steps })).toEqual([0, 0, 1, 5]);
    const itf = toItf(report.trace!, source);
    const { fromItf } = await import("../../src/trace-formats.js");
    expect(session.pathOfTrace(fromItf(itf))).toEqual([0, 0, 1, 5]);
    const edited = report.trace!.map((s, i) => (i === 2 ? { ...s, action: "rm3: ChooseToAbort" } : s));
    expect(() => session.pathOfTrace({ trace: edited })).toThrow(
      /^DIVERGED: two-phase-commit --variant commit-without-all-prepared \(rms=3\): step 2 \(rm3: ChooseToAbort\)/,
    );
  });

  it("evaluates final properties and deadlock only in final states", () => {
    const counter = defineSpec({
      name: "counter",
      description: "counts to 2 and stops",
      init: () => [{ n: 0 }],
      deadlock: true,
      actions: { Inc: (s: { n: number }) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
      properties: { small: invariant((s: { n: number }) => s.n <= 2), two: sometimes((s: { n: number }) => s.n === 2) },
    });
    const session = new ExplorerSession(counter.instantiate());
    expect(session.view([0]).properties.map((p) => p.status)).toEqual(["holds", "not-here", "holds"]);
    const end = session.view([0, 0, "Inc"]);
    expect(end.enabled).toEqual([]);
    expect(end.final).toBe(true);
    expect(end.sequence).toBeNull();
    expect(end.properties).toEqual([
      { name: "small", kind: "invariant", status: "holds" },
      { name: "two", kind: "sometimes", status: "reached" },
      { name: "deadlockFree", kind: "deadlock", status: "violated" },
    ]);
  });
});

describe("the nodes a violation is about", () => {
  it("are raft vote-twice's two leaders, and the Mermaid note spans them", () => {
    const report = checkSpec(raft, { variant: "vote-twice" });
    const model = raft.instantiate({ variant: "vote-twice" });
    expect(report.property).toBe("atMostOneLeaderPerTerm");
    expect(involvedNodes(model as Model<unknown>, report.trace!, report.property!)).toEqual(["n1", "n2"]);
    const mermaid = toMermaid(report.trace!, { spec: "raft", property: report.property, involved: ["n1", "n2"] });
    expect(mermaid.trimEnd().split("\n").at(-1)).toBe("  Note over n1,n2: atMostOneLeaderPerTerm violated (n1, n2)");
  });

  it("fall back to the nodes the last step touched when none is given", () => {
    const report = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    expect(
      toMermaid(report.trace!, { spec: "two-phase-commit", property: "consistent" }).trimEnd().split("\n").at(-1),
    ).toBe("  Note over tm,rm2: consistent violated");
  });

  it("flowcharts list every changed field", () => {
    const trace = [
      { action: null, state: { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 } },
      { action: "all", state: { a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 } },
    ];
    expect(toMermaid(trace, { spec: "s" }).split("\n")[3]).toBe(
      '  s1["a: 0 → 1<br/>b: 0 → 1<br/>c: 0 → 1<br/>d: 0 → 1<br/>e: 0 → 1<br/>f: 0 → 1"]',
    );
  });
});

describe("the explorer's HTTP API", () => {
  let server: ExplorerServer;
  beforeAll(async () => {
    server = await startExplorer(broken() as ExplorerSession<unknown>);
  });
  afterAll(() => server.close());

  it("listens on 127.0.0.1 at a port the system chose", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it("answers info, views, traces, the page and its assets", async () => {
    const info = await (await fetch(`${server.url}api/info`)).json();
    expect(info).toEqual({
      spec: "two-phase-commit",
      variant: "commit-without-all-prepared",
      params: { rms: 3 },
      properties: [
        { name: "typeOK", kind: "invariant" },
        { name: "consistent", kind: "invariant" },
        { name: "eventuallyAllDecided", kind: "eventually" },
      ],
      initStates: 1,
      protocol: true,
    });
    const view = (await (await fetch(`${server.url}api/view?path=0,0,1,5`)).json()) as ExplorerView;
    expect(view.properties[1]).toEqual({ name: "consistent", kind: "invariant", status: "violated" });
    const byLabel = (await (
      await fetch(`${server.url}api/view?path=${encodeURIComponent(JSON.stringify([0, "tm: DecideCommit"]))}`)
    ).json()) as ExplorerView;
    expect(byLabel.path).toEqual([0, 0]);
    const bad = await fetch(`${server.url}api/view?path=0,0,9`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "step 2: action #9 is not enabled; 9 actions are enabled there" });

    const report = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    const body = JSON.stringify(toTraceJson(report.trace!, { spec: "two-phase-commit", property: "consistent" }));
    const loaded = await fetch(`${server.url}api/trace`, { method: "POST", body });
    expect(await loaded.json()).toEqual({ path: [0, 0, 1, 5], property: "consistent" });
    const junk = await fetch(`${server.url}api/trace`, { method: "POST", body: "{}" });
    expect(junk.status).toBe(400);

    const page = await fetch(server.url);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const vendor = await fetch(`${server.url}vendor/preact-htm.js`);
    expect(vendor.status).toBe(200);
    expect(await vendor.text()).toMatch(/export\{.*\bhtml\b.*\brender\b/);
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
  });

  it("reads ?path= as ordinals or a JSON array", () => {
    expect(parsePathQuery(null)).toEqual([0]);
    expect(parsePathQuery("0,2,1")).toEqual([0, 2, 1]);
    expect(parsePathQuery('[0,"tm: DecideCommit"]')).toEqual([0, "tm: DecideCommit"]);
    expect(() => parsePathQuery("0,x")).toThrow('path must be ordinals separated by commas (0,2,1), got "0,x"');
  });
});

describe("interleave explore", () => {
  it("exits 2 with one line for a bad spec, variant, param or trace", async () => {
    expect(await cli("explore", "no-such-spec")).toMatchObject({ code: 2, stdout: "" });
    const variant = await cli("explore", "two-phase-commit", "--variant", "fast");
    expect(variant.code).toBe(2);
    expect(variant.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(variant.stderr).toMatch(/^interleave: spec "two-phase-commit" has no variant "fast"/);
    const param = await cli("explore", "two-phase-commit", "--param", "rms=99");
    expect(param.code).toBe(2);
    expect(param.stderr.trimEnd().split("\n")).toHaveLength(1);
    const dir = mkdtempSync(join(tmpdir(), "interleave-explore-"));
    const file = join(dir, "other.json");
    writeFileSync(
      file,
      JSON.stringify({ spec: "two-phase-commit", steps: [{ action: null, state: { nodes: {}, network: [] } }] }),
    );
    const trace = await cli("explore", "two-phase-commit", "--trace", file);
    expect(trace.code).toBe(2);
    expect(trace.stderr).toBe(
      `interleave: ${file}: DIVERGED: two-phase-commit (rms=3): step 0 of the trace is not a step of the spec: the saved initial state is not an initial state of the spec\n`,
    );
  });

  it("prints its URL, opens a saved trace at its last step, and exits 0 when stopped", async () => {
    const report = checkSpec(twoPhaseCommit, { variant: "commit-without-all-prepared" });
    const dir = mkdtempSync(join(tmpdir(), "interleave-explore-"));
    const file = join(dir, "trace.itf.json");
    writeFileSync(
      file,
      JSON.stringify(
        toItf(report.trace!, {
          spec: "two-phase-commit",
          variant: "commit-without-all-prepared",
          property: "consistent",
        }),
      ),
    );
    let stdout = "";
    let stop = () => {};
    const until = new Promise<void>((resolve) => (stop = resolve));
    const io = { stdout: (t: string) => void ((stdout += t), stop()), stderr: () => {} };
    const code = await exploreCommand(
      "two-phase-commit",
      { variant: "commit-without-all-prepared", param: {}, trace: file, until },
      io,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^interleave explore: http:\/\/127\.0\.0\.1:\d+\/#path=0,0,1,5\n {2}open it in a browser; Ctrl-C stops the server\n$/,
    );
  });

  it("serves at the port asked for until SIGINT or SIGTERM, each handled once and both removed after", async () => {
    const port = await freePort();
    const [sigint, sigterm] = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    let stdout = "";
    const running = exploreCommand(
      "raft-election",
      { param: { servers: "2" }, port },
      { stdout: (t) => void (stdout += t), stderr: () => {} },
    );
    await vi.waitFor(() => expect(stdout).not.toBe(""));
    expect(stdout).toBe(
      `interleave explore: http://127.0.0.1:${port}/\n  open it in a browser; Ctrl-C stops the server\n`,
    );
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual([sigint + 1, sigterm + 1]);
    const info = (await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()) as { params: unknown };
    expect(info.params).toMatchObject({ servers: 2 });
    // The spec's sets reach the session: a vote shows as one added element, not as array positions.
    const model = raftElection.instantiate({ params: { servers: "2" } });
    const plain = new ExplorerSession(model);
    const withSets = new ExplorerSession(model, { sets: raftElection.sets });
    let path: number[] | undefined;
    for (let frontier: number[][] = [[0]]; path === undefined && frontier.length > 0;) {
      frontier = frontier.flatMap((p) => withSets.view(p).enabled.map((_, k) => [...p, k]));
      path = frontier.find((p) => JSON.stringify(withSets.view(p).changes) !== JSON.stringify(plain.view(p).changes));
    }
    expect(path).toBeDefined();
    const view = (await (
      await fetch(`http://127.0.0.1:${port}/api/view?path=${path!.join(",")}`)
    ).json()) as ExplorerView;
    expect(view.changes).toEqual(withSets.view(path!).changes);
    (process.listeners("SIGTERM").at(-1) as () => void)();
    expect(await running).toBe(0);
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual([sigint, sigterm]);
    await expect(fetch(`http://127.0.0.1:${port}/api/info`)).rejects.toThrow();
  });

  it("passes on a trace file's own error unchanged", async () => {
    const io = { stdout: () => {}, stderr: () => {} };
    await expect(
      exploreCommand("two-phase-commit", { param: {}, trace: "/no/such/trace.json", until: Promise.resolve() }, io),
    ).rejects.toThrow(/^trace file not found: \/no\/such\/trace\.json$/);
  });
});
