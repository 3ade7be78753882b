/** Porcupine's public test histories, copied into test/fixtures/porcupine (see its README and LICENSE). */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { kvModel, registerModel } from "../../../src/history/index.js";

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

/** The model a corpus history is checked with: the kv model for kv/, the register for the etcd logs. */
export const modelFor = (file: string) => (file.startsWith("kv/") ? kvModel : registerModel);
