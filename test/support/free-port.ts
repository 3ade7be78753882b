/**
 * A TCP port of 127.0.0.1 free a moment ago, for a server a test starts at a
 * port it must know in advance (a broker, a command given `--port`).
 */
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
