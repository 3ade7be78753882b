/**
 * fast-check arbitraries of a spec's parameter values, for properties over
 * model sizes ("consistent for every number of resource managers up to 4"),
 * e.g. with `test.prop` from `@fast-check/vitest`.
 */
import fc from "fast-check";
import { ParamError, type ParamDef, type ParamRecord, type AnySpec } from "../src/index.js";

/** Narrows the values of one integer parameter, or gives an arbitrary of its own. */
export type ParamBound = { readonly min?: number; readonly max?: number } | fc.Arbitrary<number | boolean | string>;

/**
 * An arbitrary of valid parameter records for `spec`: booleans take both
 * values, enums every value, and integers range from their minimum (or 0) to
 * their default unless `bounds` says otherwise. The default is the size the
 * spec is checked at; small models find most bugs (the small-scope
 * hypothesis), and exhaustive checks grow fast with size.
 *
 * Values outside the schema (an integer bound past its `max`) are a ParamError.
 * @example
 * import { test } from "@fast-check/vitest";
 * test.prop([paramsArbitrary(twoPhaseCommit, { rms: { max: 4 } })], { numRuns: 4 })("consistent", (params) => {
 *   expectSpec(twoPhaseCommit, { params }).toHoldAll();
 * });
 */
export function paramsArbitrary(
  spec: AnySpec,
  bounds: Readonly<Record<string, ParamBound>> = {},
): fc.Arbitrary<ParamRecord> {
  for (const name of Object.keys(bounds)) {
    if (!(name in spec.params))
      throw new ParamError(`unknown param "${name}"; params: ${Object.keys(spec.params).join(", ") || "(none)"}`);
  }
  const fields: Record<string, fc.Arbitrary<number | boolean | string>> = {};
  for (const [name, def] of Object.entries(spec.params)) fields[name] = paramArbitrary(name, def, bounds[name]);
  return fc.record(fields);
}

function paramArbitrary(
  name: string,
  def: ParamDef,
  bound: ParamBound | undefined,
): fc.Arbitrary<number | boolean | string> {
  if (bound instanceof fc.Arbitrary) return bound;
  switch (def.type) {
    case "bool":
      return fc.boolean();
    case "enum":
      return fc.constantFrom(...def.values);
    case "int": {
      const min = bound?.min ?? def.min ?? Math.min(0, def.default);
      const max = bound?.max ?? Math.max(min, def.default);
      if (def.min !== undefined && min < def.min)
        throw new ParamError(`param "${name}" must be at least ${def.min}, got a bound of ${min}`);
      if (def.max !== undefined && max > def.max)
        throw new ParamError(`param "${name}" must be at most ${def.max}, got a bound of ${max}`);
      if (min > max) throw new ParamError(`param "${name}": bound min ${min} is above max ${max}`);
      return fc.integer({ min, max });
    }
  }
}
