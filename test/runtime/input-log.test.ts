/**
 * The input log's rotation (src/runtime/input-log.ts): segment files of a
 * bounded size, each after the first opening with its snapshot line, and
 * only the newest kept.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputLog, listSegments, segmentPath } from "../../src/runtime/input-log.js";

const root = mkdtempSync(join(tmpdir(), "interleave-input-log-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("InputLog", () => {
  it("names segments after the first one: x.jsonl, x.1.jsonl, x.2.jsonl", () => {
    expect(segmentPath("/r/nodes/n1.inputs.jsonl", 0)).toBe("/r/nodes/n1.inputs.jsonl");
    expect(segmentPath("/r/nodes/n1.inputs.jsonl", 3)).toBe("/r/nodes/n1.inputs.3.jsonl");
  });

  it("is full at segmentBytes; a rotation starts the next segment with the snapshot and deletes all but the newest keepSegments", () => {
    const base = join(root, "a", "n1.inputs.jsonl");
    rmSync(join(root, "a"), { recursive: true, force: true });
    mkdirSync(join(root, "a"));
    const log = new InputLog(base, { segmentBytes: 20, keepSegments: 2 });
    log.append("0123456789\n");
    expect(log.full).toBe(false);
    log.append("0123456789\n");
    expect(log.full).toBe(true);
    log.rotate('{"t":"snapshot","state":{"n":1}}');
    expect(log.full).toBe(true); // the snapshot line alone is 33 bytes
    log.rotate('{"t":"snapshot","state":{"n":2}}');
    log.append("x\n");
    log.close();
    expect(readdirSync(join(root, "a")).sort()).toEqual(["n1.inputs.1.jsonl", "n1.inputs.2.jsonl"]);
    expect(existsSync(base)).toBe(false);
    expect(listSegments(base).map((s) => s.index)).toEqual([1, 2]);
    expect(readFileSync(segmentPath(base, 2), "utf8")).toBe('{"t":"snapshot","state":{"n":2}}\nx\n');
  });

  it("a restarted node appends to the newest segment, after a newline when its last line was torn", () => {
    const dir = join(root, "b");
    mkdirSync(dir);
    const base = join(dir, "n2.inputs.jsonl");
    writeFileSync(base, '{"t":"boot","restored":null}\n');
    writeFileSync(segmentPath(base, 1), '{"t":"snapshot","state":{}}\n{"t":"in","ki');
    const log = new InputLog(base);
    log.append('{"t":"boot","restored":null}\n');
    log.close();
    expect(readFileSync(segmentPath(base, 1), "utf8")).toBe(
      '{"t":"snapshot","state":{}}\n{"t":"in","ki\n{"t":"boot","restored":null}\n',
    );
    expect(readFileSync(base, "utf8")).toBe('{"t":"boot","restored":null}\n');
  });
});
