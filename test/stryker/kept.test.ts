import { execFileSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

interface Report {
  readonly schemaVersion: string;
  readonly files: Record<string, { readonly source?: string; readonly mutants: readonly { id: string }[] }>;
  readonly testFiles: Record<string, { readonly source?: string; readonly tests: readonly { id: string }[] }>;
}

// A plain script of stryker/ (run by node, not compiled): imported by a path TypeScript does not resolve.
const script = "../../stryker/kept.mjs";
const { pack, unpack } = (await import(script)) as {
  pack: (report: Report, commit: string | undefined) => Buffer;
  unpack: (bytes: Buffer) => Report | undefined;
};

const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
const at = (path: string) => execFileSync("git", ["show", `${head}:${path}`], { encoding: "utf8" });

/** A report of one mutated file and one test file (both as they are at HEAD), and a runner's unnamed tests. */
function report(): Report {
  return {
    schemaVersion: "2",
    files: {
      "stryker/incremental.mjs": { source: at("stryker/incremental.mjs"), mutants: [{ id: "1" }, { id: "2" }] },
    },
    testFiles: {
      "test/stryker/incremental.test.ts": { source: at("test/stryker/incremental.test.ts"), tests: [{ id: "1" }] },
      // A runner that cannot name test files puts its tests under "", with no source.
      "": { tests: [{ id: "2" }] },
    },
  };
}

describe("a kept incremental report", () => {
  it("leaves the sources to git at a clean commit and gets them back", () => {
    const bytes = pack(report(), head);
    const kept = JSON.parse(gunzipSync(bytes).toString("utf8")) as Report & { keptAt: string };
    expect(kept.keptAt).toBe(head);
    expect(kept.files["stryker/incremental.mjs"]).toEqual({ mutants: [{ id: "1" }, { id: "2" }] });
    expect(kept.testFiles["test/stryker/incremental.test.ts"]).toEqual({ tests: [{ id: "1" }] });
    expect(unpack(bytes)).toEqual(report());
  });

  it("keeps the sources when the run's files were not a commit's", () => {
    const bytes = pack(report(), undefined);
    expect((JSON.parse(gunzipSync(bytes).toString("utf8")) as { keptAt: null }).keptAt).toBeNull();
    expect(unpack(bytes)).toEqual(report());
  });

  it("is refused when the clone lacks the commit", () => {
    expect(unpack(pack(report(), "0".repeat(40)))).toBeUndefined();
  });

  it("is refused when a test file it names is not in that commit", () => {
    const r = report();
    const gone = { ...r, testFiles: { ...r.testFiles, "test/stryker/gone.test.ts": { tests: [] } } };
    expect(unpack(pack(gone, head))).toBeUndefined();
  });

  it("is smaller without the sources", () => {
    expect(pack(report(), head).length).toBeLessThan(pack(report(), undefined).length / 2);
  });
});
