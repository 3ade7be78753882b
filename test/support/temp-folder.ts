/**
 * A temporary folder for one test file's inputs (specs, models, histories):
 * made under the system's temporary folder, removed after the file's tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";

export interface TempFolder {
  /** The folder's absolute path. */
  readonly path: string;
  /** Writes `text` to `name` in the folder (making its parent folders) and returns the file's absolute path. */
  file(name: string, text: string): string;
}

/**
 * A fresh folder named from `prefix`; call it where the test file's tests are collected, so its removal is registered.
 */
export function tempFolder(prefix: string): TempFolder {
  const path = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    file(name, text) {
      const target = join(path, name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
      return target;
    },
  };
}
