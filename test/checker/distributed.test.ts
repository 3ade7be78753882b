/**
 * Distributed search through a NATS broker: the counts and trace lengths of
 * the one-process search, and a clear exit for a broker that is not there,
 * a worker that dies, and bad usage. The broker is INTERLEAVE_TEST_NATS_URL
 * (.ci/run starts one), or a nats-server this file starts on a free port;
 * without either the tests are skipped locally and fail under CI=true.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkSpec } from "../../checker/index.js";
import { twoPhaseCommit } from "../../specs/two-phase-commit.js";
import { freePort } from "../support/free-port.js";
import { natsServerBinary, noBroker, startNatsServer, type NatsServer } from "../support/nats-server.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin", "interleave.js");

let url: string | undefined = process.env["INTERLEAVE_TEST_NATS_URL"];
let broker: NatsServer | undefined;
const binary = url === undefined ? natsServerBinary() : undefined;
const missing = url === undefined && binary === undefined;
if (missing) noBroker("the distributed tests", "set INTERLEAVE_TEST_NATS_URL or install nats-server");

beforeAll(async () => {
  if (url !== undefined || binary === undefined) return;
  broker = await startNatsServer(binary);
  url = broker.url;
});

afterAll(async () => {
  await broker?.stop();
});

/** Runs the CLI; resolves with its exit code and output. */
function cli(
  args: readonly string[],
  options: {
    readonly timeoutMs?: number;
    readonly env?: Record<string, string>;
    readonly onStderr?: (text: string) => void;
  } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => void (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      options.onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill(), options.timeoutMs ?? 280_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const LIVENESS_WARNING =
  'interleave: warning: liveness properties "eventuallyAllDecided" were not checked with --distributed (the edges the liveness check needs are recorded in one process)\n';

describe.skipIf(missing)("check --distributed", () => {
  it("two-phase-commit rms=6 on 3 worker processes: exactly the one-process counts", { timeout: 300_000 }, async () => {
    const r = await cli([
      "check",
      "two-phase-commit",
      "--param",
      "rms=6",
      "--distributed",
      url!,
      "--workers",
      "3",
      "--json",
      "-",
    ]);
    expect(r.stderr).toBe(`${LIVENESS_WARNING}${r.stderr.slice(LIVENESS_WARNING.length)}`);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      result: string;
      distinctStates: number;
      generatedStates: number;
      maxDepth: number;
      strategy: string;
    };
    const local = checkSpec(twoPhaseCommit, { params: { rms: 6 }, properties: ["typeOK", "consistent"] });
    expect([local.distinctStates, local.generatedStates, local.maxDepth]).toEqual([50_816, 402_306, 19]);
    expect({
      result: report.result,
      distinct: report.distinctStates,
      generated: report.generatedStates,
      depth: report.maxDepth,
      strategy: report.strategy,
    }).toEqual({
      result: "ok",
      distinct: 50_816,
      generated: 402_306,
      depth: 19,
      strategy: "bfs/distributed 3 workers",
    });
  });

  it(
    "a broken variant: the one-process search's shortest trace length, and the trace replays",
    { timeout: 300_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "interleave-distributed-"));
      const trace = join(dir, "trace.json");
      const r = await cli([
        "check",
        "two-phase-commit",
        "--variant",
        "abort-after-commit",
        "--param",
        "rms=4",
        "--distributed",
        url!,
        "--workers",
        "3",
        "--trace-format",
        "json",
        "--out",
        trace,
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^VIOLATION: two-phase-commit --variant abort-after-commit \(rms=4\): invariant "consistent" is violated after 12 steps;/,
      );
      const local = checkSpec(twoPhaseCommit, {
        variant: "abort-after-commit",
        params: { rms: 4 },
        properties: ["typeOK", "consistent"],
      });
      expect(local.property).toBe("consistent");
      expect(local.trace!.length - 1).toBe(12);
      const saved = JSON.parse(readFileSync(trace, "utf8")) as { steps: unknown[] };
      expect(saved.steps.length).toBe(13);
      const replayed = await cli(["replay", trace]);
      expect(replayed.code).toBe(1);
    },
  );

  it("--max-states: exit 3, incomplete at the limit", { timeout: 200_000 }, async () => {
    const r = await cli([
      "check",
      "two-phase-commit",
      "--param",
      "rms=6",
      "--distributed",
      url!,
      "--workers",
      "2",
      "--max-states",
      "1000",
      "--json",
      "-",
    ]);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { result: string; limit: string; distinctStates: number };
    expect([report.result, report.limit, report.distinctStates]).toEqual(["incomplete", "max-states", 1000]);
  });

  it("an unreachable broker: exit 2 with one line naming the URL", async () => {
    const port = await freePort();
    const r = await cli(["check", "two-phase-commit", "--distributed", `nats://127.0.0.1:${port}`, "--workers", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^interleave: cannot reach the NATS broker at nats://127\\.0\\.0\\.1:${port} \\([^\\n]*\\); start one \\(nats-server -a 127\\.0\\.0\\.1 -p 4222\\) or pass its URL to --distributed\\n$`,
      ),
    );
  });

  it("a worker that dies: exit 3 with one line naming it", { timeout: 200_000 }, async () => {
    const run = `die-${process.pid}`;
    // INTERLEAVE_DEBUG makes the coordinator log each level, so the worker is killed once the search is under way.
    const coordinator = cli(
      [
        "check",
        "two-phase-commit",
        "--param",
        "rms=8",
        "--distributed",
        url!,
        "--workers",
        "2",
        "--no-spawn",
        "--run",
        run,
        "--worker-silence",
        "3",
      ],
      {
        env: { INTERLEAVE_DEBUG: "1" },
        onStderr: (text) => text.includes("level 3:") && workers[1]!.kill("SIGKILL"),
      },
    );
    const workers = [0, 1].map((k) =>
      spawn(process.execPath, [bin, "worker", "--distributed", url!, "--partition", String(k), "--run", run], {
        stdio: "ignore",
      }),
    );
    const r = await coordinator;
    workers[0]!.kill();
    expect(r.code).toBe(3);
    // Its partner waits for its states; the coordinator hears no more beats from it.
    // One line, no report (the liveness warning comes with a report).
    expect(r.stderr.split("\n").filter((l) => l.startsWith("interleave:"))).toEqual([
      expect.stringMatching(/^interleave: the distributed search is incomplete: worker 1 has been silent for \d+ s$/),
    ]);
    expect(r.stdout).toBe("");
  });
});

describe("check --distributed: usage", () => {
  it("needs --workers, a NATS URL, and --no-spawn, --run and --worker-silence only with it", async () => {
    const results = await Promise.all([
      cli(["check", "two-phase-commit", "--distributed", "nats://127.0.0.1:4222"]),
      cli(["check", "two-phase-commit", "--distributed", "http://example.org", "--workers", "2"]),
      cli(["check", "two-phase-commit", "--no-spawn"]),
      cli(["check", "two-phase-commit", "--worker-silence", "5"]),
      cli(["worker", "--distributed", "nats://127.0.0.1:4222"]),
    ]);
    expect(results.map((r) => [r.code, r.stderr])).toEqual([
      [2, "interleave: --distributed needs --workers <n>, the number of worker processes (one per partition)\n"],
      [2, 'interleave: --distributed takes a NATS URL such as nats://127.0.0.1:4222, got "http://example.org"\n'],
      [2, "interleave: --no-spawn, --run and --worker-silence apply to --distributed\n"],
      [2, "interleave: --no-spawn, --run and --worker-silence apply to --distributed\n"],
      [2, "interleave: worker needs --partition <k> (from 0) or JOB_COMPLETION_INDEX\n"],
    ]);
  });
});

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own spec; the test reads fields by path and asserts them
  spec: any;
}

/** Every document of the deploy/kubernetes files, parsed. */
function manifests(): Manifest[] {
  return ["nats.yaml", "check.yaml"].flatMap((f) =>
    readFileSync(join(root, "deploy", "kubernetes", f), "utf8")
      .split(/^---$/m)
      .map((doc) => parse(doc) as Manifest),
  );
}

/** The checks kubeconform would make on the fields the deployment relies on. */
function schemaErrors(m: Manifest): string[] {
  const errors: string[] = [];
  const need = (ok: boolean, what: string) => void (ok || errors.push(`${m.kind}/${m.metadata?.name}: ${what}`));
  need(
    typeof m.metadata?.name === "string" && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(m.metadata.name),
    "metadata.name is a DNS label",
  );
  const expected: Record<string, string> = { Deployment: "apps/v1", Service: "v1", Job: "batch/v1" };
  need(expected[m.kind] === m.apiVersion, `apiVersion ${m.apiVersion} is ${expected[m.kind] ?? "a known kind's"}`);
  if (m.kind === "Service") {
    need(
      Array.isArray(m.spec?.ports) && m.spec.ports.every((p: { port?: unknown }) => Number.isInteger(p.port)),
      "spec.ports[].port are integers",
    );
    need(typeof m.spec?.selector === "object", "spec.selector");
    return errors;
  }
  const pod = m.spec?.template?.spec;
  need(Array.isArray(pod?.containers) && pod.containers.length > 0, "spec.template.spec.containers");
  for (const c of pod?.containers ?? [])
    need(typeof c.name === "string" && typeof c.image === "string", "containers have a name and an image");
  if (m.kind === "Deployment") {
    const labels = m.spec?.template?.metadata?.labels ?? {};
    need(
      Object.entries(m.spec?.selector?.matchLabels ?? { none: true }).every(([k, v]) => labels[k] === v),
      "spec.selector.matchLabels match the pod's labels",
    );
  }
  if (m.kind === "Job")
    need(
      pod?.restartPolicy === "Never" || pod?.restartPolicy === "OnFailure",
      "a Job's pods restart Never or OnFailure",
    );
  return errors;
}

describe("deploy/kubernetes", () => {
  const all = manifests();
  const byName = (kind: string, name: string) => all.find((m) => m.kind === kind && m.metadata.name === name)!;

  it("every manifest has the fields its kind requires", () => {
    expect(all.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      "Deployment/nats",
      "Service/nats",
      "Job/interleave-workers",
      "Job/interleave-coordinator",
    ]);
    expect(all.flatMap(schemaErrors)).toEqual([]);
  });

  it("the workers are an indexed Job with one pod per partition, as many as the coordinator's --workers, on the broker's Service", () => {
    const workers = byName("Job", "interleave-workers");
    const coordinator = byName("Job", "interleave-coordinator");
    const args: string[] = coordinator.spec.template.spec.containers[0].args;
    const workerArgs: string[] = workers.spec.template.spec.containers[0].args;
    const option = (list: string[], name: string) => list[list.indexOf(name) + 1];
    expect(workers.spec.completionMode).toBe("Indexed");
    expect(workers.spec.parallelism).toBe(workers.spec.completions);
    expect(Number(option(args, "--workers"))).toBe(workers.spec.completions);
    expect(args).toContain("--no-spawn");
    // Without --partition the worker takes JOB_COMPLETION_INDEX, which an indexed Job sets.
    expect(workerArgs).not.toContain("--partition");
    expect(option(workerArgs, "--run")).toBe(option(args, "--run"));
    const service = byName("Service", "nats");
    expect(option(args, "--distributed")).toBe(`nats://${service.metadata.name}:${service.spec.ports[0].port}`);
    expect(option(workerArgs, "--distributed")).toBe(option(args, "--distributed"));
    expect(service.spec.selector).toEqual(byName("Deployment", "nats").spec.template.metadata.labels);
  });

  it("the coordinator and the workers run the image the Dockerfile builds, whose entrypoint is the CLI", () => {
    const dockerfile = readFileSync(join(root, "deploy", "Dockerfile"), "utf8");
    const tag = /docker build -f deploy\/Dockerfile -t (\S+) \./.exec(dockerfile)?.[1];
    expect(tag).toBe("interleave-check:0.1.0");
    const images = ["interleave-workers", "interleave-coordinator"].map(
      (n) => byName("Job", n).spec.template.spec.containers[0].image,
    );
    expect(images).toEqual([tag, tag]);
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^RUN npm ci/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/interleave\.js"\]$/m);
  });
});
