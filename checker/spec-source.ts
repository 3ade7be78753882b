/**
 * Where a worker thread or process finds the spec it searches: a module and
 * the name of the export holding the spec. The CLI resolves its argument (a
 * catalogue name or a user's file) to a source; parallel search, swarm
 * members and distributed workers import that module themselves, so the
 * checker never names a catalogue spec.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnySpec, Spec } from "../src/index.js";
import { UsageError } from "./usage-error.js";

/**
 * A module that exports a spec, and which export.
 * @example
 * const source: SpecSource = { module: "/home/me/specs/lock.ts", exportName: "lock" };
 * const catalogued: SpecSource = { module: "interleave-check/specs/raft", exportName: "raft" };
 */
export interface SpecSource {
  /**
   * An absolute path or `file:` URL of a user's `.ts`/`.js` file (loaded
   * through jiti, as the CLI loads it, with this package's own name
   * resolvable from wherever the file lives), or a specifier Node resolves
   * from this package (`interleave-check/specs/raft`: the built catalogue).
   * Keep the spec in a module of its own: a worker imports it, so a module
   * that starts a check when imported would start one in every worker.
   */
  readonly module: string;
  /** The export holding the spec (`default` for a default export). */
  readonly exportName: string;
}

/** A spec already loaded, with the source its workers load it from. */
export interface SourcedSpec {
  readonly spec: AnySpec;
  readonly source: SpecSource;
}

/** True for anything that looks like a Spec (duck-typed: a user's file may load its own copy of the library). */
export function isSpec(value: unknown): value is Spec<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "interleave-spec" &&
    typeof (value as { instantiate?: unknown }).instantiate === "function"
  );
}

/** The spec a source names (a UsageError when the module does not export one there). */
export async function loadSpecSource(source: SpecSource): Promise<Spec<unknown>> {
  const path = source.module.startsWith("file:") ? fileURLToPath(source.module) : source.module;
  const module = isAbsolute(path)
    ? await importUserModule(path)
    : ((await import(source.module)) as Record<string, unknown>);
  const spec = module[source.exportName];
  if (!isSpec(spec)) throw new UsageError(`${source.module} exports no spec named "${source.exportName}"`);
  return spec;
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
  return packageAliases(root, pkg);
}

/** The aliases of {@link ownPackageAliases} for the package `pkg` in folder `root`. */
export function packageAliases(
  root: string,
  pkg: { readonly name: string; readonly exports: Record<string, string | { readonly default: string }> },
): Record<string, string> {
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
