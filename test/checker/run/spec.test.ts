/**
 * The spec of `interleave run`, resolved in-process: a catalogue name loads
 * from the built spec's own module, a path from the user's file through jiti
 * with this package's aliases; a recorded run finds its spec again either way.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogueModule, resolveRunSpec, specOfRun } from "../../../checker/run/spec.js";
import { ownPackageAliases } from "../../../checker/spec-source.js";
import { catalogue } from "../../../specs/index.js";

const root = resolve(import.meta.dirname, "../../..");

describe("the spec of a run", () => {
  let dir = "";
  let file = "";

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "interleave-run-spec-"));
    file = join(dir, "lamp.ts");
    writeFileSync(
      file,
      `import { defineSpec, invariant } from "interleave-check";
export const lamp = defineSpec({
  name: "lamp",
  description: "a lamp switched on and off",
  init: () => [{ on: false }],
  actions: { Toggle: (s: { on: boolean }) => ({ on: !s.on }) },
  properties: { boolean: invariant((s: { on: boolean }) => typeof s.on === "boolean") },
});
`,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the catalogue module run from sources is the built one in dist/", () => {
    expect(catalogueModule()).toBe(join(root, "dist/specs/index.js"));
  });

  it("a catalogue name: the catalogue's spec, which nodes load from its own built module", async () => {
    const r = await resolveRunSpec("two-phase-commit");
    expect(r).toEqual({
      spec: catalogue.find((s) => s.name === "two-phase-commit"),
      ref: { module: join(root, "dist/specs/two-phase-commit.js"), name: "two-phase-commit" },
    });
  });

  it("a path with #name: the user's spec, which nodes load from the file with this package's aliases", async () => {
    const r = await resolveRunSpec(`${file}#lamp`);
    expect([r.spec.name, r.ref, r.specFile]).toEqual([
      "lamp",
      { module: file, name: "lamp", aliases: ownPackageAliases() },
      `${file}#lamp`,
    ]);
  });

  it("a recorded run's spec: from the catalogue without a spec file, from the file with one", async () => {
    expect(await specOfRun({ spec: "two-phase-commit" })).toBe(catalogue.find((s) => s.name === "two-phase-commit"));
    expect((await specOfRun({ spec: "lamp", specFile: `${file}#lamp` })).name).toBe("lamp");
  });
});
