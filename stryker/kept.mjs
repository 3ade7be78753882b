/**
 * Stryker's incremental report of a recorded file, kept in git beside its
 * record (stryker/results/<scope>/<file>.incremental.json.gz), so a clone
 * that has none of the local reports still reruns a stale record
 * incrementally: only the mutants in changed code, or reached by changed or
 * new tests, are tested again. Without it a record made stale by any change
 * (every change, for the `checker` scope, whose tests spawn the built CLI)
 * was rerun from nothing: hours for the checker's hot files.
 *
 * The report holds the source of the mutated file and of every test file
 * (Stryker diffs the old sources against the current ones to carry verdicts
 * over); when the run was made from a clean checkout of a commit, those
 * sources are left out and read back from git at that commit, which leaves
 * the mutants, their covering and killing tests and the test names,
 * compressed.
 */
import { execFileSync } from "node:child_process";
import { gunzipSync, gzipSync } from "node:zlib";

/**
 * The commit the working tree is a clean checkout of, or undefined when
 * anything tracked is changed or anything untracked is not ignored (the
 * sources then stay in the kept report). The records themselves
 * (stryker/results) are left out: a scope's earlier runs write them, and
 * no test or mutated file reads them.
 */
export function cleanCommit() {
  try {
    const git = (...args) => execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const changed = git("status", "--porcelain", "--", ".", ":(exclude)stryker/results").trim();
    return changed === "" ? git("rev-parse", "HEAD").trim() : undefined;
  } catch {
    return undefined;
  }
}

/** `report` compressed, without its sources when `commit` can give them back. */
export function pack(report, commit) {
  const strip = (entries) =>
    Object.fromEntries(
      Object.entries(entries ?? {}).map(([name, file]) => {
        if (commit === undefined) return [name, file];
        const { source: _source, ...rest } = file;
        return [name, rest];
      }),
    );
  const kept = { ...report, files: strip(report.files), testFiles: strip(report.testFiles), keptAt: commit ?? null };
  return gzipSync(JSON.stringify(kept), { level: 9 });
}

/**
 * The report `pack` made, its sources read back from git at the commit it
 * was made at; undefined when this clone cannot (a shallow clone without
 * that commit): the file then reruns from nothing.
 */
export function unpack(bytes) {
  const kept = JSON.parse(gunzipSync(bytes).toString("utf8"));
  const { keptAt: commit, ...report } = kept;
  if (commit === null) return report;
  const at = (path) => {
    try {
      return execFileSync("git", ["show", `${commit}:${path}`], {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      return undefined;
    }
  };
  const files = {};
  for (const [name, file] of Object.entries(report.files)) {
    const source = at(name);
    if (source === undefined) return undefined;
    files[name] = { ...file, source };
  }
  // A test file missing at that commit cannot be: the run read it. If git cannot give it, the
  // whole report is refused, since Stryker trusts a test file without a source as unchanged.
  const testFiles = {};
  for (const [name, file] of Object.entries(report.testFiles ?? {})) {
    const source = name === "" ? file.source : at(name);
    if (source === undefined && name !== "") return undefined;
    testFiles[name] = { ...file, ...(source === undefined ? {} : { source }) };
  }
  return { ...report, files, testFiles };
}
