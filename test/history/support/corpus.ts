/** Porcupine's public test histories, copied into test/fixtures/porcupine (see its README and LICENSE). */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { kvModel, parseHistory, registerModel, type ParsedHistory } from "../../../src/history/index.js";

/** The repository root (this file is test/history/support/corpus.ts). */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Where the 109 histories and expected.tsv live. */
export const corpusDir = resolve(repoRoot, "test/fixtures/porcupine");

/** The rows of expected.tsv: file (relative to the corpus) and verdict. */
export function expectedVerdicts(): { file: string; expected: "linearizable" | "violation" }[] {
  return readFileSync(resolve(corpusDir, "expected.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [file, expected] = line.split("\t");
      return { file: file!, expected: expected as "linearizable" | "violation" };
    });
}

/**
 * A corpus history, parsed afresh by each call. Tests call it inside their
 * bodies, not as their file loads: under mutation testing, parsing at load
 * would make every parser mutant "static", judged by the whole history suite
 * (about 36 s a mutant) instead of by the tests that parse.
 */
export function parseCorpus(file: string): ParsedHistory {
  return parseHistory(readFileSync(resolve(corpusDir, file)), { file });
}

/** The model a corpus history is checked with: the kv model for kv/, the register for the etcd logs. */
export const modelFor = (file: string) => (file.startsWith("kv/") ? kvModel : registerModel);
