/**
 * Typed, named model parameters (bounds such as the number of resource
 * managers), with defaults and validation for values given on the command line.
 */
import { describeValue } from "./describe-value.js";
import { sameError } from "./same-error.js";

/** An integer parameter. */
export interface IntParam {
  readonly type: "int";
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
}

/** A boolean parameter. */
export interface BoolParam {
  readonly type: "bool";
  readonly default: boolean;
  readonly description?: string;
}

/** A parameter that takes one of a fixed list of strings. */
export interface EnumParam<T extends string = string> {
  readonly type: "enum";
  readonly values: readonly T[];
  readonly default: T;
  readonly description?: string;
}

/** Any parameter definition. */
export type ParamDef = IntParam | BoolParam | EnumParam;

/** The parameters of a spec, by name. */
export type ParamsSchema = Readonly<Record<string, ParamDef>>;

/** The value type a parameter definition describes. */
export type ParamValue<D> = D extends IntParam
  ? number
  : D extends BoolParam
    ? boolean
    : D extends EnumParam<infer T>
      ? T
      : never;

/** The values of all parameters of a schema. */
export type ParamValues<S extends ParamsSchema> = { readonly [K in keyof S]: ParamValue<S[K]> };

/** Plain parameter values as reported and accepted by overrides. */
export type ParamRecord = Readonly<Record<string, number | boolean | string>>;

/**
 * An integer parameter.
 * @example params: { rms: int(3, { min: 1, max: 12, description: "resource managers" }) }
 */
export function int(
  defaultValue: number,
  options: { min?: number; max?: number; description?: string } = {},
): IntParam {
  return { type: "int", default: defaultValue, ...options };
}

/** A boolean parameter. */
export function bool(defaultValue: boolean, options: { description?: string } = {}): BoolParam {
  return { type: "bool", default: defaultValue, ...options };
}

/** A parameter that takes one of `values`. */
export function oneOf<const T extends string>(
  values: readonly T[],
  defaultValue: T,
  options: { description?: string } = {},
): EnumParam<T> {
  return { type: "enum", values, default: defaultValue, ...options };
}

/** A parameter value or name that does not fit the schema. */
export class ParamError extends Error {
  override name = "ParamError";
  /** Recognised by name: a spec file may load its own copy of this library. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return sameError(value, "ParamError");
  }
}

/**
 * What is wrong with a parameter's definition, or undefined: a spec written in
 * JavaScript, or one loaded without type checking as the CLI loads spec
 * files, may declare `int({ default: 3 })` or a default outside its bounds,
 * which would otherwise become the parameter's value unchecked.
 */
export function paramDefProblem(def: unknown): string | undefined {
  const shape = def as Partial<Record<"type" | "default" | "min" | "max" | "values", unknown>> | null;
  if (typeof shape !== "object" || shape === null || !["int", "bool", "enum"].includes(shape.type as string))
    return "must be declared with int(default, { min, max }), bool(default) or oneOf(values, default)";
  if (shape.type === "int") {
    for (const bound of ["min", "max"] as const) {
      if (shape[bound] !== undefined && !Number.isSafeInteger(shape[bound]))
        return `${bound} must be an integer; got ${describeValue(shape[bound])}`;
    }
    if (!Number.isSafeInteger(shape.default))
      return `an int's default must be an integer (int(3, { min: 1 })); got ${describeValue(shape.default)}`;
    const range = intRangeProblem(shape as IntParam, shape.default as number);
    if (range !== undefined) return `its default ${range}`;
  } else if (shape.type === "bool") {
    if (typeof shape.default !== "boolean")
      return `a bool's default must be true or false; got ${describeValue(shape.default)}`;
  } else {
    const values = shape.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v): v is string => typeof v === "string"))
      return `oneOf's values must be a non-empty array of strings; got ${describeValue(values)}`;
    if (!(values as unknown[]).includes(shape.default))
      return `its default must be one of ${values.join(", ")}; got ${describeValue(shape.default)}`;
  }
  return undefined;
}

/** The type name of a parameter as shown to users (`int`, `bool`, `a|b`). */
export function paramTypeName(def: ParamDef): string {
  return def.type === "enum" ? def.values.join("|") : def.type;
}

/** Parses a command-line string for one parameter; throws ParamError with the valid choices. */
export function parseParamValue(name: string, def: ParamDef, text: string): number | boolean | string {
  switch (def.type) {
    case "int": {
      if (!/^-?\d+$/.test(text.trim())) throw new ParamError(`param "${name}" must be an integer, got "${text}"`);
      const value = Number(text);
      checkIntRange(name, def, value);
      return value;
    }
    case "bool":
      if (text === "true" || text === "1") return true;
      if (text === "false" || text === "0") return false;
      throw new ParamError(`param "${name}" must be true or false, got "${text}"`);
    case "enum":
      if (!def.values.includes(text)) {
        throw new ParamError(`param "${name}" must be one of ${def.values.join(", ")}; got "${text}"`);
      }
      return text;
  }
}

function checkIntRange(name: string, def: IntParam, value: number): void {
  const problem = intRangeProblem(def, value);
  if (problem !== undefined) throw new ParamError(`param "${name}" ${problem}`);
}

/** What keeps `value` from being a value of `def` (a given value, or the definition's own default), or undefined. */
function intRangeProblem(def: IntParam, value: number): string | undefined {
  if (!Number.isSafeInteger(value)) return `must be an integer, got ${value}`;
  if (def.min !== undefined && value < def.min) return `must be at least ${def.min}, got ${value}`;
  if (def.max !== undefined && value > def.max) return `must be at most ${def.max}, got ${value}`;
  return undefined;
}

/**
 * Resolves parameter values: schema defaults, then `base` overrides (a
 * variant's bounds), then `overrides` (the user's). Unknown names and values
 * of the wrong type are ParamErrors that list the valid names.
 */
export function resolveParams(
  schema: ParamsSchema,
  base: ParamRecord,
  overrides: ParamRecord,
): Record<string, number | boolean | string> {
  const values: Record<string, number | boolean | string> = {};
  for (const [name, def] of Object.entries(schema)) values[name] = def.default;
  for (const layer of [base, overrides]) {
    for (const [name, value] of Object.entries(layer)) {
      const def = schema[name];
      if (!def) {
        const known = Object.keys(schema);
        throw new ParamError(`unknown param "${name}"; params: ${known.length > 0 ? known.join(", ") : "(none)"}`);
      }
      values[name] = checkValue(name, def, value);
    }
  }
  return values;
}

function checkValue(name: string, def: ParamDef, value: number | boolean | string): number | boolean | string {
  if (typeof value === "string" && def.type !== "enum") return parseParamValue(name, def, value);
  if (def.type === "int") {
    if (typeof value !== "number") throw new ParamError(`param "${name}" must be an integer`);
    checkIntRange(name, def, value);
  } else if (def.type === "bool") {
    if (typeof value !== "boolean") throw new ParamError(`param "${name}" must be true or false`);
  } else if (typeof value !== "string" || !def.values.includes(value)) {
    throw new ParamError(`param "${name}" must be one of ${def.values.join(", ")}; got "${String(value)}"`);
  }
  return value;
}
