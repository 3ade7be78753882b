/**
 * The output-path checks where the file system says no: not writable, no
 * existing ancestor, a write that fails without an errno. Root may write
 * anywhere, so `node:fs` is replaced by one whose answers the test chooses;
 * output-paths.test.ts covers the real file system.
 */
import { dirname, resolve } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const fs = vi.hoisted(() => ({
  /** Paths `accessSync` refuses. */
  denied: new Set<string>(),
  /** Paths `statSync` says are missing, besides those the real one does. */
  missing: new Set<string>(),
  /** What `writeFileSync` throws, if anything. */
  writeError: undefined as Error | undefined,
}));

vi.mock("node:fs", async (original) => {
  const real = await original<typeof import("node:fs")>();
  return {
    ...real,
    accessSync: (path: string, mode?: number) => {
      if (fs.denied.has(resolve(path))) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
      real.accessSync(path, mode);
    },
    statSync: (path: string) => {
      if (fs.missing.has(resolve(path))) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return real.statSync(path);
    },
    writeFileSync: (...args: Parameters<typeof real.writeFileSync>) => {
      if (fs.writeError !== undefined) throw fs.writeError;
      real.writeFileSync(...args);
    },
  };
});

const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const { join } = await import("node:path");
// Loaded afresh, so they see the mock even where test files share one module cache (the mutation
// runs' `isolate: false`), and loaded afresh again after this file (afterAll), so that the next
// file's output paths write to the real file system.
vi.resetModules();
const { assertWritable, assertWritableDir, writeOutput } = await import("../../checker/output-paths.js");
const { usageMessage } = await import("../support/usage-message.js");
afterAll(() => {
  vi.doUnmock("node:fs");
  vi.resetModules();
});

const dir = mkdtempSync(join(tmpdir(), "output-denied-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const plain = join(dir, "plain.txt");
writeFileSync(plain, "x");

beforeEach(() => {
  fs.denied.clear();
  fs.missing.clear();
  fs.writeError = undefined;
});

describe("assertWritable where access is refused", () => {
  it("an existing file that is not writable", () => {
    fs.denied.add(plain);
    expect(usageMessage(() => assertWritable(plain, "--out"))).toBe(
      `--out ${plain}: the file is not writable; give another path`,
    );
  });

  it("an existing writable file in a directory that is not: writing it needs no more", () => {
    fs.denied.add(dir);
    expect(usageMessage(() => assertWritable(plain, "--out"))).toBe("passed");
  });

  it("a new file in a directory that is not writable", () => {
    fs.denied.add(dir);
    const file = join(dir, "new.json");
    expect(usageMessage(() => assertWritable(file, "--json"))).toBe(`--json ${file}: directory ${dir} is not writable`);
  });

  it("stdout needs no directory at all", () => {
    fs.denied.add(resolve("."));
    fs.missing.add(resolve("-"));
    expect(usageMessage(() => assertWritable("-", "--json"))).toBe("passed");
    expect(usageMessage(() => assertWritable("./x.json", "--json"))).toBe(
      `--json ./x.json: directory ${resolve(".")} is not writable`,
    );
  });
});

describe("assertWritableDir where access is refused", () => {
  it("an existing directory that is not writable, named as given", () => {
    fs.denied.add(dir);
    expect(usageMessage(() => assertWritableDir(dir, "--dir"))).toBe(`--dir ${dir}: directory ${dir} is not writable`);
  });

  it("a new directory whose nearest existing ancestor is not writable: the ancestor is named", () => {
    fs.denied.add(dir);
    const wanted = join(dir, "a", "b");
    expect(usageMessage(() => assertWritableDir(wanted, "--dir"))).toBe(
      `--dir ${wanted}: directory ${dir} is not writable`,
    );
  });

  it("the path as the user wrote it, when it is the one found", () => {
    const unusual = `${dir}/./plain.txt`;
    expect(usageMessage(() => assertWritableDir(unusual, "--dir"))).toBe(
      `--dir ${unusual}: ${unusual} is not a directory`,
    );
  });

  it("no ancestor exists, up to the root", () => {
    const wanted = join(dir, "a");
    for (let at = resolve(wanted); ; at = dirname(at)) {
      fs.missing.add(at);
      if (dirname(at) === at) break;
    }
    expect(usageMessage(() => assertWritableDir(wanted, "--dir"))).toBe(
      `--dir ${wanted}: no existing parent directory`,
    );
  });
});

describe("writeOutput when the write fails", () => {
  it("without an errno, the message has no code", () => {
    fs.writeError = new Error("odd");
    expect(usageMessage(() => writeOutput(plain, "x", "--json"))).toBe(`--json ${plain}: cannot write the file`);
  });

  it("with one, it is named", () => {
    fs.writeError = Object.assign(new Error("full"), { code: "ENOSPC" });
    expect(usageMessage(() => writeOutput(plain, "x", "--json"))).toBe(
      `--json ${plain}: cannot write the file (ENOSPC)`,
    );
  });
});
