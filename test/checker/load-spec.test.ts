/**
 * Finding a spec, in process: a catalogue name or a path, the export a spec
 * file's argument picks, and the one line a file that fails to load gets
 * (load.test.ts checks the same through the CLI, from an empty folder).
 */
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import {
  catalogueSource,
  findCatalogueSpec,
  loadSpecFile,
  looksLikePath,
  resolveSpec,
  resolveSpecSource,
} from "../../checker/load.js";
import { ownPackageAliases } from "../../checker/spec-source.js";
import { UsageError } from "../../checker/usage-error.js";
import { catalogue } from "../../specs/index.js";
import { tempFolder } from "../support/temp-folder.js";

/** A duck-typed spec export (isSpec needs only the kind and an instantiate function). */
const spec = (name: string) => `{ kind: "interleave-spec", name: "${name}", instantiate: () => ({}) }`;

const { file } = tempFolder("interleave-load-");

describe("looksLikePath", () => {
  it("takes a relative or absolute path, or a script file name with an optional #export, as a file", () => {
    expect(looksLikePath("./raft")).toBe(true);
    expect(looksLikePath("../specs/raft")).toBe(true);
    expect(looksLikePath("/home/me/raft")).toBe(true);
    for (const name of [
      "lock.ts",
      "lock.js",
      "lock.mts",
      "lock.cjs",
      "lock.tsx",
      "lock.jsx",
      "lock.ts#mutex",
      "lock.ts#",
    ])
      expect(looksLikePath(name)).toBe(true);
  });

  it("takes anything else as a catalogue name", () => {
    for (const name of ["raft", "two-phase-commit", "lock.json", "lock.tsv", "lock.xts", "lock.ts.bak", "lock#ts"])
      expect(looksLikePath(name)).toBe(false);
  });
});

describe("findCatalogueSpec and resolveSpec", () => {
  it("finds a catalogue spec by name", async () => {
    const twoPhaseCommit = catalogue.find((s) => s.name === "two-phase-commit");
    expect(twoPhaseCommit).toBeDefined();
    expect(findCatalogueSpec("two-phase-commit")).toBe(twoPhaseCommit);
    expect(await resolveSpec("two-phase-commit")).toBe(twoPhaseCommit);
  });

  it("refuses an unknown name, listing the catalogue", async () => {
    const names = catalogue.map((s) => s.name);
    expect(names.slice(0, 2)).toEqual(["two-phase-commit", "lamport-clock"]);
    const error = new UsageError(`no spec named "nope"; specs: ${names.join(", ")} (or give a path: ./my-spec.ts)`);
    expect(() => findCatalogueSpec("nope")).toThrow(error);
    await expect(resolveSpec("nope")).rejects.toThrow(error);
  });

  it("a catalogue spec's source is this package's own subpath and the export holding it", async () => {
    const sourced = await resolveSpecSource("two-phase-commit");
    expect(sourced.spec).toBe(findCatalogueSpec("two-phase-commit"));
    expect(sourced.source).toEqual({ module: "interleave-check/specs/two-phase-commit", exportName: "twoPhaseCommit" });
  });

  it("a spec that its catalogue module does not export is refused", async () => {
    const copy = { ...findCatalogueSpec("two-phase-commit") };
    await expect(catalogueSource(copy)).rejects.toThrow(
      new Error('catalogue spec "two-phase-commit" is not exported by specs/two-phase-commit.ts'),
    );
  });
});

describe("loadSpecFile: which export", () => {
  it("takes the only spec a file exports, whatever else it exports, with the file's URL as its source", async () => {
    const path = file("only.ts", `export const limit = 3;\nexport const lock = ${spec("mutex")};\n`);
    expect((await loadSpecFile(path)).name).toBe("mutex");
    expect((await resolveSpecSource(path)).source).toEqual({ module: pathToFileURL(path).href, exportName: "lock" });
  });

  it("takes the default export among several", async () => {
    const path = file("default.ts", `export const alpha = ${spec("alpha")};\nexport default ${spec("main")};\n`);
    expect((await loadSpecFile(path)).name).toBe("main");
    expect((await resolveSpecSource(path)).source.exportName).toBe("default");
  });

  it("#name picks an export by its name or by its spec's name", async () => {
    const path = file("two.ts", `export const a = ${spec("alpha")};\nexport const b = ${spec("beta")};\n`);
    expect((await resolveSpecSource(`${path}#b`)).source.exportName).toBe("b");
    expect((await resolveSpecSource(`${path}#beta`)).source.exportName).toBe("b");
    expect((await loadSpecFile(`${path}#a`)).name).toBe("alpha");
    expect((await loadSpecFile(`${path}#alpha`)).name).toBe("alpha");
  });

  it("#name that matches nothing lists the specs there are, or says there are none", async () => {
    const two = file("two-more.ts", `export const a = ${spec("alpha")};\nexport const b = ${spec("beta")};\n`);
    await expect(loadSpecFile(`${two}#gamma`)).rejects.toThrow(
      new UsageError(`${two} has no spec "gamma"; specs: a, b`),
    );
    const none = file("none.ts", "export const limit = 3;\n");
    await expect(loadSpecFile(`${none}#gamma`)).rejects.toThrow(
      new UsageError(`${none} has no spec "gamma"; specs: (none)`),
    );
  });

  it("a file with no spec, or several and no default, is refused with what to do", async () => {
    const none = file("no-spec.ts", "export const limit = 3;\nexport default 7;\n");
    await expect(loadSpecFile(none)).rejects.toThrow(
      new UsageError(`${none} exports no spec (export the result of defineSpec or defineProtocol)`),
    );
    const two = file("several.ts", `export const a = ${spec("alpha")};\nexport const b = ${spec("beta")};\n`);
    await expect(loadSpecFile(two)).rejects.toThrow(
      new UsageError(`${two} exports several specs (a, b); pick one: ${two}#a`),
    );
  });

  it("a file that does not exist is named as given", async () => {
    await expect(resolveSpecSource("./no/such/spec.ts")).rejects.toThrow(
      new UsageError("spec file not found: ./no/such/spec.ts"),
    );
  });
});

describe("loadSpecFile: a file that does not load", () => {
  /** The UsageError for `path` failing with `reason`. */
  const cannotLoad = (path: string, reason: string) => new UsageError(`cannot load spec file ${path}: ${reason}`);

  it("a syntax error names the file as given, with line and column", async () => {
    const bad = file(
      "bad.ts",
      `${"// padding\n".repeat(11)}const x = {\n  a: 1,\n  b:          = 2,\n};\nexport default x;\n`,
    );
    await expect(loadSpecFile(bad)).rejects.toThrow(cannotLoad(bad, `syntax error at ${bad}:14:14: Unexpected token`));
  });

  it("a syntax error in a file the spec imports names that file relative to the working folder", async () => {
    const helper = file("lib/helper.ts", "export const helper = (x: number) => {\n  return x +;\n};\n");
    const spec = file("uses-helper.ts", 'import { helper } from "./lib/helper.js";\nexport default helper;\n');
    await expect(loadSpecFile(spec)).rejects.toThrow(
      cannotLoad(spec, `syntax error at ${relative(process.cwd(), helper)}:2:12: Unexpected token`),
    );
  });

  it("an error in the shape of jiti's syntax errors is read as one, whatever whitespace surrounds its location", async () => {
    const path = file(
      "shaped.ts",
      'throw new Error("SyntaxError: Unexpected end of input\\n   lib/parse.ts:21:37  \\n");\n',
    );
    await expect(loadSpecFile(path)).rejects.toThrow(
      cannotLoad(path, `syntax error at ${join("lib", "parse.ts")}:21:37: Unexpected end of input`),
    );
  });

  it("an error that only quotes a syntax error further in keeps its first line", async () => {
    const path = file(
      "quotes.ts",
      'throw new Error("bad input: SyntaxError: Unexpected token\\n lib/parse.ts:21:37");\n',
    );
    await expect(loadSpecFile(path)).rejects.toThrow(cannotLoad(path, "bad input: SyntaxError: Unexpected token"));
  });

  it("any other error gives the first line of its message", async () => {
    const throws = file("throws.ts", 'throw new Error("no config here\\nsecond line");\n');
    await expect(loadSpecFile(throws)).rejects.toThrow(cannotLoad(throws, "no config here"));
    const text = file("throws-text.ts", 'throw "plain text";\n');
    await expect(loadSpecFile(text)).rejects.toThrow(cannotLoad(text, "plain text"));
  });

  it("the unrelated npm name interleave, bare or with a subpath, says which name to import", async () => {
    const bare = file("bare.ts", 'import "interleave";\n');
    await expect(loadSpecFile(bare)).rejects.toThrow(
      cannotLoad(bare, `Cannot find module 'interleave' (this package is imported as "interleave-check")`),
    );
    const sub = file("sub.ts", 'import "interleave/checker";\n');
    await expect(loadSpecFile(sub)).rejects.toThrow(
      cannotLoad(
        sub,
        `Cannot find module 'interleave/checker' (this package is imported as "interleave-check/checker")`,
      ),
    );
  });

  it("other missing packages whose names contain interleave get no hint", async () => {
    for (const name of ["not-interleave", "interleave-extra"]) {
      const path = file(`${name}.ts`, `import "${name}";\n`);
      await expect(loadSpecFile(path)).rejects.toThrow(cannotLoad(path, `Cannot find module '${name}'`));
    }
  });

  it("a subpath the package does not export lists the entry points", async () => {
    const deep = file("deep.ts", 'import "interleave-check/src/spec.js";\n');
    const entries = [
      "",
      "/checker",
      "/history",
      "/cli",
      "/runtime",
      "/testing",
      "/specs",
      "/specs/<name>",
      "/package.json",
    ];
    await expect(loadSpecFile(deep)).rejects.toThrow(
      cannotLoad(
        deep,
        `"interleave-check/src/spec.js" is not an entry point of interleave-check; entry points: ` +
          entries.map((e) => `interleave-check${e}`).join(", "),
      ),
    );
  });

  it("a missing file beside the package's main entry, not under it, is not called an entry point", async () => {
    const main = ownPackageAliases()["interleave-check"];
    const path = file("beside.ts", `import "${main}x";\n`);
    await expect(loadSpecFile(path)).rejects.toThrow(cannotLoad(path, `Cannot find module '${main}x'`));
  });
});
