/**
 * Finding a spec: by catalogue name, or by path to a user's own `.ts`/`.js`
 * file (loaded with jiti, so TypeScript needs no build step).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Spec } from "../src/index.js";
import { catalogue } from "../specs/index.js";
import { UsageError } from "./usage-error.js";

export { UsageError };

/** True for anything that looks like a Spec (duck-typed: a user's file may load its own copy of the library). */
export function isSpec(value: unknown): value is Spec<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "interleave-spec" &&
    typeof (value as { instantiate?: unknown }).instantiate === "function"
  );
}

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
  const [file = "", wanted] = arg.split("#");
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`spec file not found: ${file}`);
  let module: Record<string, unknown>;
  try {
    module = await importUserModule(path);
  } catch (error) {
    throw new UsageError(`cannot load spec file ${file}: ${describeLoadError(error, { file, path })}`);
  }
  const specs = Object.entries(module).filter((e): e is [string, Spec<unknown>] => isSpec(e[1]));
  if (wanted !== undefined) {
    const found = specs.find(([exportName, spec]) => exportName === wanted || spec.name === wanted);
    if (!found)
      throw new UsageError(`${file} has no spec "${wanted}"; specs: ${specs.map(([n]) => n).join(", ") || "(none)"}`);
    return found[1];
  }
  const byDefault = specs.find(([exportName]) => exportName === "default");
  if (byDefault) return byDefault[1];
  const first = specs[0];
  if (!first) throw new UsageError(`${file} exports no spec (export the result of defineSpec or defineProtocol)`);
  if (specs.length > 1) {
    throw new UsageError(
      `${file} exports several specs (${specs.map(([n]) => n).join(", ")}); pick one: ${file}#${specs[0]![0]}`,
    );
  }
  return first[1];
}

/** Resolves the `<name | ./path/to/spec.ts>` argument. */
export async function resolveSpec(arg: string): Promise<Spec<unknown>> {
  return looksLikePath(arg) ? loadSpecFile(arg) : findCatalogueSpec(arg);
}

/** jiti takes about 180 ms to load: only spec and model files given by path need it. */
async function loadJiti(): Promise<typeof import("jiti").createJiti> {
  return (await import("jiti")).createJiti;
}

/**
 * Imports a user's spec or model file (TypeScript or JavaScript) through
 * jiti, with this package's own name and subpaths resolvable from wherever
 * the file lives: a file in an empty folder can `import ... from
 * "interleave-check"` and check with `npx interleave`, no install beside it.
 */
export async function importUserModule(path: string): Promise<Record<string, unknown>> {
  const jiti = (await loadJiti())(import.meta.url, { fsCache: false, moduleCache: false, alias: ownPackageAliases() });
  return jiti.import<Record<string, unknown>>(path);
}

/**
 * One jiti alias per entry of this package's `exports` map (`name`,
 * `name/checker`, `name/specs/raft`, ...) to the built file that entry
 * names. Wildcard entries are expanded over the files present, so an
 * unexported subpath stays unresolvable, as it is for Node.
 */
export function ownPackageAliases(): Record<string, string> {
  const { root, pkg } = ownPackage();
  const aliases: Record<string, string> = {};
  for (const [key, entry] of Object.entries(pkg.exports)) {
    const target = typeof entry === "string" ? entry : entry.default;
    const specifier = pkg.name + key.slice(1);
    const star = target.indexOf("*");
    if (star < 0) {
      aliases[specifier] = resolve(root, target);
      continue;
    }
    const [before, after] = [target.slice(0, star), target.slice(star + 1)];
    const dir = resolve(root, dirname(before + "x"));
    const prefix = before.slice(before.lastIndexOf("/") + 1);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      if (!f.startsWith(prefix) || !f.endsWith(after) || f.length < prefix.length + after.length + 1) continue;
      aliases[specifier.replace("*", f.slice(prefix.length, f.length - after.length))] = resolve(dir, f);
    }
  }
  return aliases;
}

/** This package's folder and package.json, found from this file in the sources or in dist/. */
export function ownPackage(): {
  root: string;
  pkg: { name: string; version: string; exports: Record<string, string | { default: string }> };
} {
  let root = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(root, "package.json"))) {
    const up = dirname(root);
    if (up === root) throw new Error("cannot find the interleave package's own package.json");
    root = up;
  }
  return {
    root,
    pkg: JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as ReturnType<typeof ownPackage>["pkg"],
  };
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
