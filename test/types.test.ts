/**
 * Types that infer: the README's TypeScript examples and specs written as a
 * user would (test/fixtures/types/) type-check under `tsc --strict` with
 * `noUncheckedIndexedAccess` and `exactOptionalPropertyTypes`, with the state
 * type written once and no casts; and the same specs with one deliberate
 * mistake each do not, at the line of the mistake (so the inference is not
 * `any`). `interleave-check` and its subpaths resolve to the sources through
 * `paths` built from package.json's exports map, so no build is needed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const fixtures = join(root, "test", "fixtures", "types");
const tscBin = join(root, "node_modules", "typescript", "bin", "tsc");

// Inside the repository (tmp/ is ignored by git) so that `vitest` and the
// library's own dependencies resolve from the files written here.
mkdirSync(join(root, "tmp"), { recursive: true });
const work = mkdtempSync(join(root, "tmp", "types-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `paths` that send each export of the package to its source file. */
function sourcePaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | { types: string }>;
  };
  const paths: Record<string, string[]> = {};
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target === "string") continue;
    const source = target.types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts");
    paths[key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`] = [join(root, source)];
  }
  return paths;
}

/** The README's ```ts blocks, each named by its first-line comment (`// mutex.ts`) or by its position. */
function readmeBlocks(): { name: string; text: string }[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m, k) => {
    const text = m[1]!;
    const named = /^\/\/ ([\w.-]+\.ts)\n/.exec(text);
    return { name: named ? named[1]! : `readme-block-${k + 1}.ts`, text };
  });
}

/** Writes `files` into a fresh folder with a strict tsconfig and runs tsc there. */
function typecheck(folder: string, files: Record<string, string>): { status: number | null; errors: string[] } {
  const dir = join(work, folder);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const compilerOptions = {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023"],
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    skipLibCheck: true,
    paths: sourcePaths(),
  };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: Object.keys(files) }, null, 2));
  const r = spawnSync(process.execPath, [tscBin, "-p", dir, "--pretty", "false"], { cwd: dir, encoding: "utf8" });
  const errors = r.stdout.split("\n").filter((line) => /^\S+\(\d+,\d+\): error TS\d+/.test(line));
  return { status: r.status, errors };
}

function fixture(name: string): string {
  return readFileSync(join(fixtures, name), "utf8");
}

/** The fixture with `from` replaced by `to` (exactly once), and the 1-based line where it was. */
function withMistake(name: string, from: string, to: string): { text: string; line: number } {
  const text = fixture(name);
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${name}: "${from}" must occur exactly once`);
  return { text: text.slice(0, at) + to + text.slice(at + from.length), line: text.slice(0, at).split("\n").length };
}

describe("types that infer", () => {
  it("the README has its examples as ```ts blocks: mutex.ts, the import lines, mutex.test.ts, startNode in an app, bounded-queue.ts", () => {
    expect(readmeBlocks().map((b) => b.name)).toEqual([
      "mutex.ts",
      "readme-block-2.ts",
      "mutex.test.ts",
      "readme-block-4.ts",
      "bounded-queue.ts",
    ]);
  });

  it(
    "the README's examples and specs written as a user would type-check with --strict, no casts",
    { timeout: 300_000 },
    () => {
      const files: Record<string, string> = {};
      for (const b of readmeBlocks()) files[b.name] = b.text;
      files["producer-consumer.ts"] = fixture("producer-consumer.ts");
      files["vote.ts"] = fixture("vote.ts");
      const r = typecheck("ok", files);
      expect(r.errors).toEqual([]);
      expect(r.status).toBe(0);
    },
  );

  it(
    "a wrong state shape, a misspelt param and a misspelt node field are errors at their lines",
    { timeout: 300_000 },
    () => {
      const wrongState = withMistake(
        "producer-consumer.ts",
        "{ ...s, buffer: s.buffer.slice(1), consumed: s.consumed + 1 }",
        "{ buffer: s.buffer.slice(1) }",
      );
      const paramTypo = withMistake(
        "producer-consumer.ts",
        "invariant((s, p) => s.buffer.length <= p.capacity",
        "invariant((s, p) => s.buffer.length <= p.capacty",
      );
      const nodeTypo = withMistake("vote.ts", "every((v) => v.vote === true)", "every((v) => v.votes === true)");
      const r = typecheck("mistakes", {
        "wrong-state.ts": wrongState.text,
        "param-typo.ts": paramTypo.text,
        "node-typo.ts": nodeTypo.text,
      });
      expect(r.errors.map((e) => e.replace(/^(\S+)\((\d+),\d+\): error (TS\d+).*$/, "$1:$2 $3"))).toEqual([
        `node-typo.ts:${nodeTypo.line} TS2551`,
        `param-typo.ts:${paramTypo.line} TS2551`,
        `wrong-state.ts:${wrongState.line} TS2322`,
      ]);
      expect(r.errors[0]).toContain("Property 'votes' does not exist on type 'Voter'. Did you mean 'vote'?");
      expect(r.errors[1]).toContain("Property 'capacty' does not exist on type 'ParamValues<");
      expect(r.status).toBe(2);
    },
  );

  it("the fixtures are specs the CLI checks: 35 and 51 states, and their broken variants are caught", () => {
    const check = (file: string, ...args: string[]) =>
      spawnSync(
        process.execPath,
        [join(root, "bin", "interleave.js"), "check", join(fixtures, file), "--json", "-", ...args],
        { encoding: "utf8" },
      );
    const summary = (r: ReturnType<typeof check>) => {
      const report = JSON.parse(r.stdout) as { result: string; distinctStates: number; property: string | null };
      return [r.status, report.result, report.distinctStates, report.property];
    };
    expect(summary(check("producer-consumer.ts"))).toEqual([0, "ok", 35, null]);
    expect(summary(check("vote.ts"))).toEqual([0, "ok", 51, null]);
    expect(summary(check("producer-consumer.ts", "--variant", "no-capacity-check"))).toEqual([
      1,
      "violation",
      10,
      "bufferWithinCapacity",
    ]);
    expect(summary(check("vote.ts", "--variant", "commit-on-first-yes"))).toEqual([
      1,
      "violation",
      8,
      "commitOnlyIfAllVotedYes",
    ]);
  });
});
