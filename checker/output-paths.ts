/**
 * Output paths checked before any work starts: a `--json` file in a directory
 * that does not exist must be exit 2 at once, not after an hour of search
 * whose result is then lost.
 */
import { accessSync, constants, statSync, writeFileSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./usage-error.js";

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function canWrite(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws a {@link UsageError} (exit 2, one line) unless `path` can be written
 * as a file: it is not a directory, an existing file is writable, and a new
 * file's parent directory exists and is writable. `-` (stdout) always passes.
 *
 * @example
 * assertWritable(opts.json, "--json"); // before the search starts
 */
export function assertWritable(path: string, flag: string): void {
  if (path === "-") return;
  if (path === "") throw new UsageError(`${flag} needs a file name`);
  const stats = statOrUndefined(path);
  if (stats?.isDirectory()) throw new UsageError(`${flag} ${path} is a directory; give a file name`);
  if (stats !== undefined) {
    if (!canWrite(path, constants.W_OK))
      throw new UsageError(`${flag} ${path}: the file is not writable; give another path`);
    return;
  }
  const parent = dirname(resolve(path));
  const parentStats = statOrUndefined(parent);
  if (parentStats === undefined)
    throw new UsageError(`${flag} ${path}: directory ${parent} does not exist; create it first`);
  if (!parentStats.isDirectory()) throw new UsageError(`${flag} ${path}: ${parent} is not a directory`);
  if (!canWrite(parent, constants.W_OK | constants.X_OK))
    throw new UsageError(`${flag} ${path}: directory ${parent} is not writable`);
}

/**
 * Throws a {@link UsageError} unless `path` can be used as an output
 * directory: an existing one must be a writable directory; a new one is
 * created with its parents, so the nearest existing ancestor must be a
 * writable directory.
 */
export function assertWritableDir(path: string, flag: string): void {
  if (path === "") throw new UsageError(`${flag} needs a directory name`);
  let at = resolve(path);
  for (;;) {
    const stats = statOrUndefined(at);
    if (stats !== undefined) {
      const given = at === resolve(path) ? path : at;
      if (!stats.isDirectory()) throw new UsageError(`${flag} ${path}: ${given} is not a directory`);
      if (!canWrite(at, constants.W_OK | constants.X_OK))
        throw new UsageError(`${flag} ${path}: directory ${given} is not writable`);
      return;
    }
    const parent = dirname(at);
    if (parent === at) throw new UsageError(`${flag} ${path}: no existing parent directory`);
    at = parent;
  }
}

/**
 * Writes an output file, turning a failure (disk full, a path removed since
 * {@link assertWritable}) into a one-line {@link UsageError} naming the flag.
 */
export function writeOutput(path: string, text: string, flag: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${path}: cannot write the file${code === undefined ? "" : ` (${code})`}`);
  }
}
