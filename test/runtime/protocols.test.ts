/**
 * The generic runtime: protocols other than Raft, from the catalogue and
 * from a user's own file, run as node processes under kill -9 through
 * bin/interleave.js, with no code of their own in src/runtime. Each run is
 * 5 s with seed 1, whose schedule kills the second node at 2.0 s and
 * restarts it at 3.5 s; its history must pass lincheck and its input logs
 * conform. The assertions are verdicts and counts that hold on any run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/interleave.js");
const work = mkdtempSync(join(tmpdir(), "interleave-protocols-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: work, timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user's protocol: a register held by n1, read and written by clients; n2 and n3 stand by. */
const USER_PROTOCOL = `
import { become, defineProtocol, defineRole, invariant, record, reply, send } from "interleave-check";

type Msg =
  | { type: "Put"; value: number }
  | { type: "PutOk" }
  | { type: "Get" }
  | { type: "GetOk"; value: number | null };

const store = defineRole<{ value: number | null }, Msg, Msg>({
  init: () => ({ value: null }),
  durable: ["value"],
  reduce: (s, m, ctx) => {
    if (m.type === "Put") return become({ value: m.value }, reply<Msg>(ctx, { type: "PutOk" }));
    if (m.type === "Get") return become(s, reply<Msg>(ctx, { type: "GetOk", value: s.value }));
    return undefined;
  },
});

type ClientInput = { type: "Write"; value: number } | { type: "Read" } | Msg;

const client = defineRole<{ busy: "write" | "read" | null; value: number }, ClientInput, Msg>({
  init: () => ({ busy: null, value: 0 }),
  choices: (s) => (s.busy === null ? [{ type: "Write", value: 1 }, { type: "Write", value: 2 }, { type: "Read" }] : []),
  reduce: (s, m, ctx) => {
    const primary = ctx.roles["store"]![0]!;
    switch (m.type) {
      case "Write":
        return s.busy !== null ? undefined : become({ busy: "write", value: m.value }, send<Msg>(primary, { type: "Put", value: m.value }), record({ type: "invoke", process: ctx.self, f: "write", value: m.value }));
      case "Read":
        return s.busy !== null ? undefined : become({ busy: "read", value: 0 }, send<Msg>(primary, { type: "Get" }), record({ type: "invoke", process: ctx.self, f: "read", value: null }));
      case "PutOk":
        return s.busy !== "write" ? undefined : become({ busy: null, value: 0 }, record({ type: "ok", process: ctx.self, f: "write", value: s.value }));
      case "GetOk":
        return s.busy !== "read" ? undefined : become({ busy: null, value: 0 }, record({ type: "ok", process: ctx.self, f: "read", value: m.value }));
      default:
        return undefined;
    }
  },
});

export default defineProtocol({
  name: "my-register",
  description: "a register on one node",
  network: "unordered",
  nodes: () => ({ store: ["n1", "n2", "n3"], client: ["c1"] }),
  roles: { store, client },
  properties: { valuesWritten: invariant((s) => Object.values(s.nodes).every((n) => typeof n === "object")) },
});
`;

/** Runs `spec` for 5 s with seed 1 under partition,kill; checks the run, its history and its replay. */
function runChecked(spec: string, name: string, killed: string, nodes = 3) {
  const r = cli(
    "run",
    spec,
    "--duration",
    "5",
    "--seed",
    "1",
    "--nemesis",
    "partition,kill",
    "--clients",
    "3",
    "--history",
    `${name}.jsonl`,
    "--dir",
    name,
  );
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    new RegExp(`^${spec.startsWith(".") ? "my-register" : spec}: ${nodes} nodes over tcp, \\d+\\.\\d s, seed 1$`, "m"),
  );
  expect(r.stdout).toContain(`\n  2.0s kill -9 ${killed}\n  3.5s restart ${killed}\n`);
  expect(r.stdout).toMatch(/^frames delivered to nodes: [\d,]+; dropped: /m);
  expect(r.stdout).not.toContain("REDUCER ERRORS");
  const events = readFileSync(join(work, `${name}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string });
  expect(events.filter((e) => e.type === "ok").length).toBeGreaterThan(20);
  const lin = cli("lincheck", `${name}.jsonl`);
  expect(lin.stdout).toMatch(new RegExp(`^${name}\\.jsonl: linearizable`));
  expect(lin.code).toBe(0);
  const c = cli("conform", name);
  expect(c.stdout).toMatch(new RegExp(`^${killed}: [\\d,]+ inputs replayed, 2 boots, 0 local actions$`, "m"));
  expect(c.stdout).toMatch(/^conforms: every recorded output is the model's \(.+\)$/m);
  expect(c.code).toBe(0);
  return r.stdout;
}

describe("interleave run: any protocol, no per-spec runtime code", () => {
  it(
    "abd-register: a linearizable register under kill -9, whose final read asks every replica",
    { timeout: 90_000 },
    () => {
      const out = runChecked("abd-register", "abd", "s2");
      expect(out).toMatch(/^final reads: register=(null|\d+)$/m);
    },
  );

  it("quorum-replication: R + W > N stays linearizable under kill -9", { timeout: 90_000 }, () => {
    const out = runChecked("quorum-replication", "quorum", "s2");
    expect(out).toMatch(/^final reads: register=(null|\d+)$/m);
  });

  it(
    "primary-backup: reads through the log stay linearizable while the configuration service fails over under kill -9",
    { timeout: 90_000 },
    () => {
      // Three replicas and the configuration service; seed 1's schedule kills r3.
      const out = runChecked("primary-backup", "pb", "r3", 4);
      expect(out).toMatch(/^final reads: none$/m);
    },
  );

  it(
    "a user's protocol file, written to a temporary directory, runs with shapes, client role and node ids derived from its definition",
    { timeout: 90_000 },
    () => {
      writeFileSync(join(work, "my-protocol.ts"), USER_PROTOCOL);
      const out = runChecked("./my-protocol.ts", "mine", "n2");
      expect(out).toMatch(/^final reads: none$/m);
    },
  );

  it.each([
    [
      ["run", "abd-register", "--variant", "no-such", "--history", "x.jsonl"],
      'interleave: spec "abd-register" has no variant "no-such" that can run; variants: read-without-write-back, volatile-replica\n',
    ],
    [
      ["run", "abd-register", "--nemesis", "isolate-leader", "--history", "x.jsonl"],
      'interleave: spec "abd-register" has no leader to isolate: isolate-leader needs a runtime status that reports one and a workload probe\n',
    ],
    [
      ["run", "two-phase-commit", "--nodes", "5", "--history", "x.jsonl"],
      'interleave: spec "two-phase-commit" runs 4 nodes (its model\'s); it cannot take --nodes 5\n',
    ],
  ])("%j exits 2 with one line", (args, message) => {
    const r = cli(...args);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
  });
});
