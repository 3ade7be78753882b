/**
 * The search's effort on Porcupine's 109 histories, pinned: how many
 * configurations it visits. Verdicts cannot see a pruning rule that stopped
 * pruning or a candidate order that changed (the answer stays right, only
 * slower); these counts do. Mutation testing found such changes surviving
 * every verdict test (the subsumption test and the skipping of an
 * unknown-outcome operation's twins in the Wing & Gong search).
 *
 * After a deliberate change to the search, `npx vitest run
 * test/history/search-effort.test.ts -u` rewrites the table; the commit says
 * why the counts moved.
 */
import { describe, expect, it } from "vitest";
import { checkLinearizability, type HistoryEvent } from "../../src/history/index.js";
import { operationsOf } from "../../src/history/operations.js";
import { BudgetClock } from "../../src/history/search/budget.js";
import type { CandidateOrder } from "../../src/history/search/engine.js";
import { preparePartitions } from "../../src/history/search/partition.js";
import { StateSpace } from "../../src/history/search/state-space.js";
import { searchLinearization } from "../../src/history/search/wgl.js";
import { expectedVerdicts, modelFor, parseCorpus } from "./support/corpus.js";

const rows = expectedVerdicts();

/** Configurations of one order's search over each partition of a history, without restarts. */
function searchEffort(file: string, events: readonly HistoryEvent[], order: CandidateOrder): number {
  const model = modelFor(file);
  let configurations = 0;
  for (const p of preparePartitions(operationsOf(events), model)) {
    configurations += searchLinearization(p, new StateSpace(model, p.ops), new BudgetClock(), { order }).configurations;
  }
  return configurations;
}

describe("the linearizability search's effort on the Porcupine corpus", () => {
  it("checkLinearizability with its defaults: 263,955 configurations in all, pinned per history", async () => {
    const lines = rows.map(({ file }) => [
      file,
      checkLinearizability(parseCorpus(file).events, modelFor(file)).configurations,
    ]);
    expect(lines.reduce((sum, [, n]) => sum + Number(n), 0)).toBe(263_955);
    await expect(lines.map((l) => l.join("\t")).join("\n") + "\n").toMatchFileSnapshot(
      "./support/corpus-configurations.tsv",
    );
  });

  it("the Wing & Gong search alone, in completion order and in invocation order (Porcupine's), on the etcd logs: 10,405 and 34,889 configurations", async () => {
    const etcd = rows.filter(({ file }) => file.startsWith("etcd/")).map(({ file }) => file);
    const lines = etcd.map((file) => {
      const { events } = parseCorpus(file);
      return [file, searchEffort(file, events, "return"), searchEffort(file, events, "call")];
    });
    expect(lines.reduce((sum, [, r]) => sum + Number(r), 0)).toBe(10_405);
    expect(lines.reduce((sum, [, , c]) => sum + Number(c), 0)).toBe(34_889);
    await expect(lines.map((l) => l.join("\t")).join("\n") + "\n").toMatchFileSnapshot(
      "./support/corpus-search-orders.tsv",
    );
  });
});
