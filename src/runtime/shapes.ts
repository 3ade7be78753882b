/**
 * Message shapes learned from examples, for validating what arrives from the
 * network when a spec declares no validator: a reducer trusts its input
 * types, which TypeScript erased, so the runtime learns them from the
 * messages the model itself sends (see derive.ts) and admits a message only
 * when every field has a kind seen in that position: the same fields (those
 * seen in every example required, no others), numbers that are safe integers
 * where every example's was, strings, booleans, null, and arrays and objects
 * of learned shapes, recursively.
 */

/** What a value at one position may be. */
export interface Shape {
  kinds: Set<Kind>;
  /** Objects: the fields, and how many examples had each. */
  fields?: Map<string, { shape: Shape; seen: number }>;
  objects: number;
  /** Arrays: the shape of the items. */
  items?: Shape;
}

type Kind = "int" | "number" | "string" | "boolean" | "null" | "array" | "object";

function kindOf(v: unknown): Kind | undefined {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  switch (typeof v) {
    case "number":
      return Number.isSafeInteger(v) ? "int" : "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    default:
      return undefined;
  }
}

/** An empty shape, to learn into. */
export function emptyShape(): Shape {
  return { kinds: new Set(), objects: 0 };
}

/** Widens `shape` to admit `example`. */
export function learn(shape: Shape, example: unknown): void {
  const kind = kindOf(example);
  if (kind === undefined) return;
  shape.kinds.add(kind);
  if (kind === "array") {
    shape.items ??= emptyShape();
    for (const item of example as unknown[]) learn(shape.items, item);
  } else if (kind === "object") {
    shape.objects++;
    shape.fields ??= new Map();
    for (const [k, v] of Object.entries(example as Record<string, unknown>)) {
      let field = shape.fields.get(k);
      if (field === undefined) shape.fields.set(k, (field = { shape: emptyShape(), seen: 0 }));
      field.seen++;
      learn(field.shape, v);
    }
  }
}

/** A JSON key that would reach an object's prototype if a reducer used it as a record key. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Whether `value` has a shape `shape` admits. */
export function admits(shape: Shape, value: unknown): boolean {
  const kind = kindOf(value);
  if (kind === undefined) return false;
  if (kind === "int" ? !shape.kinds.has("int") && !shape.kinds.has("number") : !shape.kinds.has(kind)) return false;
  if (kind === "string") return !PROTOTYPE_KEYS.has(value as string);
  if (kind === "array")
    return (value as unknown[]).every((item) => shape.items !== undefined && admits(shape.items, item));
  if (kind !== "object") return true;
  const fields = shape.fields ?? new Map<string, { shape: Shape; seen: number }>();
  const record = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(record)) {
    const field = fields.get(k);
    if (field === undefined || !admits(field.shape, v)) return false;
  }
  for (const [k, field] of fields) if (field.seen === shape.objects && !(k in record)) return false;
  return true;
}

/** A shape as JSON (node processes get what the orchestrator learned, rather than learning it again at each start). */
export interface ShapeJson {
  readonly kinds: readonly string[];
  readonly objects: number;
  readonly fields?: readonly (readonly [string, { readonly shape: ShapeJson; readonly seen: number }])[];
  readonly items?: ShapeJson;
}

/** `shape` as JSON. */
export function shapeToJson(shape: Shape): ShapeJson {
  return {
    kinds: [...shape.kinds],
    objects: shape.objects,
    ...(shape.fields === undefined
      ? {}
      : { fields: [...shape.fields].map(([k, f]) => [k, { shape: shapeToJson(f.shape), seen: f.seen }] as const) }),
    ...(shape.items === undefined ? {} : { items: shapeToJson(shape.items) }),
  };
}

/** The shape `json` describes. */
export function shapeFromJson(json: ShapeJson): Shape {
  return {
    kinds: new Set(json.kinds as Kind[]),
    objects: json.objects,
    ...(json.fields === undefined
      ? {}
      : { fields: new Map(json.fields.map(([k, f]) => [k, { shape: shapeFromJson(f.shape), seen: f.seen }])) }),
    ...(json.items === undefined ? {} : { items: shapeFromJson(json.items) }),
  };
}
