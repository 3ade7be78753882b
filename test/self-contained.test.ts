/**
 * A clone has only the repository: no test, bench, source or README example
 * may read a folder beside it (test data lives under test/fixtures/).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
// Spelled in pieces so this file does not match itself.
const outside = ["..", "shared"].join("/");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|js|md|json)$/.test(name) ? [path] : [];
  });
}

describe("the repository is self-contained", () => {
  it(`nothing in test, bench, src, checker, specs or the README reads ${outside}`, () => {
    const files = [
      ...["test", "bench", "src", "checker", "specs"].flatMap((d) => filesUnder(join(root, d))),
      join(root, "README.md"),
    ];
    expect(files.length).toBeGreaterThan(100);
    const offending = files.filter((f) => readFileSync(f, "utf8").includes(outside)).map((f) => relative(root, f));
    expect(offending).toEqual([]);
  });

  it("the Porcupine histories ship with their verdicts, attribution and licence", () => {
    const dir = join(root, "test/fixtures/porcupine");
    const rows = readFileSync(join(dir, "expected.tsv"), "utf8").trim().split("\n").slice(1);
    expect(rows).toHaveLength(109);
    for (const row of rows) expect(statSync(join(dir, row.split("\t")[0]!)).isFile()).toBe(true);
    expect(readFileSync(join(dir, "LICENSE"), "utf8")).toContain("Copyright (c) 2017-2021 Anish Athalye");
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("https://github.com/anishathalye/porcupine");
  });
});
