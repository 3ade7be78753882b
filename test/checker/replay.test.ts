/**
 * `interleave replay`: every broken catalogue variant's shortest trace, saved
 * as JSON and as ITF, replays to the same violation; a trace edited by hand
 * diverges at the step that was edited.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEEP_RAFT_VARIANTS } from "../support/deep-variants.js";
import { checkSpec } from "../../checker/index.js";
import { canonicalLabel } from "../../checker/replay.js";
import { catalogue } from "../../specs/index.js";
import { toItf, toTraceJson } from "../../src/trace-formats.js";
import { cli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "interleave-replay-"));

describe("interleave replay", () => {
  // raft's deep variants (commit-old-term searches 1.2M states, the read variants 270-410k): test/specs/raft.test.ts
  // checks each and replays its trace once.
  const broken = catalogue
    .flatMap((spec) => spec.variants.filter((v) => v.violates).map((v) => [spec.name, v.name, v.violates!] as const))
    .filter(([spec, variant]) => !(spec === "raft" && DEEP_RAFT_VARIANTS.includes(variant)));

  it.each(broken)(
    "%s --variant %s: the JSON and the ITF trace replay to %s (exit 1)",
    async (specName, variant, property) => {
      const spec = catalogue.find((s) => s.name === specName)!;
      const report = checkSpec(spec, { variant });
      expect([report.result, report.property]).toEqual(["violation", property]);
      const source = {
        spec: report.spec,
        variant: report.variant,
        params: report.params,
        property: report.property,
        sets: report.sets,
        loopStart: report.loopStart,
      };
      const files = {
        json: join(dir, `${specName}-${variant}.json`),
        itf: join(dir, `${specName}-${variant}.itf.json`),
      };
      writeFileSync(files.json, JSON.stringify(toTraceJson(report.trace!, source)));
      writeFileSync(files.itf, JSON.stringify(toItf(report.trace!, source)));
      const steps = report.trace!.length - 1;
      for (const file of [files.json, files.itf]) {
        const r = await cli("replay", file);
        expect([r.code, r.stderr], file).toEqual([1, ""]);
        // A lasso (liveness) replays its steps, then its loop: it must close, be fair, and fail the property.
        const shape =
          report.loopStart === undefined
            ? ""
            : `the lasso \\(${steps} steps?; it (stays at step ${steps} forever|loops back from step ${steps} to step ${report.loopStart}), fairly\\) `;
        const expected =
          report.loopStart === undefined
            ? `replaying ${steps} steps? reproduces \\w+ "${property}", violated at step ${steps}`
            : `replaying ${shape}reproduces \\w+ "${property}"`;
        expect(r.stdout, file).toMatch(
          new RegExp(`^VIOLATION: ${specName} --variant ${variant} \\(.*\\): ${expected}\\n$`),
        );
      }
    },
    // Each test checks its variant once; the slow raft variants take up to ~20 s on a busy 2-core machine.
    60_000,
  );

  it("replays what `check --trace-format json|itf --out` wrote, and says what reproduced", async () => {
    for (const format of ["json", "itf"]) {
      const file = join(dir, `tpc.${format}`);
      const c = await cli(
        "check",
        "two-phase-commit",
        "--variant",
        "commit-without-all-prepared",
        "--trace-format",
        format,
        "--out",
        file,
      );
      expect(c.code).toBe(1);
      const r = await cli("replay", file);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        1,
        'VIOLATION: two-phase-commit --variant commit-without-all-prepared (rms=3): replaying 3 steps reproduces invariant "consistent", violated at step 3\n',
        "",
      ]);
    }
  });

  it("exits 2 naming the first step that diverges, with what differs", async () => {
    const file = join(dir, "tpc-edited.json");
    await cli(
      "check",
      "two-phase-commit",
      "--variant",
      "commit-without-all-prepared",
      "--trace-format",
      "json",
      "--out",
      file,
    );
    const doc = JSON.parse(readFileSync(file, "utf8")) as {
      steps: { action: string; state: { nodes: Record<string, Record<string, unknown>> } }[];
    };
    doc.steps[2]!.state.nodes["rm1"]!["rmState"] = "prepared";
    writeFileSync(file, JSON.stringify(doc));
    const r = await cli("replay", file);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      [
        "DIVERGED: two-phase-commit --variant commit-without-all-prepared (rms=3): step 2 (rm1: ChooseToAbort) of the trace is not a step of the spec: the saved state is not the one the action leads to (spec → saved)",
        '    nodes.rm1.rmState: "aborted" → "prepared"',
        "",
      ].join("\n"),
      "",
    ]);

    doc.steps[2]!.action = "rm1: Vanish";
    writeFileSync(file, JSON.stringify(doc));
    const unknown = await cli("replay", file);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe(
      "DIVERGED: two-phase-commit --variant commit-without-all-prepared (rms=3): step 2 (rm1: Vanish) of the trace is not a step of the spec: the action is not enabled; enabled: rm1: Prepare, rm1: ChooseToAbort, rm2: Prepare, rm2: ChooseToAbort, rm3: Prepare, rm3: ChooseToAbort, rm1: receive Commit from tm, rm2: receive Commit from tm, rm3: receive Commit from tm\n",
    );
  });

  it("matches a protocol's labels whatever the key order the model printed them in", () => {
    expect(canonicalLabel('lose Gossip{counter:{"r2":1,"r1":1}} r2→r1')).toBe(
      canonicalLabel('lose Gossip{counter:{"r1":1,"r2":1}} r2→r1'),
    );
    expect(canonicalLabel('Put{key:"a,}",value:[2,1]}')).toBe('Put{key:"a,}",value:[2,1]}');
    expect(canonicalLabel("Put{value:[2,1],key:1}")).toBe("Put{key:1,value:[2,1]}");
  });

  it("replays through the correct variant, where the trace breaks nothing until it diverges", async () => {
    const file = join(dir, "tpc-default.json");
    await cli(
      "check",
      "two-phase-commit",
      "--variant",
      "commit-without-all-prepared",
      "--trace-format",
      "json",
      "--out",
      file,
    );
    const r = await cli("replay", file, "--variant", "default");
    expect([r.code, r.stdout.split("\n")[0]]).toEqual([
      2,
      "DIVERGED: two-phase-commit (rms=3): step 1 (tm: DecideCommit) of the trace is not a step of the spec: the action is not enabled; enabled: tm: DecideAbort, rm1: Prepare, rm1: ChooseToAbort, rm2: Prepare, rm2: ChooseToAbort, rm3: Prepare, rm3: ChooseToAbort",
    ]);
  });

  it("replays a user's spec file given with --spec, from its ITF trace (sets, null and floats included)", async () => {
    const spec = join(dir, "lock.ts");
    const index = join(import.meta.dirname, "../../src/index.ts");
    writeFileSync(
      spec,
      `import { choose, defineSpec, invariant, setAdd } from ${JSON.stringify(index)};
type S = { readonly holders: readonly number[]; readonly last: number | null; readonly load: number };
export default defineSpec({
  name: "lock", description: "a lock that checks nothing", sets: ["holders"],
  init: () => [{ holders: [], last: null, load: 0 } as S],
  actions: { Take: choose(() => [0, 1], (s: S, i: number) => (s.holders.includes(i) ? undefined : { holders: setAdd(s.holders, i), last: i, load: s.load + 0.5 })) },
  properties: { oneHolder: invariant((s: S) => s.holders.length <= 1) },
});
`,
    );
    const itf = join(dir, "lock.itf.json");
    expect((await cli("check", spec, "--trace-format", "itf", "--out", itf)).code).toBe(1);
    const doc = JSON.parse(readFileSync(itf, "utf8")) as { states: Record<string, unknown>[] };
    expect(doc.states[2]).toEqual({
      "#meta": { index: 2, action: "Take(1)" },
      holders: { "#set": [{ "#bigint": "0" }, { "#bigint": "1" }] },
      last: { tag: "Some", value: { "#bigint": "1" } },
      load: { tag: "Float", value: "1" },
    });
    expect(await cli("replay", itf, "--spec", spec)).toEqual({
      code: 1,
      stdout: 'VIOLATION: lock: replaying 2 steps reproduces invariant "oneHolder", violated at step 2\n',
      stderr: "",
    });
  });

  it("exits 2 with one line for a missing file, a file that is not a trace, or a spec the catalogue lacks", async () => {
    expect(await cli("replay", join(dir, "none.json"))).toEqual({
      code: 2,
      stdout: "",
      stderr: `interleave: trace file not found: ${join(dir, "none.json")}\n`,
    });
    const notTrace = join(dir, "not-trace.json");
    writeFileSync(notTrace, '{"a": 1}');
    expect((await cli("replay", notTrace)).stderr).toBe(
      `interleave: ${notTrace}: not a trace: expected ITF (\`vars\`, \`states\`), a JSON trace (\`steps\`) or an array of steps\n`,
    );
    const foreign = join(dir, "foreign.json");
    writeFileSync(
      foreign,
      JSON.stringify({
        spec: "mutex",
        variant: "default",
        params: {},
        property: null,
        steps: [{ action: null, state: {} }],
      }),
    );
    expect(await cli("replay", foreign)).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'interleave: the trace comes from spec "mutex", which is not in the catalogue; pass its file: --spec ./path/to/spec.ts\n',
    });
  });
});
