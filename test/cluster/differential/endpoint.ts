import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest, type Server } from "node:https";
import { createServer as createNetServer, connect as netConnect, type Socket } from "node:net";
import { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { TestPki } from "./pki.ts";

/** One request as it reached the endpoint: enough to tell who sent it, as whom, and how. */
export interface RecordedRequest {
  /** Which of the run's two API endpoints answered: the one the case means, or the other one. */
  listener: "main" | "other";
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Lower-case names; repeated headers keep every value. */
  headers: Record<string, string[]>;
  /** The TLS server name the client sent (none for an IP address). */
  servername?: string;
  /** Common name of the client certificate presented, if any. */
  clientCertificate?: string;
  /** Sent without TLS to the TLS port (and answered 400, as an API server answers it). */
  plainHttp?: boolean;
  /** The HTTP status it was answered with. */
  status?: number;
}

/** An HTTP CONNECT the run's proxy received. */
export interface RecordedConnect {
  target: string;
  proxyAuthorization?: string;
}

export interface EndpointOptions {
  /** Answer 401 to a request carrying this Authorization header. */
  refuses?: (authorization: string | undefined) => boolean;
  /**
   * Pass every request on to this API server (the sandbox) and its answer back, instead of
   * answering itself: its requests are recorded, and a real server judges the credentials.
   */
  forwardTo?: { url: string; caPem: string };
}

/**
 * A local API server that records every request and answers just enough for `kubectl get pods`:
 * /version (minor 32, so Cloud SDK's kubectl dispatcher runs its own 1.32, and not cached, so
 * each run asks again), legacy discovery and an empty pod list. Two listeners (so a case can tell
 * which of two clusters a client chose) and an HTTP CONNECT proxy in front of them.
 */
export interface Endpoint {
  /** https://127.0.0.1:PORT of a listener. */
  url(listener: "main" | "other"): string;
  port(listener: "main" | "other"): number;
  /** http://127.0.0.1:PORT of the recording proxy; tunnels go to either listener whatever the host. */
  proxyUrl: string;
  requests: RecordedRequest[];
  connects: RecordedConnect[];
  close(): Promise<void>;
}

export async function openEndpoint(pki: TestPki, options: EndpointOptions = {}): Promise<Endpoint> {
  const requests: RecordedRequest[] = [];
  const connects: RecordedConnect[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  const listen = async (listener: "main" | "other") => {
    const server: Server = createHttpsServer(
      {
        cert: pki.serverCertPem,
        key: pki.serverKeyPem,
        // Asked for, not required: anonymous and token clients connect too.
        requestCert: true,
        rejectUnauthorized: false,
        ca: pki.clientCaPem,
      },
      (request, response) => {
        const socket = request.socket as TLSSocket;
        const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
        const recorded: RecordedRequest = {
          listener,
          method: request.method ?? "",
          url: request.url ?? "",
          headers: request.headersDistinct as Record<string, string[]>,
          servername: typeof socket.servername === "string" ? socket.servername : undefined,
          clientCertificate: peer?.subject?.CN ? String(peer.subject.CN) : undefined,
        };
        requests.push(recorded);
        if (options.forwardTo && !options.refuses?.(request.headers.authorization))
          forward(request, response, options.forwardTo, recorded);
        else recorded.status = answer(request, response, options);
      },
    );
    server.on("secureConnection", track);
    // A client that gives up on our certificate is part of what the suite observes, not an error.
    server.on("tlsClientError", () => {});
    // In front of it, a look at the first byte: a client speaking plain HTTP to the TLS port gets
    // Go's answer at once (an API server's), instead of a closed connection it would retry.
    const front = createNetServer((socket) => {
      track(socket);
      socket.once("data", (chunk: Buffer) => {
        socket.pause();
        if (chunk[0] === 0x16) {
          server.emit("connection", replaying(socket, chunk));
          return;
        }
        const [method = "", url = ""] = chunk.toString("latin1").split("\r\n", 1)[0]?.split(" ") ?? [];
        requests.push({ listener, method, url, headers: {}, plainHttp: true });
        socket.end("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
    return front;
  };
  const main = await listen("main");
  const other = await listen("other");
  const portOf = (server: { address(): unknown }) => (server.address() as { port: number }).port;
  const ports = new Set([portOf(main), portOf(other)]);

  const proxy = createHttpServer((_request, response) => response.writeHead(405).end());
  proxy.on("connection", track);
  proxy.on("connect", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = request.url ?? "";
    const authorization = request.headers["proxy-authorization"];
    connects.push({ target, ...(authorization ? { proxyAuthorization: authorization } : {}) });
    const port = Number(target.split(":").at(-1));
    if (!ports.has(port)) {
      socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream = netConnect(port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    track(upstream);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));

  const port = (listener: "main" | "other") => portOf(listener === "main" ? main : other);
  return {
    url: (listener) => `https://127.0.0.1:${port(listener)}`,
    port,
    proxyUrl: `http://127.0.0.1:${portOf(proxy)}`,
    requests,
    connects,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        [main, other, proxy].map(
          (server: { close(done: () => void): void }) =>
            new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
    },
  };
}

function forward(
  request: IncomingMessage,
  response: ServerResponse,
  to: { url: string; caPem: string },
  recorded: RecordedRequest,
): void {
  const target = new URL(request.url ?? "/", to.url);
  const upstream = httpsRequest(
    target,
    { method: request.method, headers: { ...request.headers, host: target.host }, ca: to.caPem },
    (answer) => {
      recorded.status = answer.statusCode;
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on("error", () => response.destroy());
  request.pipe(upstream);
}

/**
 * The socket as a stream that starts with `first` (already read from it). TLS reads a real
 * socket straight from its handle, past anything unshifted, so it gets this stream instead.
 */
function replaying(socket: Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read: () => socket.resume(),
    write: (chunk, encoding, done) => socket.write(chunk, encoding, done),
    final: (done) => socket.end(done),
    destroy: (error, done) => {
      socket.destroy(error ?? undefined);
      done(error);
    },
  });
  stream.push(first);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once("end", () => stream.push(null));
  socket.once("close", () => stream.destroy());
  return stream;
}

const VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: "go1.23.4",
  compiler: "gc",
  platform: "linux/amd64",
};

const RESOURCES = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: "v1",
  resources: [
    {
      name: "namespaces",
      singularName: "namespace",
      namespaced: false,
      kind: "Namespace",
      verbs: ["get", "list"],
    },
    {
      name: "pods",
      singularName: "pod",
      namespaced: true,
      kind: "Pod",
      verbs: ["get", "list"],
      shortNames: ["po"],
    },
  ],
};

function answer(request: IncomingMessage, response: ServerResponse, options: EndpointOptions): number {
  const send = (code: number, body: unknown) => {
    response.writeHead(code, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    response.end(JSON.stringify(body));
    return code;
  };
  const status = (code: number, reason: string, message: string) =>
    send(code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  if (options.refuses?.(request.headers.authorization)) return status(401, "Unauthorized", "Unauthorized");
  const path = (request.url ?? "").split("?")[0] ?? "";
  if (path === "/version") return send(200, VERSION);
  if (path === "/api")
    return send(200, {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:443" }],
    });
  if (path === "/apis") return send(200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
  if (path === "/api/v1") return send(200, RESOURCES);
  if (/^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(path))
    return send(200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] });
  return status(404, "NotFound", "the server could not find the requested resource");
}
