/**
 * A node's input log on disk (the lines are host.ts's; conform.ts replays
 * them), bounded by rotation: JSON Lines in segment files of about
 * `segmentBytes` each, `n1.inputs.jsonl` first, then `n1.inputs.1.jsonl`,
 * `n1.inputs.2.jsonl`, ... Each segment after the first opens with a
 * `snapshot` line holding the reducer's whole state at that point, so replay
 * can start there; only the newest `keepSegments` segments are kept, the
 * older ones are deleted. A node's log therefore never holds much more than
 * `segmentBytes * keepSegments` bytes, however long the run (plus one
 * snapshot per segment, which grows with the state itself, e.g. a Raft log).
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** How large a node's input log may grow. */
export interface InputLogLimits {
  /** A segment is closed and a new one started once it holds this many bytes. */
  readonly segmentBytes: number;
  /** How many segments are kept (the newest); at least 1. */
  readonly keepSegments: number;
}

/** 16 MB segments, the newest 4 kept: at most about 64 MB per node. */
const DEFAULT_INPUT_LOG_LIMITS: InputLogLimits = { segmentBytes: 16 * 1024 * 1024, keepSegments: 4 };

/** The file of segment `index` of the log whose first segment is `base` (`x.jsonl`, `x.1.jsonl`, ...). */
export function segmentPath(base: string, index: number): string {
  return index === 0 ? base : base.replace(/(\.jsonl)?$/, `.${index}.jsonl`);
}

/** The segments of the log whose first segment is `base` that exist, oldest first. */
export function listSegments(base: string): { readonly index: number; readonly path: string }[] {
  const dir = dirname(base);
  if (!existsSync(dir)) return [];
  const stem = basename(base).replace(/\.jsonl$/, "");
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.jsonl$`);
  const found: { index: number; path: string }[] = [];
  if (existsSync(base)) found.push({ index: 0, path: base });
  for (const name of readdirSync(dir)) {
    const m = pattern.exec(name);
    if (m !== null && Number(m[1]) > 0) found.push({ index: Number(m[1]), path: join(dir, name) });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The writer of one node's input log: see the module comment. */
export class InputLog {
  private fd: number;
  private index: number;
  private size: number;

  /**
   * Opens the newest segment for appending (a restarted node goes on where it
   * was killed). A segment that does not end with a newline (a write torn by
   * kill -9) gets one, so the torn line stays a line of its own.
   */
  constructor(
    readonly base: string,
    readonly limits: InputLogLimits = DEFAULT_INPUT_LOG_LIMITS,
  ) {
    const newest = listSegments(base).at(-1);
    this.index = newest?.index ?? 0;
    this.fd = openSync(segmentPath(base, this.index), "a+");
    this.size = fstatSync(this.fd).size;
    if (this.size > 0 && !endsWithNewline(this.fd, this.size)) this.append("\n");
  }

  /** Appends text (whole lines). */
  append(text: string): void {
    this.size += writeSync(this.fd, text);
  }

  /** Whether the current segment has reached its size. */
  get full(): boolean {
    return this.size >= this.limits.segmentBytes;
  }

  /** Starts the next segment with `snapshot` (one line) and deletes segments older than the newest `keepSegments`. */
  rotate(snapshot: string): void {
    closeSync(this.fd);
    this.index++;
    this.fd = openSync(segmentPath(this.base, this.index), "a");
    this.size = 0;
    this.append(`${snapshot}\n`);
    for (const s of listSegments(this.base))
      if (s.index <= this.index - Math.max(1, this.limits.keepSegments)) rmSync(s.path, { force: true });
  }

  close(): void {
    closeSync(this.fd);
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
