/**
 * Where a node process finds the spec it runs: a module (the catalogue's
 * built index, or a user's own `.ts`/`.js` file) and the spec's name in it.
 * The CLI resolves the spec argument as `interleave check` does and hands
 * each node this reference; the runtime itself names no spec.
 */
import { pathToFileURL } from "node:url";
import { OptionError, type Spec } from "../spec.js";

/** A spec's module and name. */
export interface SpecRef {
  /** Absolute path of the module. */
  readonly module: string;
  /** The spec's name (`spec.name`). */
  readonly name: string;
  /**
   * A user's file is loaded with jiti (TypeScript needs no build step) and
   * these aliases (the package's own name and subpaths); without them the
   * module is imported as it is (the built catalogue).
   */
  readonly aliases?: Readonly<Record<string, string>>;
}

function isSpecLike(value: unknown): value is Spec<unknown> {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "interleave-spec";
}

/** Loads the spec `ref` names: an export of its module, or an element of an exported list (the catalogue). */
export async function loadSpecRef(ref: SpecRef): Promise<Spec<unknown>> {
  let module: Record<string, unknown>;
  if (ref.aliases !== undefined) {
    const { createJiti } = await import("jiti");
    // The transpile cache on disk: every node process (and each restart) loads the same file, 2 s each without it on a
    // busy machine.
    const jiti = createJiti(import.meta.url, { fsCache: true, moduleCache: false, alias: { ...ref.aliases } });
    module = await jiti.import<Record<string, unknown>>(ref.module);
  } else {
    module = (await import(pathToFileURL(ref.module).href)) as Record<string, unknown>;
  }
  for (const value of Object.values(module)) {
    for (const candidate of Array.isArray(value) ? value : [value])
      if (isSpecLike(candidate) && candidate.name === ref.name) return candidate;
  }
  throw new OptionError(`${ref.module} has no spec "${ref.name}"`);
}
