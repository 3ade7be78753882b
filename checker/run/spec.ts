/**
 * The spec of a run, resolved as `interleave check` resolves its argument (a
 * catalogue name or a path to a user's file), with where node processes find
 * it: the built catalogue, or the user's file loaded through jiti with this
 * package's aliases. conform resolves a run's spec again from run.json.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Spec } from "../../src/index.js";
import { loadSpecRef, type RunRecord, type SpecRef } from "../../src/runtime/index.js";
import { findCatalogueSpec, loadSpecFile, looksLikePath } from "../load.js";
import { ownPackageAliases } from "../spec-source.js";

/** A run's spec and where its nodes load it. */
export interface RunSpec {
  readonly spec: Spec<unknown>;
  readonly ref: SpecRef;
  /** The user's file (`/abs/path.ts#name`), absent for a catalogue spec. */
  readonly specFile?: string;
}

/** The built catalogue module: next to this file when compiled; in dist/ when this runs from sources (tests). */
export function catalogueModule(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(
    new URL(here.endsWith(".js") ? "../../specs/index.js" : "../../dist/specs/index.js", import.meta.url),
  );
}

/** Resolves `<name | ./path/to/spec.ts[#name]>` for a run. */
export async function resolveRunSpec(arg: string): Promise<RunSpec> {
  if (!looksLikePath(arg)) {
    const spec = findCatalogueSpec(arg);
    // A node loads the spec's own module when it has one (specs/raft.js): the whole catalogue takes longer to start.
    const own = join(dirname(catalogueModule()), `${spec.name}.js`);
    return { spec, ref: { module: existsSync(own) ? own : catalogueModule(), name: spec.name } };
  }
  const spec = await loadSpecFile(arg);
  const file = resolve(arg.split("#")[0] ?? "");
  const ref: SpecRef = { module: file, name: spec.name, aliases: ownPackageAliases() };
  // Loaded once more as the nodes load it: this fills jiti's transpile cache, so node processes start fast.
  await loadSpecRef(ref);
  return { spec, ref, specFile: `${file}#${spec.name}` };
}

/** The spec a recorded run ran. */
export async function specOfRun(run: Pick<RunRecord, "spec" | "specFile">): Promise<Spec<unknown>> {
  return run.specFile === undefined ? findCatalogueSpec(run.spec) : loadSpecFile(run.specFile);
}
