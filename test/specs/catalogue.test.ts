/**
 * The catalogue as `interleave list --json` shows it: every spec has a broken
 * variant, and every broken variant makes `interleave check` exit 1 naming
 * the property it declares it violates.
 */
import { describe, expect, it } from "vitest";
import { DEEP_RAFT_VARIANTS } from "../support/deep-variants.js";
import { checkSpec } from "../../checker/index.js";
import { catalogue } from "../../specs/index.js";
import { cli } from "../support/cli.js";

describe("catalogue", () => {
  it("lists every spec with its params, properties and at least one broken variant", async () => {
    const r = await cli("list", "--json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; variants: { name: string; violates?: string }[] }[];
    expect(list.map((s) => s.name)).toEqual(catalogue.map((s) => s.name));
    for (const spec of list)
      expect(spec.variants.filter((v) => v.violates).length, spec.name).toBeGreaterThanOrEqual(1);
  });

  const broken = catalogue.flatMap((spec) =>
    spec.variants.filter((v) => v.violates).map((v) => [spec.name, v.name, v.violates!] as const),
  );
  // raft's deep variants (commit-old-term searches 1.2M states, the read variants 270-410k): test/specs/raft.test.ts
  // checks each and replays its trace through the CLI once.
  it.each(broken.filter(([spec, variant]) => !(spec === "raft" && DEEP_RAFT_VARIANTS.includes(variant))))(
    "%s --variant %s exits 1 naming %s",
    async (spec, variant, property) => {
      const r = await cli("check", spec, "--variant", variant, "--json", "-");
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ spec, variant, result: "violation", property });
    },
  );

  // Depth-first search catches them too (raft's deep variants have their own tests; primary-backup's
  // read-from-primary-state needs two clients racing a failover, which DFS reaches after 1.8M states: its BFS test is
  // in primary-backup.test.ts).
  it.each(broken.filter(([spec, variant]) => spec !== "raft" && variant !== "read-from-primary-state"))(
    "%s --variant %s: DFS finds %s too",
    (specName, variant, property) => {
      const r = checkSpec(
        catalogue.find((s) => s.name === specName)!,
        { variant, strategy: "dfs" },
      );
      expect([r.result, r.property]).toEqual(["violation", property]);
    },
  );
});
