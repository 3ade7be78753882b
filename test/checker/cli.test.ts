import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { runCli } from "../../checker/cli-index.js";
import { cli } from "../support/cli.js";
import { tempFolder } from "../support/temp-folder.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");
/** The tests' files, each test in a folder of its own inside it. */
const scratch = tempFolder("interleave-cli-");

/** The installed binary, as a user runs it: bin/interleave.js, which runs dist/. */
function spawned(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: root });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ListEntry {
  name: string;
  params: { name: string; type: string; default: unknown; description?: string }[];
  properties: { name: string; kind: string; description?: string }[];
  variants: { name: string; description: string; violates?: string; params?: Record<string, unknown> }[];
}

describe("interleave CLI", () => {
  it("check prints the contract's JSON report and exits 0", async () => {
    const r = await cli("check", "two-phase-commit", "--param", "rms=5", "--json", "-");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      spec: "two-phase-commit",
      variant: "default",
      params: { rms: 5 },
      result: "ok",
      property: null,
      distinctStates: 8832,
      generatedStates: 58146,
      trace: null,
    });
    expect(Object.keys(report)).toEqual(expect.arrayContaining(["maxDepth", "durationMs", "statesPerSecond"]));
    expect(r.stderr).toMatch(/^OK: two-phase-commit \(rms=5\)/);
  });

  it("list --json describes every spec, and every broken variant is caught naming its property", async () => {
    const r = await cli("list", "--json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as ListEntry[];
    const tpc = list.find((s) => s.name === "two-phase-commit");
    expect(tpc?.params).toEqual([
      { name: "rms", type: "int", default: 3, min: 1, max: 12, description: "number of resource managers" },
    ]);
    expect(tpc?.properties).toEqual([
      { name: "typeOK", kind: "invariant", description: "TPTypeOK: every variable holds a value of its type" },
      { name: "consistent", kind: "invariant", description: "no RM has committed while another has aborted" },
      {
        name: "eventuallyAllDecided",
        kind: "eventually",
        description: "every fair behaviour reaches a state where every RM has committed or aborted",
      },
    ]);
    const broken = tpc?.variants.filter((v) => v.violates) ?? [];
    expect(broken.length).toBeGreaterThanOrEqual(1);
    for (const v of broken) {
      const c = await cli("check", "two-phase-commit", "--variant", v.name, "--json", "-");
      expect(c.code, v.name).toBe(1);
      expect(JSON.parse(c.stdout)).toMatchObject({ result: "violation", property: v.violates });
    }
  });

  it("prints a violation as a readable trace of changed fields", async () => {
    const r = await cli("check", "two-phase-commit", "--variant", "commit-without-all-prepared");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'VIOLATION: two-phase-commit --variant commit-without-all-prepared (rms=3): invariant "consistent" is violated after 3 steps',
    );
    expect(r.stdout).toContain(
      'Step 1: tm: DecideCommit\n    nodes.tm.tmState: "init" → "committed"\n    network: + {"from":"tm","to":["rm1","rm2","rm3"],"msg":{"type":"Commit"}}',
    );
    expect(r.stdout).toContain('Step 3: rm2: receive Commit from tm\n    nodes.rm2.rmState: "working" → "committed"');
  });

  it("writes the report and the trace to files", async () => {
    const dir = mkdtempSync(join(scratch.path, "cli-"));
    const r = await cli(
      "check",
      "two-phase-commit",
      "--variant",
      "commit-without-all-prepared",
      "--json",
      join(dir, "r.json"),
      "--trace-format",
      "json",
      "--out",
      join(dir, "t.json"),
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, "r.json"), "utf8")).property).toBe("consistent");
    expect(JSON.parse(readFileSync(join(dir, "t.json"), "utf8"))).toMatchObject({
      spec: "two-phase-commit",
      variant: "commit-without-all-prepared",
      params: { rms: 3 },
      property: "consistent",
    });
    expect(JSON.parse(readFileSync(join(dir, "t.json"), "utf8")).steps).toHaveLength(4);
  });

  it("prints the trace as ITF, Mermaid or HTML on stdout, the summary on stderr", async () => {
    const args = ["check", "two-phase-commit", "--variant", "commit-without-all-prepared", "--trace-format"];
    const itf = await cli(...args, "itf");
    expect(itf.code).toBe(1);
    expect(itf.stderr).toMatch(
      /^VIOLATION: two-phase-commit --variant commit-without-all-prepared \(rms=3\): invariant "consistent" is violated after 3 steps/,
    );
    const doc = JSON.parse(itf.stdout) as {
      "#meta": { format: string };
      vars: string[];
      states: { "#meta": { index: number; action: string }; nodes: unknown; faults: unknown }[];
    };
    expect(doc["#meta"].format).toBe("ITF");
    expect(doc.vars).toEqual(["nodes", "network", "timers", "down", "faults", "history"]);
    expect(doc.states.map((s) => s["#meta"].action)).toEqual([
      "init",
      "tm: DecideCommit",
      "rm1: ChooseToAbort",
      "rm2: receive Commit from tm",
    ]);
    expect(doc.states[3]!.nodes).toMatchObject({ rm1: { rmState: "aborted" }, rm2: { rmState: "committed" } });
    expect(doc.states[0]!.faults).toEqual({
      lost: { "#bigint": "0" },
      duplicated: { "#bigint": "0" },
      crashed: { "#bigint": "0" },
    });

    const mermaid = await cli(...args, "mermaid");
    expect(mermaid.code).toBe(1);
    expect(mermaid.stdout.split("\n").slice(1)).toEqual([
      "sequenceDiagram",
      "  participant tm as tm",
      "  participant rm1 as rm1",
      "  participant rm2 as rm2",
      "  participant rm3 as rm3",
      "  Note over tm: DecideCommit",
      "  Note over rm1: ChooseToAbort",
      "  tm->>rm2: Commit",
      "  Note over rm1,rm2: consistent violated (rm1, rm2)",
      "",
    ]);

    const html = await cli(...args, "html");
    expect(html.code).toBe(1);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout.match(/<tr/g)).toHaveLength(5); // the header and 4 states
    expect(html.stdout).toContain('<tr class="violated"><td>3</td><td>rm2: receive Commit from tm</td>');
    expect(html.stdout).not.toMatch(/<script|https?:\/\/(?!apalache)/);
  });

  it("exits 3 when a limit ends the search", async () => {
    const r = await cli("check", "two-phase-commit", "--max-states", "100", "--json", "-");
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ result: "incomplete", limit: "max-states", distinctStates: 100 });
    expect((await cli("check", "two-phase-commit", "--max-depth", "3")).code).toBe(3);
  });

  it("random walks take their seed, runs and depth from the options, and print what repeats them", async () => {
    const walk = ["check", "two-phase-commit", "--strategy", "random", "--seed", "12", "--max-depth", "5"];
    const five = await cli(...walk, "--runs", "5", "--json", "-");
    expect(five.code).toBe(3);
    const report = JSON.parse(five.stdout);
    expect([report.seed, report.runs, report.walkDepth, report.distinctStates, report.generatedStates]).toEqual([
      12, 5, 5, 27, 65,
    ]);
    expect(five.stderr).toContain(
      "\nsearch: interleave check two-phase-commit --param rms=3 --strategy random --seed 12 --runs 5 --max-depth 5\n",
    );
    const six = JSON.parse((await cli(...walk, "--runs", "6", "--json", "-")).stdout);
    expect([six.runs, six.distinctStates, six.generatedStates]).toEqual([6, 40, 87]);
  });

  it.each([
    [["check", "nope"], 'interleave: no spec named "nope"; specs: '],
    [
      ["check", "two-phase-commit", "--variant", "fast"],
      'interleave: spec "two-phase-commit" has no variant "fast"; variants: default, commit-without-all-prepared, abort-after-commit, no-fairness, unfair-network',
    ],
    [["check", "two-phase-commit", "--param", "rms=x"], 'interleave: param "rms" must be an integer, got "x"'],
    [["check", "two-phase-commit", "--param", "rm=3"], 'interleave: unknown param "rm"; params: rms'],
    [
      ["check", "two-phase-commit", "--param", "rms"],
      "interleave: option '--param <name=value>' argument 'rms' is invalid. --param takes name=value, got \"rms\"",
    ],
    [["check", "two-phase-commit", "--max-states", "-1"], "interleave: "],
    [
      ["check", "two-phase-commit", "--max-states", "x2"],
      "interleave: option '--max-states <n>' argument 'x2' is invalid. --max-states must be a positive integer, got \"x2\"",
    ],
    [
      ["check", "two-phase-commit", "--timeout", "soon"],
      "interleave: option '--timeout <seconds>' argument 'soon' is invalid.",
    ],
    [
      ["check", "two-phase-commit", "--workers", "0"],
      "interleave: option '--workers <n>' argument '0' is invalid. --workers must be a positive integer",
    ],
    [
      ["check", "two-phase-commit", "--workers", "2", "--strategy", "dfs"],
      "interleave: --workers above 1 runs breadth-first search",
    ],
    [
      ["check", "two-phase-commit", "--trace-format", "dot"],
      "interleave: option '--trace-format <format>' argument 'dot' is invalid. Allowed choices are text, json, itf, mermaid, html.",
    ],
    [["check", "./no/such/spec.ts"], "interleave: spec file not found: ./no/such/spec.ts"],
    [["check", "lamport-clock", "--symmetry"], 'interleave: spec "lamport-clock" declares no symmetric roles'],
    [["frobnicate"], "interleave: unknown command 'frobnicate'"],
  ])("bad input %j exits 2 with one line", async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith(message)).toBe(true);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("lincheck: one JSON line per file, exit 1 when any history is not linearizable, 2 on bad input", async () => {
    const etcd = resolve(root, "test/fixtures/porcupine/etcd");
    const ok = await cli("lincheck", join(etcd, "etcd_002.log"), "--json", "-");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      model: "register",
      result: "linearizable",
      operations: 77,
      partitions: 1,
    });
    const bad = await cli("lincheck", join(etcd, "etcd_002.log"), join(etcd, "etcd_000.log"), "--json", "-");
    expect(bad.code).toBe(1);
    expect(
      bad.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).result),
    ).toEqual(["linearizable", "violation"]);
    const dir = mkdtempSync(join(scratch.path, "lincheck-"));
    writeFileSync(join(dir, "g.log"), "garbage\n");
    const garbage = await cli("lincheck", join(dir, "g.log"));
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain(`${join(dir, "g.log")}:1: cannot tell the history format`);
  });

  it("checks a user's own TypeScript spec by path", async () => {
    const dir = mkdtempSync(join(scratch.path, "user-"));
    const api = pathToFileURL(join(root, "dist/src/index.js")).href;
    writeFileSync(
      join(dir, "mutex.ts"),
      `import { defineSpec, invariant, choose } from ${JSON.stringify(api)};
type State = { readonly pc: readonly ("idle" | "waiting" | "critical")[]; readonly lock: number | null };
export default defineSpec({
  name: "mutex",
  description: "two processes take a lock",
  init: () => [{ pc: ["idle", "idle"], lock: null } as State],
  actions: {
    Request: choose((s: State) => [0, 1], (s: State, i: number) => s.pc[i] === "idle" ? { ...s, pc: s.pc.map((x, j) => (j === i ? "waiting" : x)) } : undefined),
    Enter: choose((s: State) => [0, 1], (s: State, i: number) => s.pc[i] === "waiting" && s.lock === null ? { pc: s.pc.map((x, j) => (j === i ? "critical" : x)), lock: i } : undefined),
    Exit: choose((s: State) => [0, 1], (s: State, i: number) => s.pc[i] === "critical" ? { pc: s.pc.map((x, j) => (j === i ? "idle" : x)), lock: null } : undefined),
  },
  properties: { mutualExclusion: invariant((s: State) => s.pc.filter((x) => x === "critical").length <= 1) },
});
`,
    );
    const r = await cli("check", join(dir, "mutex.ts"), "--json", "-");
    expect(r.stderr).toMatch(/^OK: mutex/);
    expect(r.code).toBe(0);
    // idle/waiting/critical for two processes, at most one critical: 9 - 1 = 8 states.
    expect(JSON.parse(r.stdout)).toMatchObject({ spec: "mutex", result: "ok", distinctStates: 8 });
  });
});

describe("interleave CLI messages", () => {
  /** A spec file of its own in a fresh folder. */
  function specFile(name: string, text: string): string {
    const dir = mkdtempSync(join(scratch.path, "messages-"));
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  }

  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    expect(version).toBe("0.1.0");
    for (const flag of ["--version", "-V"]) {
      // The installed binary too: bin/interleave.js starts the CLI and exits with its code.
      expect(spawned(flag)).toEqual({ code: 0, stdout: "0.1.0\n", stderr: "" });
      expect(await cli(flag)).toEqual({ code: 0, stdout: "0.1.0\n", stderr: "" });
    }
  });

  it("list --json carries every description: params (with their range), properties, variants; and the symmetric roles", async () => {
    const list = JSON.parse((await cli("list", "--json")).stdout) as ListEntry[];
    expect(list).toHaveLength(45);
    expect(list.find((s) => s.name === "two-phase-commit")).toEqual({
      name: "two-phase-commit",
      description: "Gray and Lamport's two-phase commit (TwoPhase.tla): a TM and RMs agree to commit or abort",
      params: [{ name: "rms", type: "int", default: 3, min: 1, max: 12, description: "number of resource managers" }],
      properties: [
        { name: "typeOK", kind: "invariant", description: "TPTypeOK: every variable holds a value of its type" },
        { name: "consistent", kind: "invariant", description: "no RM has committed while another has aborted" },
        {
          name: "eventuallyAllDecided",
          kind: "eventually",
          description: "every fair behaviour reaches a state where every RM has committed or aborted",
        },
      ],
      variants: [
        {
          name: "default",
          description: "Gray and Lamport's two-phase commit (TwoPhase.tla): a TM and RMs agree to commit or abort",
        },
        {
          name: "commit-without-all-prepared",
          description: "the TM commits without waiting for every RM's Prepared message",
          violates: "consistent",
        },
        {
          name: "abort-after-commit",
          description: "the TM may still decide to abort after it decided to commit",
          violates: "consistent",
        },
        {
          name: "no-fairness",
          description: "no step is fair: the system may stop at any point (here: before anything happens)",
          violates: "eventuallyAllDecided",
        },
        {
          name: "unfair-network",
          description: "the TM and RMs act when they can, but the network may hold a decision forever",
          violates: "eventuallyAllDecided",
        },
      ],
      symmetry: ["rm"],
    });
    const undescribed = list.flatMap((s) => [
      ...s.params.filter((p) => !p.description).map((p) => `${s.name} param ${p.name}`),
      ...s.properties.filter((p) => !p.description).map((p) => `${s.name} property ${p.name}`),
      ...s.variants.filter((v) => !v.description).map((v) => `${s.name} variant ${v.name}`),
    ]);
    expect(undescribed).toEqual([]);
  });

  it("the text listing shows each param's type, range and description", async () => {
    const r = await cli("list");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 13)).toEqual([
      "two-phase-commit: Gray and Lamport's two-phase commit (TwoPhase.tla): a TM and RMs agree to commit or abort",
      "  params:     rms=3 (int, 1..12): number of resource managers",
      "  properties: typeOK (invariant), consistent (invariant), eventuallyAllDecided (eventually)",
      "  variant commit-without-all-prepared: the TM commits without waiting for every RM's Prepared message (violates consistent)",
      "  variant abort-after-commit: the TM may still decide to abort after it decided to commit (violates consistent)",
      "  variant no-fairness: no step is fair: the system may stop at any point (here: before anything happens) (violates eventuallyAllDecided)",
      "  variant unfair-network: the TM and RMs act when they can, but the network may hold a decision forever (violates eventuallyAllDecided)",
      "",
      "lamport-clock: Lamport's logical clocks: happened-before implies a smaller clock, and (clock, process) totally orders events consistently with it",
      "  params:     processes=3 (int, 2..4): number of processes",
      "              events=1 (int, 1..3): local events and sends per process (receives are not counted)",
      "  properties: clockCondition (invariant), totalOrderExtendsHappenedBefore (invariant), clockAdvancesWithEveryEvent (action)",
      "  variant receive-without-max: on receipt the clock ticks past its own value only (local + 1), ignoring the message's stamp (violates clockCondition)",
    ]);
    expect(r.stdout).toContain(
      "\n              workload=put (put|get-put|get-put-cas): operations clients choose from\n",
    );
  });

  it("list <spec> shows one catalogue spec in full", async () => {
    const r = await cli("list", "two-phase-commit");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "two-phase-commit: Gray and Lamport's two-phase commit (TwoPhase.tla): a TM and RMs agree to commit or abort",
        "",
        "params (--param name=value):",
        "  rms=3 (int, 1..12): number of resource managers",
        "",
        "properties:",
        "  typeOK (invariant): TPTypeOK: every variable holds a value of its type",
        "  consistent (invariant): no RM has committed while another has aborted",
        "  eventuallyAllDecided (eventually): every fair behaviour reaches a state where every RM has committed or aborted",
        "",
        "variants (--variant name):",
        "  commit-without-all-prepared: the TM commits without waiting for every RM's Prepared message (violates consistent)",
        "  abort-after-commit: the TM may still decide to abort after it decided to commit (violates consistent)",
        "  no-fairness: no step is fair: the system may stop at any point (here: before anything happens) (violates eventuallyAllDecided)",
        "  unfair-network: the TM and RMs act when they can, but the network may hold a decision forever (violates eventuallyAllDecided)",
        "",
        "symmetric roles (--symmetry): rm",
        "",
      ].join("\n"),
    );
    const raft = await cli("list", "raft");
    expect(raft.code).toBe(0);
    expect(raft.stdout).toContain("  crash=0 (int, 0..3): server crashes (each followed by a possible restart)\n");
    expect(raft.stdout).toContain(
      "  stale-read [clients=2, requests=2, workload=get-put, maxTerm=2, maxLog=1, preVote=off]: a leader answers reads from its local state without confirming it is still the leader (violates linearizableClientHistory)\n",
    );
    const json = await cli("list", "raft", "--json");
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: "raft",
      params: expect.arrayContaining([
        {
          name: "crash",
          type: "int",
          default: 0,
          min: 0,
          max: 3,
          description: "server crashes (each followed by a possible restart)",
        },
      ]),
    });
    expect(await cli("list", "nope")).toMatchObject({ code: 2, stdout: "" });
  });

  it("list ./file.ts shows a user's spec in full", async () => {
    const file = specFile(
      "counter.ts",
      `import { bool, defineSpec, int, invariant, oneOf } from "interleave-check";
export default defineSpec({
  name: "counter",
  description: "counts up to a bound",
  params: {
    max: int(2, { min: 0, description: "highest count" }),
    step: int(1, { max: 3, description: "how far one Inc goes" }),
    spare: int(0),
    loud: bool(false),
    mode: oneOf(["up", "down"], "up", { description: "which way" }),
  },
  init: () => [{ n: 0 }],
  actions: { Inc: (s: { n: number }, p: { max: number }) => (s.n < p.max ? { n: s.n + 1 } : undefined) },
  properties: {
    bounded: invariant((s: { n: number }, p: { max: number }) => s.n <= p.max, "never counts past max"),
    small: invariant((s: { n: number }) => s.n < 100),
  },
  variants: {
    "off-by-one": { description: "counts one past max", violates: "bounded", actions: { Inc: (s: { n: number }, p: { max: number }) => (s.n <= p.max ? { n: s.n + 1 } : undefined) } },
    tiny: { description: "a smaller bound", params: { max: 1, mode: "down" } },
  },
});
`,
    );
    const r = await cli("list", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "counter: counts up to a bound",
        "",
        "params (--param name=value):",
        "  max=2 (int, at least 0): highest count",
        "  step=1 (int, at most 3): how far one Inc goes",
        "  spare=0 (int)",
        "  loud=false (bool)",
        "  mode=up (up|down): which way",
        "",
        "properties:",
        "  bounded (invariant): never counts past max",
        "  small (invariant)",
        "",
        "variants (--variant name):",
        "  off-by-one: counts one past max (violates bounded)",
        "  tiny [max=1, mode=down]: a smaller bound",
        "",
      ].join("\n"),
    );
    // The JSON listing: a bound only where one is set, a description only where one is given.
    const json = await cli("list", file, "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      name: "counter",
      description: "counts up to a bound",
      params: [
        { name: "max", type: "int", default: 2, min: 0, description: "highest count" },
        { name: "step", type: "int", default: 1, max: 3, description: "how far one Inc goes" },
        { name: "spare", type: "int", default: 0 },
        { name: "loud", type: "bool", default: false },
        { name: "mode", type: "up|down", default: "up", description: "which way" },
      ],
      properties: [
        { name: "bounded", kind: "invariant", description: "never counts past max" },
        { name: "small", kind: "invariant" },
      ],
      variants: [
        { name: "default", description: "counts up to a bound" },
        { name: "off-by-one", description: "counts one past max", violates: "bounded" },
        { name: "tiny", description: "a smaller bound", params: { max: 1, mode: "down" } },
      ],
    });
  });

  it("summaries separate thousands and say 1 step", async () => {
    expect((await cli("check", "two-phase-commit", "--param", "rms=5")).stdout).toMatch(
      /^OK: two-phase-commit \(rms=5\): every property holds; 8,832 distinct states, 58,146 generated, depth 16, \d+\.\d\d s \([\d,]+ states\/s\)\n$/,
    );
    const file = specFile(
      "one-step.ts",
      `import { defineSpec, invariant } from "interleave-check";
export default defineSpec({
  name: "one-step",
  description: "breaks after one step",
  init: () => [{ n: 0 }],
  actions: { Inc: (s: { n: number }) => (s.n < 1 ? { n: s.n + 1 } : undefined) },
  properties: { zero: invariant((s: { n: number }) => s.n === 0) },
});
`,
    );
    const r = await cli("check", file);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^VIOLATION: one-step: invariant "zero" is violated after 1 step; 2 distinct states, 2 generated, depth 1, /,
    );
    expect(lines.slice(1, 3)).toEqual(["", "Counterexample (1 step):"]);
  });

  it("a state that is not plain data gives the hint once", async () => {
    const file = specFile(
      "map-state.ts",
      `import { defineSpec, invariant } from "interleave-check";
export default defineSpec({
  name: "map-state",
  description: "holds a Map",
  init: () => [{ seen: new Map<string, number>() }],
  actions: {},
  properties: { fine: invariant(() => true) },
});
`,
    );
    const r = await cli("check", file);
    expect([r.code, r.stderr]).toEqual([2, ""]);
    expect(r.stdout).toMatch(
      /^ERROR: map-state: init returned a state that is not plain data at state\.seen: instance of Map \(use objects, arrays, numbers, strings, booleans, null\); 0 distinct states, 1 generated, depth 0, [\d.]+ s \([\d,]+ states\/s\)\n$/,
    );
  });
});

describe("interleave check interrupted", () => {
  it("Ctrl-C ends the search with the partial report (exit 3) and removes its handler", async () => {
    const before = process.listenerCount("SIGINT");
    const running = cli("check", "raft", "--json", "-");
    await vi.waitFor(() => expect(process.listenerCount("SIGINT")).toBe(before + 1), { timeout: 30_000 });
    (process.listeners("SIGINT").at(-1) as () => void)();
    const r = await running;
    const report = JSON.parse(r.stdout) as { result: string; limit: string; distinctStates: number };
    expect([r.code, report.result, report.limit, process.listenerCount("SIGINT")]).toEqual([
      3,
      "incomplete",
      "interrupted",
      before,
    ]);
    // raft has 205,877 states: the search stopped short of them.
    expect(report.distinctStates).toBeLessThan(205_877);
    expect(r.stderr).toMatch(
      /^\ninterleave: interrupted; finishing the report \(Ctrl-C again to quit at once\)\nINCOMPLETE: raft \(.*\): interrupted with no violation found; /,
    );
  });
});

describe("interleave CLI usage errors", () => {
  const spec = "two-phase-commit";
  /** The one line on stderr, with the exit code; nothing on stdout. */
  async function refused(...args: string[]): Promise<string> {
    const r = await cli(...args);
    expect([r.code, r.stdout, r.stderr.split("\n").length]).toEqual([2, "", 2]);
    return r.stderr.trimEnd();
  }

  it("refuses a malformed option value, naming the option and the value", async () => {
    const invalid = (option: string, value: string, why: string) =>
      `interleave: option '${option}' argument '${value}' is invalid. ${why}, got "${value}"`;
    expect(await refused("check", spec, "--workers", "0")).toBe(
      invalid("--workers <n>", "0", "--workers must be a positive integer"),
    );
    expect(await refused("check", spec, "--max-depth", "1x")).toBe(
      invalid("--max-depth <n>", "1x", "--max-depth must be a positive integer"),
    );
    expect(await refused("check", spec, "--strategy", "random", "--seed", "1.5")).toBe(
      invalid("--seed <n>", "1.5", "--seed must be an integer"),
    );
    expect(await refused("check", spec, "--strategy", "random", "--seed", "99999999999999999999")).toBe(
      invalid("--seed <n>", "99999999999999999999", "--seed must be an integer"),
    );
    for (const value of ["0", " ", "-1", "x"])
      expect(await refused("check", spec, "--timeout", value)).toBe(
        invalid("--timeout <seconds>", value, "--timeout must be a positive number of seconds"),
      );
    for (const value of ["rms", "=3"])
      expect(await refused("check", spec, "--param", value)).toBe(
        invalid("--param <name=value>", value, "--param takes name=value"),
      );
    expect(await refused("check", spec, "--strategy", "bf")).toBe(
      "interleave: option '--strategy <strategy>' argument 'bf' is invalid. Allowed choices are bfs, dfs, random, swarm.",
    );
    expect(await refused("chek")).toBe("interleave: unknown command 'chek' (Did you mean check?)");
  });

  it("refuses options that do not go together, before any search", async () => {
    for (const option of [
      ["--seed", "1"],
      ["--runs", "5"],
      ["--replay-path", "0:1"],
    ])
      expect(await refused("check", spec, ...option)).toBe(
        "interleave: --seed, --runs and --replay-path apply to --strategy random",
      );
    for (const option of [["--no-spawn"], ["--run", "r"], ["--worker-silence", "3"]])
      expect(await refused("check", spec, ...option)).toBe(
        "interleave: --no-spawn, --run and --worker-silence apply to --distributed",
      );
    expect(await refused("check", spec, "--distributed", "nats://127.0.0.1:1")).toBe(
      "interleave: --distributed needs --workers <n>, the number of worker processes (one per partition)",
    );
    expect(await refused("check", spec, "--strategy", "swarm", "--replay-path", "0:1")).toBe(
      "interleave: --replay-path replays one path: use it with --strategy random (a swarm prints the one to use)",
    );
    const cores = availableParallelism();
    expect(await refused("check", spec, "--workers", String(cores + 1))).toBe(
      `interleave: --workers ${cores + 1} is more than the ${cores} cores of this machine; more threads than cores only slow the search down`,
    );
    // With --distributed, its options (and more workers than this machine has cores) pass: on to the broker.
    const nowhere = ["--distributed", "nats://127.0.0.1:1", "--workers", String(cores + 1)];
    expect(await refused("check", spec, ...nowhere, "--no-spawn", "--run", "r", "--worker-silence", "3")).toBe(
      "interleave: cannot reach the NATS broker at nats://127.0.0.1:1 (CONNECTION_REFUSED); start one (nats-server -a 127.0.0.1 -p 4222) or pass its URL to --distributed",
    );
    expect(await refused("run", "raft", "--nodes", "10", "--history", join(scratch.path, "h.jsonl"))).toBe(
      "interleave: --nodes must be at most 9",
    );
  });

  it("an unexpected error is exit 2 with one line, and its stack with --debug or INTERLEAVE_DEBUG", async () => {
    const failing = (thrown: unknown) => {
      let stderr = "";
      const io = {
        stdout: () => {
          throw thrown;
        },
        stderr: (t: string) => void (stderr += t),
        progress: false,
      };
      return async (...args: string[]) => ({ code: await runCli(args, io), stderr });
    };
    expect(await failing(new Error("stdout closed\nmore"))("list")).toEqual({
      code: 2,
      stderr: "interleave: internal error (please report it): stdout closed (--debug prints the stack)\n",
    });
    expect(await failing("a string")("list")).toEqual({
      code: 2,
      stderr: "interleave: internal error (please report it): a string (--debug prints the stack)\n",
    });
    const debug = await failing(new Error("stdout closed"))(
      "check",
      "two-phase-commit",
      "--max-states",
      "5",
      "--debug",
    );
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(
      /^interleave: internal error \(please report it\): stdout closed\nError: stdout closed\n {4}at /,
    );
    vi.stubEnv("INTERLEAVE_DEBUG", "1");
    try {
      const env = await failing(new Error("stdout closed"))("list");
      expect(env.stderr).toMatch(/\(--debug prints the stack\)\nError: stdout closed\n {4}at /);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("run takes up to 9 nodes", async () => {
    expect(await refused("run", "nope", "--nodes", "9", "--history", join(scratch.path, "h.jsonl"))).toMatch(
      /^interleave: no spec named "nope"/,
    );
  });

  it("worker needs a partition from 0, from --partition or JOB_COMPLETION_INDEX", async () => {
    const broker = ["--distributed", "nats://127.0.0.1:1"];
    const needs = "interleave: worker needs --partition <k> (from 0) or JOB_COMPLETION_INDEX";
    vi.stubEnv("JOB_COMPLETION_INDEX", undefined);
    try {
      expect(await refused("worker", ...broker)).toBe(needs);
      expect(await refused("worker", ...broker, "--partition", "-1")).toBe(needs);
      for (const index of ["x", "1.5", "-2"]) {
        vi.stubEnv("JOB_COMPLETION_INDEX", index);
        expect(await refused("worker", ...broker)).toBe(needs);
      }
      // A partition given either way passes: the worker goes on to the broker.
      const unreachable =
        "interleave: cannot reach the NATS broker at nats://127.0.0.1:1 (CONNECTION_REFUSED); start one (nats-server -a 127.0.0.1 -p 4222) or pass its URL to --distributed";
      expect(await refused("worker", ...broker, "--partition", "0")).toBe(unreachable);
      vi.stubEnv("JOB_COMPLETION_INDEX", "1");
      expect(await refused("worker", ...broker)).toBe(unreachable);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
