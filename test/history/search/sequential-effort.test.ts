/**
 * The sequential-consistency search's effort, pinned like the
 * linearizability search's (test/history/search-effort.test.ts): verdicts
 * cannot see a candidate rule or an order that changed, these counts do.
 * Each search is capped, so a history the search wanders in counts its cap.
 *
 * After a deliberate change to the search, `npx vitest run
 * test/history/search/sequential-effort.test.ts -u` rewrites the table; the
 * commit says why the counts moved.
 */
import { describe, expect, it } from "vitest";
import { operationsOf } from "../../../src/history/operations.js";
import { BudgetClock } from "../../../src/history/search/budget.js";
import type { CandidateOrder } from "../../../src/history/search/engine.js";
import { preparePartitions } from "../../../src/history/search/partition.js";
import { searchSequential } from "../../../src/history/search/sequential.js";
import { StateSpace } from "../../../src/history/search/state-space.js";
import { expectedVerdicts, modelFor, parseCorpus } from "../support/corpus.js";

const CAP = 5_000;

/** Per partition of a history: the outcome's kind and configurations, in one order, without restarts. */
function effort(file: string, order: CandidateOrder): string {
  const model = modelFor(file);
  const events = parseCorpus(file).events;
  return preparePartitions(operationsOf(events), model)
    .map((p) => {
      const outcome = searchSequential(p, new StateSpace(model, p.ops), new BudgetClock(), {
        order,
        maxConfigurations: CAP,
      });
      return `${outcome.kind}:${outcome.configurations}`;
    })
    .join(" ");
}

describe("the sequential-consistency search's effort on the Porcupine corpus", () => {
  it("in completion order and in invocation order, each search capped: 222,494 and 232,830 configurations", async () => {
    const files = expectedVerdicts().map(({ file }) => file);
    const rows = files.map((file) => [file, effort(file, "return"), effort(file, "call")] as const);
    const total = (column: 1 | 2) =>
      rows.reduce(
        (sum, row) => sum + row[column].split(" ").reduce((n, part) => n + Number(part.split(":")[1] ?? 0), 0),
        0,
      );
    expect([total(1), total(2)]).toEqual([222_494, 232_830]);
    const lines = rows.map((row) => row.join("\t"));
    await expect(lines.join("\n") + "\n").toMatchFileSnapshot("../support/corpus-sequential-effort.tsv");
  });
});
