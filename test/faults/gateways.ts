import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";

/** A gateway that misbehaves in one way, on 127.0.0.1, and the outcome a sample must record. */
export interface FaultyGateway {
  name: string;
  url: string;
  /** The one outcome each sample of it must be: an HTTP code, or an error kind. */
  expected: { code: number } | { error: string };
  close(): Promise<void>;
}

const PAGE = readFileSync(new URL("../fixtures/productpage/tailwind-v2.html", import.meta.url), "utf8");

type Behaviour = (socket: Socket) => void;

const response = (status: string, headers: Record<string, string | number>, body = "") =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n${body}`;

/** Answers each request on a socket (keep-alive) by `answer`, after reading its headers. */
function perRequest(answer: (socket: Socket) => void): Behaviour {
  return (socket) => {
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        buffered = buffered.slice(buffered.indexOf("\r\n\r\n") + 4);
        answer(socket);
      }
    });
  };
}

const BEHAVIOURS: Record<string, { behaviour: Behaviour; expected: FaultyGateway["expected"] }> = {
  /** Accepts and resets at once, as Envoy does on a port no Gateway configures. */
  refuses: { behaviour: (socket) => socket.resetAndDestroy(), expected: { error: "reset" } },
  /** Accepts, reads, never answers. */
  stalls: { behaviour: (socket) => socket.on("data", () => {}), expected: { error: "timeout" } },
  /** Promises the whole page, sends a third of it, closes. */
  truncates: {
    behaviour: perRequest((socket) => {
      const head = response("200 OK", {
        "Content-Type": "text/html",
        "Content-Length": Buffer.byteLength(PAGE),
      });
      socket.end(head + PAGE.slice(0, PAGE.length / 3));
    }),
    expected: { error: "truncated" },
  },
  /** A 200 that never ends: megabytes of filler, for as long as the client reads. */
  floods: {
    behaviour: perRequest((socket) => {
      socket.write(response("200 OK", { "Content-Type": "text/html", "Transfer-Encoding": "chunked" }));
      const chunk = `10000\r\n${"A".repeat(0x10000)}\r\n`;
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) {}
        if (!socket.destroyed) socket.once("drain", pump);
      };
      pump();
    }),
    expected: { error: "not-productpage" },
  },
  /** A complete 200 answer whose body is not a product page. */
  garbles: {
    behaviour: perRequest((socket) => {
      const body = "<html><body>\u0000\u0001 <title>Simple Bookstore App</title> no reviews here";
      socket.write(
        response("200 OK", { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(body) }, body),
      );
    }),
    expected: { error: "not-productpage" },
  },
  /** The real page, slowly (2 s), then whole: a page, not a timeout. */
  "is slow": {
    behaviour: perRequest((socket) => {
      setTimeout(() => {
        if (!socket.destroyed)
          socket.write(
            response(
              "200 OK",
              { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(PAGE) },
              PAGE,
            ),
          );
      }, 2_000);
    }),
    expected: { code: 200 },
  },
};

export const GATEWAY_FAULTS = ["is closed", ...Object.keys(BEHAVIOURS)];

export async function startFaultyGateway(name: string): Promise<FaultyGateway> {
  if (name === "is closed") {
    // Bound, then released: nothing listens, every connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return { name, url: `http://127.0.0.1:${port}`, expected: { error: "refused" }, close: async () => {} };
  }
  const { behaviour, expected } = BEHAVIOURS[name]!;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    expected,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
