/**
 * Output paths are checked before any work starts: a search that runs for an
 * hour must not end in "cannot write the report".
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./load.js";

/**
 * Throws a UsageError (exit 2) unless `path` can be written: its directory
 * exists and is writable, and it is not a directory or a read-only file.
 * `-` (stdout) is always writable.
 */
export function assertWritable(path: string, flag: string): void {
  if (path === "-") return;
  const full = resolve(path);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(full);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory; give a file name`);
  if (stats) {
    try {
      accessSync(full, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${path}: the file is not writable`);
    }
    return;
  }
  const dir = dirname(full);
  let dirStats: ReturnType<typeof statSync> | undefined;
  try {
    dirStats = statSync(dir);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  }
  if (!dirStats.isDirectory()) throw new UsageError(`${flag} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: directory ${dir} is not writable`);
  }
}
