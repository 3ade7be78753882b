/**
 * The help the CLI prints for itself and each command: its options, their
 * descriptions and defaults, word for word. The text is the user's manual at
 * the terminal; a change to it shows here as a diff to review (`npx vitest run
 * -u test/checker/cli-help.test.ts` accepts it). Width: commander wraps at 80
 * columns when stdout is not a terminal, as in a test.
 */
import { describe, expect, it } from "vitest";
import { cli } from "../support/cli.js";

const COMMANDS = ["list", "check", "worker", "replay", "explore", "lincheck", "maelstrom", "run", "conform"];

describe("interleave --help", () => {
  it("prints the program's and every command's help, exit 0, nothing on stderr", async () => {
    const pages: string[] = [];
    for (const args of [["--help"], ...COMMANDS.map((c) => [c, "--help"])]) {
      const r = await cli(...args);
      expect([args.join(" "), r.code, r.stderr]).toEqual([args.join(" "), 0, ""]);
      pages.push(`$ interleave ${args.join(" ")}\n${r.stdout}`);
    }
    await expect(pages.join("\n")).toMatchFileSnapshot("__snapshots__/cli-help.txt");
  });

  it("prints the same page for `help <command>` as for `<command> --help`", async () => {
    for (const command of COMMANDS)
      expect((await cli("help", command)).stdout).toBe((await cli(command, "--help")).stdout);
  });

  it("prints no default for the repeatable options, whose value starts empty", async () => {
    const pages = await Promise.all(COMMANDS.map(async (c) => (await cli(c, "--help")).stdout));
    expect(pages.filter((p) => p.includes("(repeatable")).length).toBe(4);
    expect(pages.join("").match(/default: (\{\}|\[\])/g)).toBe(null);
  });
});
