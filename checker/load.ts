/**
 * Finding a spec: by catalogue name, or by path to a user's own `.ts`/`.js`
 * file (loaded with jiti, so TypeScript needs no build step).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Spec } from "../src/index.js";
import { catalogue } from "../specs/index.js";

/** Bad input from the user: the CLI prints the message alone and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
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

/** True when the argument names a file rather than a catalogue spec. */
export function looksLikePath(arg: string): boolean {
  return arg.startsWith(".") || arg.startsWith("/") || /\.(c|m)?(t|j)sx?(#.*)?$/.test(arg);
}

/** The catalogue spec called `name`, or a UsageError listing the names. */
export function findCatalogueSpec(name: string): Spec<unknown> {
  const spec = catalogue.find((s) => s.name === name);
  if (!spec) {
    throw new UsageError(`no spec named "${name}"; specs: ${catalogue.map((s) => s.name).join(", ")} (or give a path: ./my-spec.ts)`);
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
    module = /\.(c|m)?js$/.test(path)
      ? ((await import(pathToFileURL(path).href)) as Record<string, unknown>)
      : ((await (await loadJiti())(import.meta.url, { fsCache: false, moduleCache: false }).import(path)) as Record<string, unknown>);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`cannot load spec file ${file}: ${message}`);
  }
  const specs = Object.entries(module).filter((e): e is [string, Spec<unknown>] => isSpec(e[1]));
  if (wanted !== undefined) {
    const found = specs.find(([exportName, spec]) => exportName === wanted || spec.name === wanted);
    if (!found) throw new UsageError(`${file} has no spec "${wanted}"; specs: ${specs.map(([n]) => n).join(", ") || "(none)"}`);
    return found[1];
  }
  const byDefault = specs.find(([exportName]) => exportName === "default");
  if (byDefault) return byDefault[1];
  const first = specs[0];
  if (!first) throw new UsageError(`${file} exports no spec (export the result of defineSpec or defineProtocol)`);
  if (specs.length > 1) {
    throw new UsageError(`${file} exports several specs (${specs.map(([n]) => n).join(", ")}); pick one: ${file}#${specs[0]![0]}`);
  }
  return first[1];
}

/** Resolves the `<name | ./path/to/spec.ts>` argument. */
export async function resolveSpec(arg: string): Promise<Spec<unknown>> {
  return looksLikePath(arg) ? loadSpecFile(arg) : findCatalogueSpec(arg);
}

/** jiti takes about 180 ms to load: only spec and model files given by path need it. */
export async function loadJiti(): Promise<typeof import("jiti").createJiti> {
  return (await import("jiti")).createJiti;
}
