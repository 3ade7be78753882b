/**
 * The CLI run in this process (`runCli`), its output captured and no
 * progress shown: what the binary prints, judged with the code under test (a
 * spawned binary runs dist/, where no mutant is active).
 */
import { runCli } from "../../checker/cli-index.js";

/** What a command printed, and its exit code. */
export interface CliAnswer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `interleave <args>` in process. */
export async function cli(...args: readonly string[]): Promise<CliAnswer> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    progress: false,
  });
  return { code, stdout, stderr };
}
