import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  importUserModule,
  isSpec,
  loadSpecSource,
  ownPackage,
  ownPackageAliases,
  packageAliases,
} from "../../checker/spec-source.js";
import { UsageError } from "../../checker/usage-error.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("ownPackage and its aliases", () => {
  it("finds this package's folder and manifest from the sources", () => {
    const { root: found, pkg } = ownPackage();
    expect(resolve(found)).toBe(resolve(root));
    expect(pkg.name).toBe("interleave-check");
  });

  it("aliases each export to the built file it names, wildcards expanded over the files present", () => {
    const aliases = ownPackageAliases();
    expect(aliases["interleave-check"]).toBe(resolve(root, "dist/src/index.js"));
    expect(aliases["interleave-check/checker"]).toBe(resolve(root, "dist/checker/index.js"));
    expect(aliases["interleave-check/specs/raft"]).toBe(resolve(root, "dist/specs/raft.js"));
    // Only the .js files of dist/specs, named without the extension: no .d.ts, no .js.map, no subpath not exported.
    const specs = readdirSync(resolve(root, "dist/specs")).filter((f) => f.endsWith(".js"));
    const specAliases = Object.keys(aliases).filter((k) => k.startsWith("interleave-check/specs/"));
    expect(specAliases.sort()).toEqual(specs.map((f) => `interleave-check/specs/${f.slice(0, -3)}`).sort());
    expect(specAliases.length).toBeGreaterThan(20);
    expect(aliases["interleave-check/src/protocol"]).toBeUndefined();
    expect(aliases["interleave-check/package.json"]).toBe(resolve(root, "package.json"));
    const outside = Object.entries(aliases).filter(([, target]) => !target.startsWith(resolve(root, "dist")));
    expect(outside).toEqual([["interleave-check/package.json", resolve(root, "package.json")]]);
  });
});

describe("packageAliases", () => {
  const dir = mkdtempSync(join(tmpdir(), "interleave-aliases-"));
  mkdirSync(join(dir, "lib"));
  for (const f of ["index.js", "spec-a.js", "spec-bb.js", "spec-.js", "spec-c.d.ts", "other.js"])
    writeFileSync(join(dir, "lib", f), "");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("expands a wildcard over the files that start and end as its target does, with something between", () => {
    const aliases = packageAliases(dir, {
      name: "pkg",
      exports: {
        ".": "./lib/index.js",
        "./x/*": { default: "./lib/spec-*.js" },
        "./gone/*": "./nowhere/*.js",
        "./all/*": "./lib/*",
      },
    });
    const lib = (f: string) => join(dir, "lib", f);
    expect(aliases).toEqual({
      pkg: lib("index.js"),
      "pkg/x/a": lib("spec-a.js"),
      "pkg/x/bb": lib("spec-bb.js"),
      // A folder that does not exist gives no aliases; an empty prefix and suffix take every file.
      ...Object.fromEntries(
        ["index.js", "spec-a.js", "spec-bb.js", "spec-.js", "spec-c.d.ts", "other.js"].map((f) => [
          `pkg/all/${f}`,
          lib(f),
        ]),
      ),
    });
  });
});

describe("isSpec", () => {
  it("recognizes a spec by its kind and instantiate function, whichever copy of the library made it", () => {
    expect(isSpec({ kind: "interleave-spec", instantiate: () => ({}) })).toBe(true);
    expect(isSpec({ kind: "interleave-spec", instantiate: {} })).toBe(false);
    expect(isSpec({ kind: "spec", instantiate: () => ({}) })).toBe(false);
    expect(isSpec({ instantiate: () => ({}) })).toBe(false);
    expect(isSpec(null)).toBe(false);
    expect(isSpec("interleave-spec")).toBe(false);
  });
});

describe("loadSpecSource", () => {
  const dir = mkdtempSync(join(tmpdir(), "interleave-source-"));
  const file = join(dir, "counter.ts");
  writeFileSync(
    file,
    `import { defineSpec, invariant } from "interleave-check";
export const counter = defineSpec({
  name: "counter",
  init: () => [{ x: 0 }],
  actions: { inc: (s: { x: number }) => (s.x < 2 ? [{ x: s.x + 1 }] : []) },
  properties: { small: invariant((s: { x: number }) => s.x < 5) },
});
export const notASpec = 42;
`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a user's file by absolute path or file: URL, and a catalogue spec by its package specifier", async () => {
    expect((await loadSpecSource({ module: file, exportName: "counter" })).name).toBe("counter");
    expect((await loadSpecSource({ module: pathToFileURL(file).href, exportName: "counter" })).name).toBe("counter");
    expect((await loadSpecSource({ module: "interleave-check/specs/raft", exportName: "raft" })).name).toBe("raft");
  });

  it("reads a user's file afresh at every import: an edited spec is checked as it is now", async () => {
    const module = join(dir, "edited.ts");
    writeFileSync(module, "export const version = 1;\n");
    expect((await importUserModule(module))["version"]).toBe(1);
    writeFileSync(module, "export const version = 2;\n");
    expect((await importUserModule(module))["version"]).toBe(2);
  });

  it("refuses an export that is not a spec, or is missing, naming the module and the export", async () => {
    await expect(loadSpecSource({ module: file, exportName: "notASpec" })).rejects.toThrow(
      new UsageError(`${file} exports no spec named "notASpec"`),
    );
    await expect(loadSpecSource({ module: file, exportName: "missing" })).rejects.toThrow(
      new UsageError(`${file} exports no spec named "missing"`),
    );
  });
});
