import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { rawClientError, upstreamConnectFailure } from "./envoyReplies.ts";
import type { SimRequest, SimResponse } from "./http.ts";
import { CallError } from "./workload.ts";

/** `connection` is the client's socket (or the stream a port-forward handed over). */
export type GatewayHandler = (
  request: SimRequest,
  signal: AbortSignal,
  connection: object,
) => Promise<SimResponse>;

/** Envoy's defaults: 60 KiB of request headers; bodies are buffered up to a limit. */
const MAX_HEADER_BYTES = 60 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  const length = req.headers["content-length"];
  if (!req.headers["transfer-encoding"] && (length === undefined || length === "0"))
    return Promise.resolve("");
  if (length !== undefined && Number(length) > MAX_BODY_BYTES) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
    req.on("aborted", () => reject(new CallError("aborted", "client went away")));
  });
}

/**
 * The request target as Envoy routes it: absolute-form reduced to its path, dot segments
 * resolved (Istio normalises paths before matching). Undefined for targets Envoy rejects.
 */
export function requestPath(target: string | undefined): string | undefined {
  if (!target) return undefined;
  let path = target;
  if (!path.startsWith("/")) {
    const m = /^https?:\/\/[^/?#]*(.*)$/i.exec(path);
    if (!m) return undefined;
    path = m[1]?.startsWith("/") ? m[1] : `/${m[1] ?? ""}`;
  }
  if (!/\/\.|%2e/i.test(path)) return path;
  const url = new URL(path, "http://gateway");
  return url.pathname + url.search;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function write(
  res: ServerResponse,
  response: SimResponse,
  draining: boolean,
  serverName: string | undefined,
): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  if (serverName) headers.server = serverName;
  headers["content-length"] ??= String(Buffer.byteLength(response.body));
  if (draining) headers.connection = "close";
  res.writeHead(response.status, headers);
  res.end(response.body);
}

export interface GatewayServer {
  server: Server;
  /** Stop taking new requests on open connections: each gets `connection: close` from now on. */
  drain(): void;
}

/**
 * The ingress gateway's HTTP/1.1 front: parses what clients send (rejecting malformed or
 * oversized requests the way Envoy does, without disturbing other connections), hands each
 * request to the mesh and writes the answer. A client that goes away cancels its request.
 */
export function createGatewayServer(
  handle: GatewayHandler,
  options: { serverName?: string } = {},
): GatewayServer {
  const serverName = "serverName" in options ? options.serverName : "istio-envoy";
  let draining = false;
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      // A stalled client holds only its own socket; these bound how long.
      headersTimeout: 20_000,
      requestTimeout: 60_000,
      // Envoy keeps idle downstream connections for an hour; clients reuse them freely.
      keepAliveTimeout: 300_000,
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      req.on("error", () => {});
      res.on("error", () => {});
      const path = requestPath(req.url);
      if (path === undefined) {
        write(
          res,
          { status: 400, headers: { "content-type": "text/plain" }, body: "Bad Request" },
          true,
          serverName,
        );
        return;
      }
      const controller = new AbortController();
      res.on("close", () => {
        if (!res.writableFinished) controller.abort(new CallError("aborted", "client went away"));
      });
      readBody(req)
        .then((body) =>
          handle(
            { method: req.method ?? "GET", path, headers: headersOf(req), body },
            controller.signal,
            req.socket,
          ),
        )
        .then(
          (response) => write(res, response, draining, serverName),
          (error: unknown) => {
            if (controller.signal.aborted) return;
            if (error instanceof BodyTooLarge) {
              write(
                res,
                { status: 413, headers: { "content-type": "text/plain" }, body: "Payload Too Large" },
                true,
                serverName,
              );
              return;
            }
            if (!(error instanceof CallError))
              process.emitWarning(`sandbox gateway: ${(error as Error)?.stack ?? error}`);
            write(res, upstreamConnectFailure(), draining, serverName);
          },
        );
    },
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(rawClientError(status));
  });
  return {
    server,
    drain() {
      draining = true;
      server.closeIdleConnections();
    },
  };
}
