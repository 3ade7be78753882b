import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DurableFile, DurableFileError, readDurable } from "../../src/runtime/durable.js";

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "interleave-durable-"));
  path = join(dir, "n1.durable.jsonl");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The records of the file, parsed. */
function records(file: string): unknown[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as unknown);
}

const entry = (term: number, seq: number) => ({
  term,
  command: { client: "c1", seq, op: { type: "put", key: "x", value: seq } },
});

describe("DurableFile and readDurable", () => {
  it("reads nothing from a file that does not exist or is empty", () => {
    expect(readDurable(path)).toBeUndefined();
    writeFileSync(path, "");
    expect(readDurable(path)).toBeUndefined();
  });

  it("restores what was persisted, across a reopen", () => {
    const file = new DurableFile(path, undefined);
    const log = [entry(1, 1)];
    expect(file.persist({ currentTerm: 1, votedFor: "n2", log })).toBe(true);
    expect(file.persist({ currentTerm: 2, votedFor: null, log })).toBe(true);
    file.close();
    const restored = readDurable(path);
    expect(restored).toEqual({ currentTerm: 2, votedFor: null, log });
    const again = new DurableFile(path, restored);
    expect(again.persist({ currentTerm: 3, votedFor: null, log: restored!["log"] })).toBe(true);
    again.close();
    expect(readDurable(path)).toEqual({ currentTerm: 3, votedFor: null, log });
    // The reopened file wrote only what changed since the restored state.
    expect(records(path).at(-1)).toEqual({ set: { currentTerm: 3 } });
  });

  it("writes a growing log as extend records that hold only the new entries", () => {
    const file = new DurableFile(path, undefined);
    let log: unknown[] = [];
    file.persist({ currentTerm: 1, votedFor: null, log });
    for (let seq = 1; seq <= 3; seq++) {
      log = [...log, entry(1, seq)];
      file.persist({ currentTerm: 1, votedFor: null, log });
    }
    log = [...log, entry(1, 4), entry(1, 5)];
    file.persist({ currentTerm: 1, votedFor: null, log });
    file.close();
    expect(records(path)).toEqual([
      { set: { currentTerm: 1, votedFor: null, log: [] } },
      { extend: { log: { keep: 0, add: [entry(1, 1)] } } },
      { extend: { log: { keep: 1, add: [entry(1, 2)] } } },
      { extend: { log: { keep: 2, add: [entry(1, 3)] } } },
      { extend: { log: { keep: 3, add: [entry(1, 4), entry(1, 5)] } } },
    ]);
    expect(file.syncs).toBe(5);
    expect(readDurable(path)).toEqual({ currentTerm: 1, votedFor: null, log });
  });

  it("restores a log truncated on a conflict and then appended to", () => {
    const file = new DurableFile(path, undefined);
    const a = [entry(1, 1), entry(1, 2), entry(1, 3)];
    file.persist({ currentTerm: 1, log: a });
    // A new leader of term 2 replaces entries 2 and 3 by its own entry 2.
    const b = [a[0]!, entry(2, 9)];
    file.persist({ currentTerm: 2, log: b });
    const c = [...b, entry(2, 10)];
    file.persist({ currentTerm: 2, log: c });
    file.close();
    expect(records(path)).toEqual([
      { set: { currentTerm: 1, log: a } },
      { set: { currentTerm: 2 }, extend: { log: { keep: 1, add: [entry(2, 9)] } } },
      { extend: { log: { keep: 2, add: [entry(2, 10)] } } },
    ]);
    expect(readDurable(path)).toEqual({ currentTerm: 2, log: [entry(1, 1), entry(2, 9), entry(2, 10)] });
  });

  it("writes nothing and returns false when nothing changed", () => {
    const file = new DurableFile(path, undefined);
    const log = [entry(1, 1)];
    expect(file.persist({ currentTerm: 1, votedFor: null, log })).toBe(true);
    const size = readFileSync(path).byteLength;
    expect(file.persist({ currentTerm: 1, votedFor: null, log })).toBe(false);
    expect(file.persist({ votedFor: null, currentTerm: 1, log })).toBe(false);
    file.close();
    expect(readFileSync(path).byteLength).toBe(size);
    expect(file.syncs).toBe(1);
  });

  it("writes nothing for a restored state persisted unchanged", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 4, votedFor: "n3", log: [entry(4, 1)] });
    file.close();
    const size = readFileSync(path).byteLength;
    const restored = readDurable(path)!;
    const again = new DurableFile(path, restored);
    expect(
      again.persist({ currentTerm: restored["currentTerm"], votedFor: restored["votedFor"], log: restored["log"] }),
    ).toBe(false);
    again.close();
    expect(readFileSync(path).byteLength).toBe(size);
  });

  it("creates the file when opened, before anything is persisted", () => {
    const file = new DurableFile(path, undefined);
    file.close();
    expect(existsSync(path)).toBe(true);
    expect(readDurable(path)).toBeUndefined();
  });

  it("ignores a torn last line (a crash in the middle of a write)", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 1, votedFor: null, log: [] });
    file.persist({ currentTerm: 2, votedFor: "n2", log: [] });
    file.close();
    const whole = JSON.stringify({ set: { currentTerm: 3, votedFor: "n3" } });
    appendFileSync(path, whole.slice(0, Math.floor(whole.length / 2)));
    expect(readDurable(path)).toEqual({ currentTerm: 2, votedFor: "n2", log: [] });
  });

  it("keeps what a node persists after restarting on a torn last line", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 1, votedFor: null, log: [] });
    file.close();
    appendFileSync(path, '{"set":{"currentTerm":2,"vot');
    // The restarted node persists a vote; it must survive the next restart, and later records too.
    const restored = readDurable(path)!;
    expect(restored).toEqual({ currentTerm: 1, votedFor: null, log: [] });
    const again = new DurableFile(path, restored);
    again.persist({ currentTerm: 2, votedFor: "n3", log: restored["log"] });
    expect(readDurable(path)).toEqual({ currentTerm: 2, votedFor: "n3", log: [] });
    again.persist({ currentTerm: 3, votedFor: null, log: restored["log"] });
    again.close();
    expect(readDurable(path)).toEqual({ currentTerm: 3, votedFor: null, log: [] });
  });

  it("keeps a last record that lacks only its newline, and appends after it", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 1, votedFor: null, log: [] });
    file.close();
    appendFileSync(path, JSON.stringify({ set: { votedFor: "n2" } }));
    const restored = readDurable(path)!;
    expect(restored).toEqual({ currentTerm: 1, votedFor: "n2", log: [] });
    const again = new DurableFile(path, restored);
    expect(again.persist({ currentTerm: 2, votedFor: "n2", log: restored["log"] })).toBe(true);
    again.close();
    expect(records(path)).toEqual([
      { set: { currentTerm: 1, votedFor: null, log: [] } },
      { set: { votedFor: "n2" } },
      { set: { currentTerm: 2 } },
    ]);
    expect(readDurable(path)).toEqual({ currentTerm: 2, votedFor: "n2", log: [] });
  });

  it("throws a DurableFileError naming the file and line when a line in the middle is damaged", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 1, votedFor: null, log: [] });
    file.persist({ currentTerm: 2, votedFor: null, log: [] });
    file.persist({ currentTerm: 3, votedFor: null, log: [] });
    file.close();
    const lines = readFileSync(path, "utf8").split("\n");
    lines[1] = lines[1]!.slice(0, 5) + "\u0000\u0000" + lines[1]!.slice(7);
    writeFileSync(path, lines.join("\n"));
    expect(() => readDurable(path)).toThrow(DurableFileError);
    expect(() => readDurable(path)).toThrow(`${path}:2: not a JSON record`);
  });

  it("throws a DurableFileError when a line in the middle is JSON but not a record", () => {
    for (const damaged of [
      "null",
      "7",
      '"set"',
      "[]",
      '{"set":5}',
      '{"extend":{"log":{"keep":"x","add":[]}}}',
      '{"extend":{"log":{"keep":0,"add":3}}}',
    ]) {
      const file = new DurableFile(path, undefined);
      file.persist({ currentTerm: 1, votedFor: null, log: [] });
      file.close();
      appendFileSync(path, `${damaged}\n${JSON.stringify({ set: { currentTerm: 2 } })}\n`);
      expect(() => readDurable(path), damaged).toThrow(DurableFileError);
      expect(() => readDurable(path), damaged).toThrow(`${path}:2:`);
      rmSync(path);
    }
  });

  it("replaces a file grown past its limit by one record of every field, and restores the same fields", () => {
    const limits = { rewriteAfterBytes: 1000 };
    const file = new DurableFile(path, undefined, limits);
    let log: unknown[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      log = [...log, entry(1, seq)];
      file.persist({ currentTerm: 1, votedFor: null, log });
      // Between rewrites the file only grows; it is never larger than the limit plus two records.
      expect(readFileSync(path).byteLength).toBeLessThan(1000 + 2 * JSON.stringify({ set: { log } }).length);
      expect(readDurable(path)).toEqual({ currentTerm: 1, votedFor: null, log });
    }
    // One-entry extend records are about 125 bytes: rewrites at the 9th, 17th and 29th write, the gap
    // growing once the whole record (815, 1,511, 2,554 bytes) is larger than the limit.
    expect(file.rewrites).toBe(3);
    expect(file.syncs).toBe(40);
    file.close();
    expect(records(path)[0]).toEqual({ set: { currentTerm: 1, votedFor: null, log: log.slice(0, 29) } });
    expect(records(path)).toHaveLength(12);
    // Reopened, the node goes on appending extend records after the rewritten one.
    const restored = readDurable(path)!;
    const again = new DurableFile(path, restored, limits);
    again.persist({ currentTerm: 2, votedFor: null, log: restored["log"] });
    again.close();
    expect(records(path).at(-1)).toEqual({ set: { currentTerm: 2 } });
    expect(readDurable(path)).toEqual({ currentTerm: 2, votedFor: null, log });
  });

  it("does not rewrite the file while an fsync is in flight, and rewrites it at the first write after", async () => {
    const file = new DurableFile(path, undefined, { rewriteAfterBytes: 200 });
    const log = [entry(1, 1)];
    file.persist({ currentTerm: 1, log });
    const synced = new Promise<Error | null>((resolve) => file.sync(resolve));
    // Past 200 bytes with the second entry, during the fsync.
    const longer = [...log, entry(1, 2)];
    file.write({ currentTerm: 2, log: longer });
    expect(readFileSync(path).byteLength).toBeGreaterThan(200);
    expect(file.rewrites).toBe(0);
    expect(await synced).toBeNull();
    file.write({ currentTerm: 3, log: longer });
    expect(file.rewrites).toBe(1);
    file.close();
    expect(records(path)).toEqual([{ set: { currentTerm: 3, log: longer } }]);
  });

  it("opens a file whose rewrite a crash cut short: the whole old file counts, the .tmp is removed", () => {
    const file = new DurableFile(path, undefined);
    file.persist({ currentTerm: 1, votedFor: "n2", log: [entry(1, 1)] });
    file.close();
    writeFileSync(`${path}.tmp`, '{"set":{"currentTerm":1,"vo');
    const restored = readDurable(path);
    expect(restored).toEqual({ currentTerm: 1, votedFor: "n2", log: [entry(1, 1)] });
    new DurableFile(path, restored).close();
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(readDurable(path)).toEqual(restored);
  });

  it("restores the last value of every field after any sequence of updates", () => {
    // A field's next value: a number, null, a string, or an array built from the field's current array by append or
    // truncate.
    type Update = {
      field: "a" | "b" | "c";
      to:
        | { kind: "scalar"; value: number | string | null }
        | { kind: "append"; add: number[] }
        | { kind: "truncate"; keep: number };
    };
    const update: fc.Arbitrary<Update> = fc.record({
      field: fc.constantFrom("a" as const, "b" as const, "c" as const),
      to: fc.oneof(
        fc.record({
          kind: fc.constant("scalar" as const),
          value: fc.oneof(
            fc.integer(),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.string(),
            fc.constant(null),
          ),
        }),
        fc.record({ kind: fc.constant("append" as const), add: fc.array(fc.integer(), { maxLength: 4 }) }),
        fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat({ max: 10 }) }),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(update, { maxLength: 3 }), { maxLength: 15 }),
        fc.boolean(),
        fc.nat({ max: 300 }),
        (steps, reopen, rewriteAfterBytes) => {
          rmSync(path, { force: true });
          // Small limits: the file is rewritten whole now and then, between the updates and the reopens.
          const limits = { rewriteAfterBytes };
          let fields: Record<string, unknown> = { a: 0, b: null, c: [] };
          let file = new DurableFile(path, undefined, limits);
          file.persist(fields);
          steps.forEach((step, i) => {
            const next = { ...fields };
            for (const { field, to } of step) {
              const old = Array.isArray(next[field]) ? (next[field] as unknown[]) : [];
              if (to.kind === "scalar") next[field] = to.value;
              else if (to.kind === "append") next[field] = [...old, ...to.add];
              else next[field] = old.slice(0, to.keep);
            }
            fields = next;
            file.persist(fields);
            if (reopen && i % 4 === 3) {
              file.close();
              const restored = readDurable(path);
              expect(restored).toEqual(JSON.parse(JSON.stringify(fields)));
              fields = restored!;
              file = new DurableFile(path, restored, limits);
            }
          });
          file.close();
          expect(readDurable(path)).toEqual(JSON.parse(JSON.stringify(fields)));
        },
      ),
      { numRuns: 120 },
    );
  });
});
