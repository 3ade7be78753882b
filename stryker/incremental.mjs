/**
 * One Stryker incremental report made of several runs' reports, so files
 * recorded by different runs can be rerun together: one initial test run
 * (about 4 minutes for the checker scope) instead of one per file.
 *
 * Stryker matches an old test to a current one by its file and name, never
 * by id (ids are numbered per run), so each run's test and mutant ids are
 * made unique by a prefix and every run's tests are kept. A test file whose
 * recorded source differs between the runs gets a source that differs from
 * the file as it is now, if any: Stryker then treats its tests as changed
 * and reruns the mutants they killed, rather than trusting a verdict that
 * another version of the file gave.
 */

/**
 * Merges incremental reports (`reports[k]`: one run's report, narrowed to
 * the files it mutated); `current(file)` is a test file's source now, or
 * undefined when it is gone.
 */
export function mergeIncremental(reports, current) {
  if (reports.length === 0) throw new Error("mergeIncremental: no reports to merge");
  const files = {};
  const tests = new Map();
  const sources = new Map();
  reports.forEach((report, k) => {
    const id = (old) => `${k}-${old}`;
    for (const [name, file] of Object.entries(report.files)) {
      if (name in files) throw new Error(`mergeIncremental: ${name} is in two of the reports`);
      files[name] = {
        ...file,
        mutants: file.mutants.map((m) => ({
          ...m,
          id: id(m.id),
          ...(m.coveredBy ? { coveredBy: m.coveredBy.map(id) } : {}),
          ...(m.killedBy ? { killedBy: m.killedBy.map(id) } : {}),
        })),
      };
    }
    for (const [name, file] of Object.entries(report.testFiles ?? {})) {
      if (!tests.has(name)) tests.set(name, []);
      tests.get(name).push(...file.tests.map((t) => ({ ...t, id: id(t.id) })));
      if (!sources.has(name)) sources.set(name, new Set());
      sources.get(name).add(file.source);
    }
  });
  const testFiles = {};
  for (const [name, list] of tests) {
    const seen = [...sources.get(name)];
    const source = seen.length === 1 ? seen[0] : (seen.find((s) => s !== current(name)) ?? seen[0]);
    testFiles[name] = { tests: list, ...(source === undefined ? {} : { source }) };
  }
  return { ...reports[0], files, testFiles };
}

/**
 * `report` without its undetected mutants (survived, not covered, or left
 * out as static), so Stryker tests them again while it reuses the verdicts
 * of those a test killed: for a file judged under other settings, where a
 * survivor's verdict may not hold but a killed mutant stays killed.
 */
export function withoutUndetected(report) {
  const undetected = new Set(["Survived", "NoCoverage", "Ignored"]);
  const files = {};
  for (const [name, file] of Object.entries(report.files))
    files[name] = { ...file, mutants: file.mutants.filter((m) => !undetected.has(m.status)) };
  return { ...report, files };
}
