/**
 * Durable fields of a node (a role's `durable` list, e.g. Raft's currentTerm,
 * votedFor and log) in an append-only file, one JSON record per line, each
 * written and fsynced before the node sends anything that depends on it.
 *
 * A record holds only what changed: `set` replaces fields; `extend` keeps the
 * first `keep` elements of an array field and appends `add` (a Raft log grows
 * by appends and is truncated only on conflict, so records stay small). On
 * restart the records are applied in order. A torn last line (a crash in the
 * middle of a write) is ignored: its step never sent anything.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** One line of the file. */
interface DurableRecord {
  readonly set?: Record<string, unknown>;
  readonly extend?: Record<string, { readonly keep: number; readonly add: readonly unknown[] }>;
}

/** The durable file is unreadable (not a torn last line: damage in the middle). */
export class DurableFileError extends Error {
  override readonly name = "DurableFileError";
}

/** Reads the fields a durable file holds, or undefined when it does not exist or is empty. */
export function readDurable(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, "utf8").split("\n");
  let fields: Record<string, unknown> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    let record: DurableRecord;
    try {
      record = JSON.parse(line) as DurableRecord;
    } catch {
      const last = lines.slice(i + 1).every((l) => l === "");
      if (last) break;
      throw new DurableFileError(`${path}:${i + 1}: not a JSON record`);
    }
    fields = apply(fields ?? {}, record);
  }
  return fields;
}

function apply(fields: Record<string, unknown>, record: DurableRecord): Record<string, unknown> {
  const next = { ...fields, ...record.set };
  for (const [field, { keep, add }] of Object.entries(record.extend ?? {})) {
    const old = Array.isArray(next[field]) ? (next[field] as unknown[]) : [];
    next[field] = [...old.slice(0, keep), ...add];
  }
  return next;
}

/** The append-only durable file of one node. */
export class DurableFile {
  private fd: number;
  private last: Record<string, unknown> | undefined;
  /** Records written and fsynced (for the run's summary). */
  syncs = 0;

  /** Opens (creating) the file; `restored` is what it held, which later records are relative to. */
  constructor(
    readonly path: string,
    restored: Record<string, unknown> | undefined,
  ) {
    const created = !existsSync(path);
    this.fd = openSync(path, "a");
    this.last = restored;
    // A new file's directory entry must be durable too.
    if (created) syncDirectory(dirname(path));
  }

  /**
   * Writes the fields that differ from the last record and fsyncs; returns
   * false when nothing changed. Fields compare by reference: reducers return
   * the same object for an unchanged field.
   */
  persist(fields: Readonly<Record<string, unknown>>): boolean {
    const record = diff(this.last, fields);
    if (record === undefined) return false;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
    this.syncs++;
    this.last = { ...fields };
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function diff(before: Record<string, unknown> | undefined, after: Readonly<Record<string, unknown>>): DurableRecord | undefined {
  const set: Record<string, unknown> = {};
  const extend: Record<string, { keep: number; add: unknown[] }> = {};
  let changed = false;
  for (const [field, value] of Object.entries(after)) {
    const old = before?.[field];
    if (before !== undefined && field in before && old === value) continue;
    changed = true;
    if (Array.isArray(old) && Array.isArray(value)) {
      let keep = 0;
      const n = Math.min(old.length, value.length);
      while (keep < n && old[keep] === value[keep]) keep++;
      extend[field] = { keep, add: value.slice(keep) };
    } else {
      set[field] = value;
    }
  }
  if (!changed) return undefined;
  return { ...(Object.keys(set).length > 0 ? { set } : {}), ...(Object.keys(extend).length > 0 ? { extend } : {}) };
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems do not fsync directories; the data itself is synced.
  }
}
