import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { usageMessage } from "../support/usage-message.js";
import { assertWritable, assertWritableDir, writeOutput } from "../../checker/output-paths.js";

const dir = mkdtempSync(join(tmpdir(), "output-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plain = join(dir, "plain.txt");
writeFileSync(plain, "x");

describe("assertWritable", () => {
  it.each([
    ["a new file in an existing directory", join(dir, "new.json"), "passed"],
    ["an existing file", plain, "passed"],
    ["stdout", "-", "passed"],
    ["a directory", dir, `--json ${dir} is a directory; give a file name`],
    [
      "a file in a missing directory",
      join(dir, "nope", "x.json"),
      `--json ${join(dir, "nope", "x.json")}: directory ${join(dir, "nope")} does not exist; create it first`,
    ],
    [
      "a file under a plain file",
      join(plain, "x.json"),
      `--json ${join(plain, "x.json")}: ${plain} is not a directory`,
    ],
    ["an empty name", "", "--json needs a file name"],
  ])("%s", (_what, path, expected) => {
    expect(usageMessage(() => assertWritable(path, "--json"))).toBe(expected);
  });

  it.skipIf(process.getuid?.() === 0)("a read-only file or directory (not as root, who may write anyway)", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    const file = join(locked, "f.json");
    writeFileSync(file, "");
    chmodSync(file, 0o444);
    chmodSync(locked, 0o555);
    expect(usageMessage(() => assertWritable(file, "--out"))).toBe(
      `--out ${file}: the file is not writable; give another path`,
    );
    expect(usageMessage(() => assertWritable(join(locked, "g.json"), "--out"))).toBe(
      `--out ${join(locked, "g.json")}: directory ${locked} is not writable`,
    );
    chmodSync(locked, 0o755);
  });
});

describe("assertWritableDir", () => {
  it.each([
    ["an existing directory", dir, "passed"],
    ["a new directory under existing ones", join(dir, "a", "b"), "passed"],
    ["a plain file", plain, `--dir ${plain}: ${plain} is not a directory`],
    ["under a plain file", join(plain, "sub"), `--dir ${join(plain, "sub")}: ${plain} is not a directory`],
    ["an empty name", "", "--dir needs a directory name"],
  ])("%s", (_what, path, expected) => {
    expect(usageMessage(() => assertWritableDir(path, "--dir"))).toBe(expected);
  });
});

describe("writeOutput", () => {
  it("writes, or names the flag and the errno in one line", () => {
    const target = join(dir, "out.txt");
    writeOutput(target, "hello\n", "--json");
    expect(readFileSync(target, "utf8")).toBe("hello\n");
    expect(usageMessage(() => writeOutput(dir, "x", "--json"))).toBe(`--json ${dir}: cannot write the file (EISDIR)`);
  });
});
