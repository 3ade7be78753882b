/**
 * The model of `interleave lincheck`, found in-process: which `--model`
 * arguments are paths, which export of a user's module is the model, how its
 * functions are guarded (every failure an input error naming the file, the
 * function, the operation and the user's line), and the model guessed from a
 * history when none is given.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { guessModel, isModelPath, loadModelFile } from "../../../checker/lincheck/load-model.js";
import { HistoryInputError, MODELS, parseHistory, type Operation } from "../../../src/history/index.js";
import { tempFolder } from "../../support/temp-folder.js";

const { path: dir, file } = tempFolder("load-model-");

/** The message of the input error `run` throws; any other outcome fails the test. */
async function inputError(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof HistoryInputError) return error.message;
    throw error;
  }
  throw new Error("expected an input error, and nothing was thrown");
}

/** Calls the model's function `name`, whatever its declared parameters. */
function call(model: object, name: string, ...args: unknown[]): unknown {
  return (model as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
}

const write1: Operation = { id: 0, process: 1, f: "write", input: 1, output: 1, status: "ok", call: 0, end: 1 };

const jsonl = (events: object[]): string => events.map((e) => JSON.stringify(e)).join("\n") + "\n";

describe("isModelPath", () => {
  it("takes an argument with a slash, a backslash or a script extension for a file, anything else for a built-in name", () => {
    const args = ["register", "kv", "models/counter", "models\\counter", "counter.ts", "counter.mts", "counter.cjs"];
    const more = ["counter.tsx", "counter.jsx", "history.json", "counter.ts.bak"];
    expect([...args, ...more].map((arg) => [arg, isModelPath(arg)])).toEqual([
      ["register", false],
      ["kv", false],
      ["models/counter", true],
      ["models\\counter", true],
      ["counter.ts", true],
      ["counter.mts", true],
      ["counter.cjs", true],
      ["counter.tsx", true],
      ["counter.jsx", true],
      ["history.json", false],
      ["counter.ts.bak", false],
    ]);
  });
});

describe("loadModelFile", () => {
  it("reports a missing file, and a module that fails to load by the first line of its error", async () => {
    const missing = join(dir, "missing-model.ts");
    expect(await inputError(() => loadModelFile(missing))).toBe(`model file not found: ${missing}`);
    const throwing = file(
      "throws-on-load.ts",
      'const ready: boolean = false;\nif (!ready) throw new Error("config missing\\nsee the README");\nexport default { init: () => 0, step: (s: number) => [s] };\n',
    );
    expect(await inputError(() => loadModelFile(throwing))).toBe(`cannot load model file ${throwing}: config missing`);
  });

  it("takes the module itself when it exports init and step, else its default export, else the export named model", async () => {
    const fns = "init: () => 0, step: (s: number) => [s]";
    const itself = file(
      "module-is-model.ts",
      'export const name = "itself";\nexport function init(): number {\n  return 0;\n}\nexport function step(s: number): number[] {\n  return [s];\n}\n',
    );
    const byDefault = file(
      "default-model.ts",
      `export default { name: "default", ${fns} };\nexport const other = { name: "other", ${fns} };\n`,
    );
    const byName = file(
      "named-model.ts",
      `export const other = { name: "other", ${fns} };\nexport const model = { name: "model", ${fns} };\n`,
    );
    const names: unknown[] = [];
    for (const path of [itself, byDefault, byName]) names.push((await loadModelFile(path)).name);
    expect(names).toEqual(["itself", "default", "model"]);
  });

  it("otherwise takes the only export shaped like a model: an object with init and step functions", async () => {
    const only = file(
      "only-model.ts",
      `export const counter = { name: "counter", init: () => 0, step: (n: number) => [n + 1] };
export const settings = { init: () => 0 };
export class Helper {
  static init(): number {
    return 0;
  }
  static step(n: number): number[] {
    return [n];
  }
}
export const nothing = null;
export const limit = 3;
`,
    );
    const model = await loadModelFile(only);
    expect([model.name, model.init(), model.step(1, write1)]).toEqual(["counter", 0, [2]]);
    const two = file(
      "two-models.ts",
      "export const a = { init: () => 0, step: (s: number) => [s] };\nexport const b = { init: () => 1, step: (s: number) => [s] };\n",
    );
    expect(await inputError(() => loadModelFile(two))).toBe(
      `model file ${two} exports 2 models: export default { init, step } (or export const model = ...)`,
    );
    const noStep = file("no-step.ts", "export const settings = { init: () => 0 };\n");
    expect(await inputError(() => loadModelFile(noStep))).toBe(
      `model file ${noStep} exports no model: export default { init, step } (or export const model = ...)`,
    );
  });
});

describe("the guarded model", () => {
  it("turns an exception from any of the model's functions into an input error naming the function and the operation", async () => {
    const path = file(
      "all-throw.ts",
      `const boom = (what: string): never => { throw new Error(\`\${what} failed\`); };
export default {
  init: () => boom("init"),
  step: () => boom("step"),
  partition: () => boom("partition"),
  ignore: () => boom("ignore"),
  readOnly: () => boom("readOnly"),
  describe: () => boom("describe"),
  decide: () => boom("decide"),
  quickViolation: () => boom("quickViolation"),
  windowStates: () => boom("windowStates"),
  deadlines: () => boom("deadlines"),
  key: () => boom("key"),
  describeState: () => boom("describeState"),
};
`,
    );
    const model = await loadModelFile(path);
    const calls: [string, unknown[]][] = [
      ["init", []],
      ["step", [0, write1]],
      ["partition", [write1]],
      ["ignore", [write1]],
      ["readOnly", [write1]],
      ["describe", [write1]],
      ["decide", [[write1]]],
      ["quickViolation", [[write1]]],
      ["windowStates", [[write1], [write1], 0]],
      ["deadlines", [[write1]]],
      ["key", [0]],
      ["describeState", [0]],
    ];
    const messages: string[] = [];
    for (const [name, args] of calls) messages.push(await inputError(() => call(model, name, ...args)));
    const at = `(at ${path}:1)`;
    const on = "on write(1) -> 1 [process 1]";
    expect(messages).toEqual([
      `model ${path}: init threw: init failed ${at}`,
      `model ${path}: step ${on} threw: step failed ${at}`,
      `model ${path}: partition ${on} threw: partition failed ${at}`,
      `model ${path}: ignore ${on} threw: ignore failed ${at}`,
      `model ${path}: readOnly ${on} threw: readOnly failed ${at}`,
      `model ${path}: describe ${on} threw: describe failed ${at}`,
      `model ${path}: decide threw: decide failed ${at}`,
      `model ${path}: quickViolation threw: quickViolation failed ${at}`,
      `model ${path}: windowStates threw: windowStates failed ${at}`,
      `model ${path}: deadlines threw: deadlines failed ${at}`,
      `model ${path}: key threw: key failed ${at}`,
      `model ${path}: describeState threw: describeState failed ${at}`,
    ]);
  });

  it("reads the user's line from the stack's frames, not the message, and gives none for a thrown non-error", async () => {
    const path = join(dir, "located.ts");
    file(
      "located.ts",
      `// A model that fails on line 12, with a message naming this file.
const self = ${JSON.stringify(path)};

export default {
  init(): number {
    throw "no initial state";
  },
  step(state: number, op: { f: string }): number[] {
    if (op.f !== "write") {
      return [state];
    }
    throw new Error(\`\${self}:1: bad header\\nfix \${self}\`);
  },
};
`,
    );
    const model = await loadModelFile(path);
    expect([await inputError(() => model.init()), await inputError(() => model.step(0, write1))]).toEqual([
      `model ${path}: init threw: no initial state`,
      `model ${path}: step on write(1) -> 1 [process 1] threw: ${path}:1: bad header (at ${path}:12)`,
    ]);
  });

  it("reports a failure in a function the model calls through this once, where it happened", async () => {
    // A named export: jiti hands out a default export's functions bound to the
    // default object, so there `this` is the unguarded model.
    const path = file(
      "nested-throw.ts",
      `export const model = {
  init: () => 0,
  step(this: { describeState(s: number): string }, state: number): number[] {
    return [this.describeState(state).length];
  },
  describeState(state: number): string {
    throw new Error(\`no text for \${state}\`);
  },
};
`,
    );
    const model = await loadModelFile(path);
    expect(await inputError(() => model.step(3, write1))).toBe(
      `model ${path}: describeState threw: no text for 3 (at ${path}:7)`,
    );
  });

  it("refuses a step that returns no array, showing what it returned in at most 60 characters", async () => {
    const path = file(
      "not-array.ts",
      `const answers: Record<string, unknown> = {
  nothing: undefined,
  function: () => [],
  symbol: Symbol("state"),
  sixty: "${"x".repeat(58)}",
  long: { values: "${"y".repeat(70)}" },
  number: 7,
};
export default { init: () => 0, step: (_s: number, op: { input: string }) => answers[op.input] };
`,
    );
    const model = await loadModelFile(path);
    const returned: string[] = [];
    for (const input of ["nothing", "function", "symbol", "sixty", "long", "number"]) {
      const message = await inputError(() => model.step(0, { ...write1, input }));
      returned.push(message.replace(/^.*\] returned (.*); it must .*$/, "$1"));
    }
    expect(returned).toEqual([
      "undefined",
      "a function",
      "a symbol",
      `"${"x".repeat(58)}"`,
      `{"values":"${"y".repeat(49)}...`,
      "7",
    ]);
    expect(await inputError(() => model.step(0, { ...write1, input: "number" }))).toBe(
      `model ${path}: step on write("number") -> 1 [process 1] returned 7; it must return an array of next states ([] when the operation cannot happen)`,
    );
  });

  it("guards compile and the compiled model's functions, and passes no compiled model (undefined or null) on as undefined", async () => {
    const path = file(
      "compiled.ts",
      `const boom = (what: string): never => { throw new Error(\`\${what} failed\`); };
export default {
  init: () => 0,
  step: (s: number) => [s],
  compile(_ops: unknown[], initial: number): unknown {
    if (initial === 1) return undefined;
    if (initial === 2) return null;
    if (initial === 3) boom("compile");
    if (initial === 4) return { initial: 0, step: () => boom("step"), state: () => boom("state"), memoryBytes: () => boom("memoryBytes") };
    return { initial: 0, step: (s: number, op: number) => s + op, state: (s: number) => s * 10, memoryBytes: () => 64 };
  },
};
`,
    );
    const model = await loadModelFile(path);
    const compile = (initial: number) => model.compile!([write1], initial);
    const compiled = compile(0)!;
    expect([compiled.initial, compiled.step(1, 2), compiled.state(2), compiled.memoryBytes()]).toEqual([0, 3, 20, 64]);
    expect([compile(1), compile(2)]).toEqual([undefined, undefined]);
    const at = `(at ${path}:1)`;
    expect(await inputError(() => compile(3))).toBe(`model ${path}: compile threw: compile failed ${at}`);
    const failing = compile(4)!;
    expect([
      await inputError(() => failing.step(0, 0)),
      await inputError(() => failing.state(0)),
      await inputError(() => failing.memoryBytes()),
    ]).toEqual([
      `model ${path}: compile(...).step threw: step failed ${at}`,
      `model ${path}: compile(...).state threw: state failed ${at}`,
      `model ${path}: compile(...).memoryBytes threw: memoryBytes failed ${at}`,
    ]);
  });
});

describe("guessModel", () => {
  it("goes by the format first: register for an etcd log or an empty history, kv for a kv file, whatever the operations", () => {
    const etcd = parseHistory("INFO  jepsen.util - 0\t:invoke\t:inc\tnil\nINFO  jepsen.util - 0\t:ok\t:inc\tnil\n", {
      file: "inc.log",
    });
    const kv = parseHistory(
      '{:process 0, :type :invoke, :f :read, :key "a", :value nil}\n{:process 0, :type :ok, :f :read, :key "a", :value nil}\n',
      { file: "read.txt" },
    );
    const empty = parseHistory("", { file: "empty.jsonl" });
    expect([etcd, kv, empty].map((h) => [h.format, guessModel(h).name])).toEqual([
      ["etcd", "register"],
      ["kv", "kv"],
      ["empty", "register"],
    ]);
    expect(guessModel(kv).model).toBe(MODELS["kv"]);
  });

  it("otherwise by the operations: register for read, write and cas, kv for get, put and append, else it asks for --model", async () => {
    const history = (name: string, fs: string[]) =>
      parseHistory(
        jsonl(
          fs.flatMap((f, process) => [
            { type: "invoke", process, f, key: "a", value: null },
            { type: "ok", process, f, key: "a", value: null },
          ]),
        ),
        { file: name },
      );
    const register = guessModel(history("rw.jsonl", ["read", "write", "cas"]));
    const kv = guessModel(history("kv.jsonl", ["get", "put", "append"]));
    expect([register.name, register.model === MODELS["register"], kv.name, kv.model === MODELS["kv"]]).toEqual([
      "register",
      true,
      "kv",
      true,
    ]);
    expect(await inputError(() => guessModel(history("mixed.jsonl", ["read", "get", "read"])))).toBe(
      "mixed.jsonl: cannot choose a model for operations :read, :get; pass --model register, kv or a path",
    );
  });
});
