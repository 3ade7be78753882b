/**
 * `interleave explore`: a local web server on 127.0.0.1 that serves the
 * explorer page and a small JSON API over one model.
 *
 *   GET  /api/info                 the spec, variant, params, properties
 *   GET  /api/view?path=0,2,1      the view at the end of a path (ordinals;
 *                                  or a JSON array mixing ordinals and labels)
 *   POST /api/trace                body: a saved trace (JSON or ITF); answers
 *                                  { path } to step through it
 *
 * The page is preact + htm (the `htm` package's standalone ES module, served
 * from node_modules), so the user needs no build step and the page no network.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { AddressInfo } from "node:net";
import { readTrace, TraceFormatError } from "../../src/index.js";
import { ownPackage } from "../spec-source.js";
import { ExplorerSession, PathError, type PathSegment } from "./session.js";

/** The page's files, by URL path: where each lives and its content type. */
function assets(): Record<string, { file: string; type: string }> {
  const ui = join(ownPackage().root, "checker", "explorer", "ui");
  // `htm` exports its CommonJS entry as `dist/htm.js`; the standalone module (htm + preact + hooks) sits beside its
  // folder.
  const htm = dirname(dirname(createRequire(import.meta.url).resolve("htm")));
  return {
    "/": { file: join(ui, "index.html"), type: "text/html; charset=utf-8" },
    "/app.js": { file: join(ui, "app.js"), type: "text/javascript; charset=utf-8" },
    "/app.css": { file: join(ui, "app.css"), type: "text/css; charset=utf-8" },
    "/vendor/preact-htm.js": {
      file: join(htm, "preact", "standalone.module.js"),
      type: "text/javascript; charset=utf-8",
    },
  };
}

/** Reads `?path=`: `0,2,1`, or a JSON array of ordinals and labels. */
export function parsePathQuery(text: string | null): PathSegment[] {
  if (text === null || text.trim() === "") return [0];
  if (text.trim().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PathError(`path is not a JSON array: ${text}`);
    }
    if (
      !Array.isArray(parsed) ||
      !parsed.every((x) => typeof x === "string" || (typeof x === "number" && Number.isInteger(x)))
    ) {
      throw new PathError("path must be an array of successor ordinals (integers) or action labels (strings)");
    }
    return parsed as PathSegment[];
  }
  return text.split(",").map((part) => {
    if (!/^\d+$/.test(part.trim()))
      throw new PathError(`path must be ordinals separated by commas (0,2,1), got ${JSON.stringify(text)}`);
    return Number(part);
  });
}

function send(res: ServerResponse, status: number, body: string, type = "application/json; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value));
}

async function bodyOf(req: IncomingMessage, limit = 64 * 2 ** 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PathError(`the trace is larger than ${limit / 2 ** 20} MiB`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function handle(
  session: ExplorerSession<unknown>,
  files: ReturnType<typeof assets>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  try {
    if (url.pathname === "/api/info" && req.method === "GET") return sendJson(res, 200, session.info());
    if (url.pathname === "/api/view" && req.method === "GET")
      return sendJson(res, 200, session.view(parsePathQuery(url.searchParams.get("path"))));
    if (url.pathname === "/api/trace" && req.method === "POST") {
      const read = readTrace(await bodyOf(req));
      return sendJson(res, 200, { path: session.pathOfTrace(read), property: read.property ?? null });
    }
    const asset = req.method === "GET" ? files[url.pathname] : undefined;
    if (asset) return send(res, 200, readFileSync(asset.file, "utf8"), asset.type);
    return sendJson(res, 404, { error: `no such page: ${req.method ?? "GET"} ${url.pathname}` });
  } catch (error) {
    if (error instanceof PathError || error instanceof TraceFormatError)
      return sendJson(res, 400, { error: error.message });
    return sendJson(res, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** A running explorer: its address, and how to stop it. */
export interface ExplorerServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves `session` on 127.0.0.1; `port` 0 (the default) lets the system pick
 * a free one. Resolves once it listens.
 */
export async function startExplorer(
  session: ExplorerSession<unknown>,
  options: { readonly port?: number } = {},
): Promise<ExplorerServer> {
  const files = assets();
  const server = createServer((req, res) => void handle(session, files, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
