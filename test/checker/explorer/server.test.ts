/**
 * The explorer's HTTP server, each test starting its own on an ephemeral port
 * of 127.0.0.1 and closing it: the page's files byte for byte with their
 * types, the headers of every answer, which method each route takes, errors
 * as 400 or 500, and the `?path=` parser's edge cases.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { ExplorerSession, PathError } from "../../../checker/explorer/session.js";
import { parsePathQuery, startExplorer } from "../../../checker/explorer/server.js";
import { ownPackage } from "../../../checker/spec-source.js";
import { defineSpec, invariant } from "../../../src/index.js";

/** A spec of one counter that counts to 2. */
function counterSession(): ExplorerSession<unknown> {
  const spec = defineSpec({
    name: "counter",
    description: "counts to 2",
    init: () => [{ n: 0 }],
    actions: { Inc: (s: { n: number }) => (s.n < 2 ? { n: s.n + 1 } : undefined) },
    properties: { small: invariant((s: { n: number }) => s.n <= 2) },
  });
  return new ExplorerSession(spec.instantiate()) as ExplorerSession<unknown>;
}

/** Serves `session` on an ephemeral port for the length of `use`. */
async function withServer(session: ExplorerSession<unknown>, use: (url: string) => Promise<void>): Promise<void> {
  const server = await startExplorer(session);
  try {
    await use(server.url);
  } finally {
    await server.close();
  }
}

describe("parsePathQuery", () => {
  it("reads an empty or blank query as the first initial state", () => {
    expect(parsePathQuery("")).toEqual([0]);
    expect(parsePathQuery("  ")).toEqual([0]);
  });

  it("reads ordinals with blanks around them and of more than one digit", () => {
    expect(parsePathQuery("0, 12")).toEqual([0, 12]);
  });

  it("refuses an ordinal with anything before or after its digits", () => {
    for (const text of ["0,a1", "0,1a"])
      expect(() => parsePathQuery(text)).toThrow(
        new PathError(`path must be ordinals separated by commas (0,2,1), got ${JSON.stringify(text)}`),
      );
  });

  it("reads a JSON array after blanks, and refuses bad JSON or an element neither integer nor string", () => {
    expect(parsePathQuery(' [0,"Inc"]')).toEqual([0, "Inc"]);
    expect(() => parsePathQuery("[0,")).toThrow(new PathError("path is not a JSON array: [0,"));
    for (const text of ["[1.5]", "[0,1.5]", "[0,null]", "[0,true]"])
      expect(() => parsePathQuery(text)).toThrow(
        new PathError("path must be an array of successor ordinals (integers) or action labels (strings)"),
      );
  });
});

describe("startExplorer", () => {
  it("listens on 127.0.0.1 only", async () => {
    const server = await startExplorer(counterSession());
    try {
      const { address, port } = server.server.address() as AddressInfo;
      expect(address).toBe("127.0.0.1");
      expect(server.url).toBe(`http://127.0.0.1:${port}/`);
    } finally {
      await server.close();
    }
  });

  it("rejects when the port is taken", async () => {
    const first = await startExplorer(counterSession());
    try {
      const { port } = first.server.address() as AddressInfo;
      await expect(startExplorer(counterSession(), { port })).rejects.toMatchObject({ code: "EADDRINUSE" });
    } finally {
      await first.close();
    }
  });

  it("serves the page's files byte for byte, each with its type", async () => {
    const ui = join(ownPackage().root, "checker", "explorer", "ui");
    const htm = dirname(dirname(createRequire(import.meta.url).resolve("htm")));
    const files = [
      ["", join(ui, "index.html"), "text/html; charset=utf-8"],
      ["app.js", join(ui, "app.js"), "text/javascript; charset=utf-8"],
      ["app.css", join(ui, "app.css"), "text/css; charset=utf-8"],
      ["vendor/preact-htm.js", join(htm, "preact", "standalone.module.js"), "text/javascript; charset=utf-8"],
    ] as const;
    await withServer(counterSession(), async (url) => {
      for (const [path, file, type] of files) {
        const res = await fetch(`${url}${path}`);
        expect([path, res.status, res.headers.get("content-type")]).toEqual([path, 200, type]);
        expect(await res.text()).toBe(readFileSync(file, "utf8"));
      }
    });
  });

  it("answers JSON that is not cached nor sniffed", async () => {
    await withServer(counterSession(), async (url) => {
      const res = await fetch(`${url}api/view?path=0,0`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(((await res.json()) as { path: number[] }).path).toEqual([0, 0]);
    });
  });

  it("answers 404, naming the method, for a route asked with another method", async () => {
    await withServer(counterSession(), async (url) => {
      for (const [method, path] of [
        ["POST", "/"],
        ["POST", "/app.js"],
        ["POST", "/api/info"],
        ["POST", "/api/view"],
        ["GET", "/api/trace"],
        ["PUT", "/api/trace"],
      ] as const) {
        const res = await fetch(`${url}${path.slice(1)}`, { method, ...(method === "GET" ? {} : { body: "{}" }) });
        expect([method, path, res.status, await res.json()]).toEqual([
          method,
          path,
          404,
          { error: `no such page: ${method} ${path}` },
        ]);
      }
    });
  });

  it("refuses a trace larger than 64 MiB", async () => {
    await withServer(counterSession(), async (url) => {
      const over = await fetch(`${url}api/trace`, { method: "POST", body: Buffer.alloc(64 * 2 ** 20 + 1, " ") });
      expect(over.status).toBe(400);
      expect(await over.json()).toEqual({ error: "the trace is larger than 64 MiB" });
    });
  });

  it("answers 500 with the message of an error that is not the request's fault", async () => {
    const failing = (thrown: unknown) =>
      ({
        info: () => {
          throw thrown;
        },
      }) as unknown as ExplorerSession<unknown>;
    await withServer(failing(new Error("disk on fire")), async (url) => {
      const res = await fetch(`${url}api/info`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: "internal error: disk on fire" });
    });
    await withServer(failing("a string"), async (url) => {
      const res = await fetch(`${url}api/info`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ error: "internal error: a string" });
    });
  });
});
