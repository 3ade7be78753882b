/**
 * Finding a spec: by catalogue name, or by path to a user's own `.ts`/`.js`
 * file (loaded with jiti, so TypeScript needs no build step). Each is
 * resolved to the spec and its source, the module a worker thread or
 * process imports to load the same spec (see spec-source.ts): only the CLI
 * names catalogue specs.
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Spec } from "../src/index.js";
import { catalogue } from "../specs/index.js";
import { checkSourcedSpec, type CheckByNameOptions } from "./check.js";
import type { Report } from "./report.js";
import { importUserModule, isSpec, ownPackage, ownPackageAliases, type SourcedSpec } from "./spec-source.js";
import { UsageError } from "./usage-error.js";

export { UsageError };

/** True when the argument names a file rather than a catalogue spec. */
export function looksLikePath(arg: string): boolean {
  return arg.startsWith(".") || arg.startsWith("/") || /\.(c|m)?(t|j)sx?(#.*)?$/.test(arg);
}

/** The catalogue spec called `name`, or a UsageError listing the names. */
export function findCatalogueSpec(name: string): Spec<unknown> {
  const spec = catalogue.find((s) => s.name === name);
  if (!spec) {
    throw new UsageError(
      `no spec named "${name}"; specs: ${catalogue.map((s) => s.name).join(", ")} (or give a path: ./my-spec.ts)`,
    );
  }
  return spec;
}

/**
 * Loads a spec from a file. `file.ts#name` picks an export (or a spec name)
 * when the file has several.
 */
export async function loadSpecFile(arg: string): Promise<Spec<unknown>> {
  return (await loadSpecFileSource(arg)).spec;
}

/** {@link loadSpecFile}, with the source (the file and the export) a worker loads the spec from. */
async function loadSpecFileSource(arg: string): Promise<SourcedSpec> {
  const [file = "", wanted] = arg.split("#");
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`spec file not found: ${file}`);
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    throw new UsageError(`cannot load spec file ${file}: ${describeLoadError(error, { file, path })}`);
  }
  const [exportName, spec] = pickExport(
    Object.entries(module).filter((e): e is [string, Spec<unknown>] => isSpec(e[1])),
    file,
    wanted,
  );
  return { spec, source: { module: pathToFileURL(path).href, exportName } };
}

/** The export a spec file's argument means: `#wanted` (an export or a spec name), the default, or the only one. */
function pickExport(
  specs: readonly [string, Spec<unknown>][],
  file: string,
  wanted: string | undefined,
): [string, Spec<unknown>] {
  if (wanted !== undefined) {
    const found = specs.find(([exportName, spec]) => exportName === wanted || spec.name === wanted);
    if (!found)
      throw new UsageError(`${file} has no spec "${wanted}"; specs: ${specs.map(([n]) => n).join(", ") || "(none)"}`);
    return found;
  }
  const byDefault = specs.find(([exportName]) => exportName === "default");
  if (byDefault) return byDefault;
  const first = specs[0];
  if (!first) throw new UsageError(`${file} exports no spec (export the result of defineSpec or defineProtocol)`);
  if (specs.length > 1) {
    throw new UsageError(
      `${file} exports several specs (${specs.map(([n]) => n).join(", ")}); pick one: ${file}#${specs[0]![0]}`,
    );
  }
  return first;
}

/** Resolves the `<name | ./path/to/spec.ts>` argument. */
export async function resolveSpec(arg: string): Promise<Spec<unknown>> {
  return looksLikePath(arg) ? loadSpecFile(arg) : findCatalogueSpec(arg);
}

/**
 * Resolves the `<name | ./path/to/spec.ts>` argument to the spec and the
 * source its workers load: a user's file by its URL, a catalogue spec by
 * this package's own subpath (`interleave-check/specs/raft`), which Node
 * resolves to the built catalogue from any worker, on any machine.
 */
export async function resolveSpecSource(arg: string): Promise<SourcedSpec> {
  return looksLikePath(arg) ? loadSpecFileSource(arg) : catalogueSource(findCatalogueSpec(arg));
}

/** A catalogue spec and its own module (specs/<name>.ts exports it: the catalogue test checks each one). */
export async function catalogueSource(spec: Spec<unknown>): Promise<SourcedSpec> {
  const url = new URL(`../specs/${spec.name}.js`, import.meta.url).href;
  const module = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
  const exportName = Object.keys(module).find((name) => module[name] === spec);
  if (exportName === undefined)
    throw new Error(`catalogue spec "${spec.name}" is not exported by specs/${spec.name}.ts`);
  return { spec, source: { module: `${ownPackage().pkg.name}/specs/${spec.name}`, exportName } };
}

/**
 * One line for a file that failed to load. A syntax error keeps where it is
 * (`spec.ts:4:5`; jiti puts that on the message's second line); importing
 * the package by a name it does not have says the name it has; any other
 * error gives its first line.
 */
function describeLoadError(error: unknown, at: { file: string; path: string }): string {
  const message = error instanceof Error ? error.message : String(error);
  const parse = /^(?:ParseError|SyntaxError): ([^\n]*?)\s*\n\s*(\S[^\n]*?):(\d+):(\d+)\s*(?:\n|$)/.exec(message);
  if (parse) {
    const [, reason, where, line, column] = parse;
    const shown = resolve(where!) === at.path ? at.file : relative(process.cwd(), where!);
    return `syntax error at ${shown}:${line}:${column}: ${reason}`;
  }
  const firstLine = message.split("\n")[0] ?? "";
  const missing = /Cannot find module '([^']*)'/.exec(firstLine)?.[1];
  if (missing === undefined) return firstLine;
  const { pkg } = ownPackage();
  const oldName = /^interleave(\/.*)?$/.exec(missing);
  if (oldName) return `${firstLine} (this package is imported as "${pkg.name}${oldName[1] ?? ""}")`;
  const main = ownPackageAliases()[pkg.name];
  if (main !== undefined && missing.startsWith(main + "/")) {
    const entries = Object.keys(pkg.exports).map((key) => pkg.name + key.slice(1).replace("*", "<name>"));
    return `"${pkg.name}${missing.slice(main.length)}" is not an entry point of ${pkg.name}; entry points: ${entries.join(", ")}`;
  }
  return firstLine;
}

/**
 * Checks a spec given as the CLI takes it (a catalogue name or a path), on
 * `workers` threads when more than one (see `checkSpecSource`).
 * @example const report = await checkSpecByName("two-phase-commit", { params: { rms: 7 }, workers: 2 });
 */
export async function checkSpecByName(specArg: string, options: CheckByNameOptions = {}): Promise<Report> {
  return checkSourcedSpec(await resolveSpecSource(specArg), options);
}
