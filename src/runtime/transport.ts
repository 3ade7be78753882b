/**
 * Transports of the real-network runtime, on 127.0.0.1 only: UDP (one frame
 * per datagram; loss, duplication and reordering are the network's) and TCP
 * (newline-delimited frames over one connection per destination, opened
 * lazily and reopened after an error; frames sent while it is down are lost,
 * as a datagram would be; frames sent in one turn of the event loop go out
 * in one write). Ports are chosen by the OS unless given.
 *
 * A transport delivers raw frames; decoding and validation are the node's
 * (wire.ts), so a transport never interprets what it carries.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, connect, type Server, type Socket } from "node:net";
import { MAX_TCP_FRAME_BYTES, MAX_UDP_FRAME_BYTES } from "./wire.js";

/** The transports. */
export const TRANSPORTS = ["udp", "tcp"] as const;
export type TransportKind = (typeof TRANSPORTS)[number];

/** The only interface servers bind to. */
const LOOPBACK = "127.0.0.1";

/** What a transport reports. */
export interface TransportHandlers {
  /** One frame received (at most the transport's frame limit, else `onOversized`). */
  onFrame(frame: Buffer): void;
  /** A frame over the limit was received and discarded. */
  onOversized(): void;
  /** A non-fatal transport error (a refused connection, a failed send). */
  onError?(error: Error): void;
}

/** An open endpoint. */
export interface Transport {
  readonly kind: TransportKind;
  /** The port it listens on. */
  readonly port: number;
  /** The largest frame it carries. */
  readonly maxFrameBytes: number;
  /** Sends a frame to the endpoint on `port`; false when the frame is too large to send (it is not sent). */
  send(port: number, frame: string): boolean;
  close(): Promise<void>;
}

/** Opens a transport on 127.0.0.1 (`port` 0 or absent: any free port). */
export function openTransport(kind: TransportKind, handlers: TransportHandlers, port = 0): Promise<Transport> {
  return kind === "udp" ? openUdp(handlers, port) : openTcp(handlers, port);
}

function openUdp(handlers: TransportHandlers, port: number): Promise<Transport> {
  const socket: UdpSocket = createSocket({ type: "udp4" });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, LOOPBACK, () => {
      socket.off("error", reject);
      socket.on("error", (e) => handlers.onError?.(e));
      socket.on("message", (buf) =>
        buf.byteLength > MAX_UDP_FRAME_BYTES ? handlers.onOversized() : handlers.onFrame(buf),
      );
      resolve({
        kind: "udp",
        port: socket.address().port,
        maxFrameBytes: MAX_UDP_FRAME_BYTES,
        send(to, frame) {
          const bytes = Buffer.from(frame);
          if (bytes.byteLength > MAX_UDP_FRAME_BYTES) return false;
          socket.send(bytes, to, LOOPBACK, (e) => e && handlers.onError?.(e));
          return true;
        },
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}

/** Frames queued per connection while it opens, and bytes buffered before frames are dropped. */
const MAX_PENDING_FRAMES = 10_000;
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function openTcp(handlers: TransportHandlers, port: number): Promise<Transport> {
  const accepted = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted.add(socket);
    socket.on("close", () => accepted.delete(socket));
    socket.on("error", (e) => handlers.onError?.(e));
    readFrames(socket, handlers);
  });
  const outgoing = new Map<number, Socket>();
  // Frames sent in one turn of the event loop leave in one write per connection (cork, then uncork on the next
  // turn): a node answering 50 clients, or a driver sending for 50 clients, made a syscall per frame, which was
  // a seventh of a saturated leader's time (measured with --cpu-prof).
  const corked = new Set<Socket>();
  const uncorkAll = () => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  };
  const connection = (to: number): Socket => {
    const known = outgoing.get(to);
    if (known !== undefined) return known;
    const socket = connect({ host: LOOPBACK, port: to });
    socket.setNoDelay(true);
    socket.on("error", (e) => handlers.onError?.(e));
    socket.on("close", () => {
      if (outgoing.get(to) === socket) outgoing.delete(to);
    });
    // Nothing comes back on an outgoing connection; reading keeps it from stalling.
    socket.resume();
    outgoing.set(to, socket);
    return socket;
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      server.on("error", (e) => handlers.onError?.(e));
      const address = server.address();
      resolve({
        kind: "tcp",
        port: typeof address === "object" && address !== null ? address.port : port,
        maxFrameBytes: MAX_TCP_FRAME_BYTES,
        send(to, frame) {
          if (Buffer.byteLength(frame) > MAX_TCP_FRAME_BYTES) return false;
          const socket = connection(to);
          // A stalled peer does not get to grow our memory: frames beyond the buffer are lost.
          if (
            socket.writableLength > MAX_BUFFERED_BYTES ||
            (socket.connecting && socket.writableLength > MAX_PENDING_FRAMES * 64)
          )
            return true;
          if (!corked.has(socket)) {
            if (corked.size === 0) setImmediate(uncorkAll);
            corked.add(socket);
            socket.cork();
          }
          socket.write(`${frame}\n`);
          return true;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of outgoing.values()) s.destroy();
            for (const s of accepted) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Splits a TCP stream into newline-delimited frames. A line longer than the
 * limit is discarded up to its newline and reported once as oversized.
 */
export function readFrames(
  stream: NodeJS.ReadableStream,
  handlers: Pick<TransportHandlers, "onFrame" | "onOversized">,
  maxBytes = MAX_TCP_FRAME_BYTES,
): void {
  let parts: Buffer[] = [];
  let length = 0;
  let discarding = false;
  stream.on("data", (chunk: Buffer | string) => {
    let buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (discarding) return;
        length += buf.byteLength;
        if (length > maxBytes) {
          discarding = true;
          parts = [];
          length = 0;
          handlers.onOversized();
          return;
        }
        parts.push(buf);
        return;
      }
      const head = buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
      if (discarding) {
        discarding = false;
        continue;
      }
      if (length + head.byteLength > maxBytes) handlers.onOversized();
      else if (length + head.byteLength > 0)
        handlers.onFrame(parts.length === 0 ? head : Buffer.concat([...parts, head]));
      parts = [];
      length = 0;
    }
  });
}
