/**
 * Durable fields of a node (a role's `durable` list, e.g. Raft's currentTerm,
 * votedFor and log) in an append-only file, one JSON record per line, each
 * written and fsynced before the node sends anything that depends on it.
 *
 * A record holds only what changed: `set` replaces fields; `extend` keeps the
 * first `keep` elements of an array field and appends `add` (a Raft log grows
 * by appends and is truncated only on conflict, so records stay small). On
 * restart the records are applied in order. A torn last line (a crash in the
 * middle of a write) is ignored: its step never sent anything; reopening the
 * file cuts it off, so the next record starts on a line of its own.
 *
 * The file is bounded: once the records written since the file was last
 * started exceed both `rewriteAfterBytes` (4 MiB by default) and the size of
 * one record holding every field, the file is replaced by that one record
 * (written to `<file>.tmp`, fsynced, renamed over the file, the directory
 * fsynced), so it never holds much more than the durable fields themselves,
 * however long the node runs. A crash before the rename leaves the old file
 * whole; the `.tmp` left behind is removed when the file is next opened.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { isCount, isRecord } from "./wire.js";

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
  // Built in place: arrays grow by push, so restoring a long run costs its records' size, not records times log length.
  let fields: Record<string, unknown> | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const record = parseRecord(line);
    if (record === undefined) {
      const last = lines.slice(i + 1).every((l) => l === "");
      if (last) break;
      throw new DurableFileError(`${path}:${i + 1}: not a JSON record`);
    }
    fields = apply(fields ?? {}, record);
  }
  return fields;
}

/** A line's record, or undefined when it is not JSON or not shaped as a record (damage, or a torn write). */
function parseRecord(line: string): DurableRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { set, extend } = value;
  if (set !== undefined && !isRecord(set)) return undefined;
  if (
    extend !== undefined &&
    !(
      isRecord(extend) &&
      Object.values(extend).every((e) => isRecord(e) && isCount(e["keep"]) && Array.isArray(e["add"]))
    )
  )
    return undefined;
  return value;
}

/**
 * Applies `record` to `fields` in place (every array in `fields` comes from this file's own JSON, so none is shared).
 */
function apply(fields: Record<string, unknown>, record: DurableRecord): Record<string, unknown> {
  Object.assign(fields, record.set);
  for (const [field, { keep, add }] of Object.entries(record.extend ?? {})) {
    const old = fields[field];
    const array: unknown[] = Array.isArray(old) ? old : [];
    if (array.length > keep) array.length = keep;
    for (const x of add) array.push(x);
    fields[field] = array;
  }
  return fields;
}

/** When a durable file is rewritten as one record: see the module comment. */
export interface DurableLimits {
  /** Bytes of records written since the file started before it may be rewritten. */
  readonly rewriteAfterBytes: number;
}

const DEFAULT_DURABLE_LIMITS: DurableLimits = { rewriteAfterBytes: 4 * 1024 * 1024 };

/** The append-only durable file of one node. */
export class DurableFile {
  private fd: number;
  private last: Record<string, unknown> | undefined;
  /** Bytes in the file, and the size of its first record when this object wrote the file whole. */
  private size: number;
  private wholeSize = 0;
  /** fsyncs in flight (see `sync`). */
  private syncing = 0;
  /** Records written and fsynced (for the run's summary). */
  syncs = 0;
  /** Times the file was replaced by one record of every field. */
  rewrites = 0;

  /** Opens (creating) the file; `restored` is what it held, which later records are relative to. */
  constructor(
    readonly path: string,
    restored: Record<string, unknown> | undefined,
    readonly limits: DurableLimits = DEFAULT_DURABLE_LIMITS,
  ) {
    // A rewrite that a crash interrupted before its rename: the file itself is whole.
    rmSync(`${path}.tmp`, { force: true });
    const created = !existsSync(path);
    // The first record of a file this class rewrote holds every field: later ones are measured against it.
    if (!created) this.wholeSize = endAtLastRecord(path);
    this.fd = openSync(path, "a");
    this.size = fstatSync(this.fd).size;
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
    if (!this.write(fields)) return false;
    fsyncSync(this.fd);
    return true;
  }

  /**
   * Writes the fields that differ from the last record, without fsyncing
   * (the caller fsyncs with `sync` before it sends anything that depends on
   * them); returns false when nothing changed. Written records survive kill
   * -9 (the page cache does); `sync` makes them survive power loss.
   */
  write(fields: Readonly<Record<string, unknown>>): boolean {
    const record = diff(this.last, fields);
    if (record === undefined) return false;
    this.size += writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.syncs++;
    this.last = { ...fields };
    // Not while an fsync is in flight: the rewrite closes the descriptor that fsync works on.
    if (this.syncing === 0 && this.size - this.wholeSize > Math.max(this.limits.rewriteAfterBytes, this.wholeSize))
      this.rewrite();
    return true;
  }

  /**
   * Replaces the file by one record of the last fields written, durably
   * (fsynced before and after the rename), so that a crash at any point
   * leaves either the old file or the new one, each whole.
   */
  private rewrite(): void {
    const whole = `${JSON.stringify({ set: this.last })}\n`;
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, whole);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncDirectory(dirname(this.path));
    closeSync(this.fd);
    this.fd = openSync(this.path, "a");
    this.size = this.wholeSize = Buffer.byteLength(whole);
    this.rewrites++;
  }

  /**
   * Fsyncs what was written, on libuv's thread pool: the node goes on taking
   * input while the disk works, and `done` runs once the records are on disk
   * (with the error, e.g. EIO or ENOSPC, if any).
   */
  sync(done: (error: Error | null) => void): void {
    this.syncing++;
    fsync(this.fd, (error) => {
      this.syncing--;
      done(error);
    });
  }

  close(): void {
    closeSync(this.fd);
  }
}

function diff(
  before: Record<string, unknown> | undefined,
  after: Readonly<Record<string, unknown>>,
): DurableRecord | undefined {
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

/**
 * Makes the file end with a newline before records are appended, as
 * `readDurable` read it: a torn last line (which it ignored) is cut off, and a
 * last record that lacks only its newline gets one. Appending after a torn
 * line would fuse the next record with it, losing that record or making the
 * file unreadable at the next restart. Returns the size of the file's first
 * line (with its newline).
 */
function endAtLastRecord(path: string): number {
  const bytes = readFileSync(path);
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end < bytes.byteLength) {
    if (parseRecord(bytes.subarray(end).toString("utf8")) === undefined) truncateSync(path, end);
    else appendFileSync(path, "\n");
  }
  // 0 for a file of one unterminated line: it is rewritten at the next limit, which is no harm.
  return bytes.indexOf(0x0a) + 1;
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
