import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Authenticator } from "../auth/authenticator.ts";
import { asUser } from "../auth/requestUser.ts";
import { answerSelfSubjectReview, isSelfSubjectReview } from "../auth/selfSubjectReview.ts";
import { createServiceAccountToken } from "../auth/tokenRequest.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import { answerAccessReview, isAccessReview } from "../rbac/reviews.ts";
import { requestAttributes, requireAllowed, type User } from "./authorization.ts";
import {
  AGGREGATED_DISCOVERY,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  findGroup,
  SERVER_VERSION,
  servedGroupVersion,
  wantsAggregatedDiscovery,
} from "./discovery.ts";
import { handleResource, type RequestContext, verbOf } from "./handlers.ts";
import type { ObjectService } from "./objects.ts";
import {
  emptyOpenApiV2,
  OPENAPI_V2_PROTOBUF,
  openApiDocument,
  openApiRoot,
  parseOpenApiPath,
} from "./openapi.ts";
import { parseResourcePath, type ResourceRequest } from "./request.ts";
import { MAX_BODY_BYTES } from "./requestBody.ts";
import { servedResources } from "./resources.ts";
import { badRequest, internal, methodNotAllowed, pathNotFound, StatusError, tooLarge } from "./status.ts";
import { type PodConnector, StreamingServer } from "./streaming.ts";

export { MAX_BODY_BYTES };

export interface ApiServerOptions {
  objects: ObjectService;
  tls: { certPem: string; keyPem: string };
  /** Who each request is from: bearer tokens, anonymous access, impersonation. */
  authenticator: Authenticator;
  port?: number;
  /** How often watches that asked for bookmarks get one (a real server: about a minute). */
  bookmarkIntervalMs?: number;
  /** Where `pods/portforward` and `pods/exec` go; without it every port is refused, every command fails. */
  pods?: PodConnector;
  /** The node's container logs, served at pods/{name}/log. */
  logs?: ContainerLogs;
  /** Fault injection for tests: a Status to answer a request with instead of serving it. */
  intercept?: (method: string, path: string) => StatusError | undefined;
}

export interface ApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HEALTH_PATHS = new Set(["/healthz", "/readyz", "/livez"]);

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const watches = new Set<() => void>();
  const server: Server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    handle(req, res, options, watches).catch((error) => {
      // Last resort: whatever went wrong, the client gets a Status and the server keeps going.
      if (!res.headersSent)
        sendJson(res, 500, internal(String((error as Error)?.message ?? error)).toStatus());
      else res.destroy();
    });
  });
  // Clients that stall mid-request must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const portForwards = new StreamingServer({ objects: options.objects, connector: options.pods });
  server.on("upgrade", (req, socket, head) => {
    let user: User | undefined;
    try {
      user = options.authenticator.identify(req, new URL(req.url ?? "/", "https://sandbox").pathname);
    } catch (error) {
      // Unauthenticated: the port-forward server answers 401 itself. Impersonation refused: 403.
      if (error instanceof StatusError && error.code !== 401) return refuseUpgrade(socket, error);
    }
    portForwards.handleUpgrade(req, socket, head, user);
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of watches) stop();
        // Upgraded connections are no longer the HTTP server's: closeAllConnections misses them.
        portForwards.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The path's segments decoded, as the API server's RequestInfo sees them (a bad escape stays as sent). */
function decodedPath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
}

function requestUrl(raw: string): URL {
  try {
    return new URL(raw, "https://sandbox");
  } catch {
    throw badRequest(`the request URI ${JSON.stringify(raw.slice(0, 100))} cannot be parsed`);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": contentType,
    "Cache-Control": "no-cache, private",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function refuseUpgrade(socket: Duplex, status: StatusError): void {
  const body = JSON.stringify(status.toStatus());
  socket.end(
    `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Kinds and subresources that are questions or actions, not stored objects. */
function specialHandler(
  request: ResourceRequest,
): ((ctx: RequestContext, request: ResourceRequest) => Promise<void>) | undefined {
  if (isAccessReview(request.resource)) return answerAccessReview;
  if (isSelfSubjectReview(request)) return answerSelfSubjectReview;
  if (
    request.resource.kind === "ServiceAccount" &&
    !request.resource.group &&
    request.subresource === "token"
  )
    return createServiceAccountToken;
  return undefined;
}

function bodyReader(req: IncomingMessage): () => Promise<Buffer> {
  let read: Promise<Buffer> | undefined;
  return () => {
    read ??= new Promise<Buffer>((resolve, reject) => {
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > MAX_BODY_BYTES) {
        reject(tooLarge(MAX_BODY_BYTES));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          reject(tooLarge(MAX_BODY_BYTES));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
    return read;
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: ApiServerOptions,
  watches: Set<() => void>,
): Promise<void> {
  const send = (code: number, body: unknown) => sendJson(res, code, body);
  let url = new URL("https://sandbox/");
  try {
    url = requestUrl(req.url ?? "/");
    // The path as sent: URL parsing would resolve "%2e%2e" and "//", and so address
    // something other than what the client named.
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    const injected = options.intercept?.(req.method ?? "GET", path);
    if (injected) throw injected;
    // Authentication, then authorization, then routing, as the API server's filters go: what RBAC
    // denies is 403 even where nothing is served.
    const user = options.authenticator.identify(req, path);
    requireAllowed(
      requestAttributes(user, req.method ?? "GET", decodedPath(path), url.searchParams),
      options.objects.store,
    );

    if (path === "/version") return send(200, SERVER_VERSION);
    if (HEALTH_PATHS.has(path)) {
      res.writeHead(200, {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "no-cache, private",
      });
      res.end("ok");
      return;
    }
    const served = servedResources(options.objects.store);
    if ((path === "/api" || path === "/apis") && wantsAggregatedDiscovery(req.headers.accept)) {
      return sendJson(res, 200, aggregatedDiscovery(path, served), AGGREGATED_DISCOVERY);
    }
    if (path === "/api") return send(200, apiVersions(req.headers.host ?? "127.0.0.1"));
    if (path === "/apis") return send(200, apiGroupList(served));
    if (path === "/openapi/v3") return send(200, openApiRoot(served));
    if (path.startsWith("/openapi/v3/")) {
      const gv = parseOpenApiPath(path.slice("/openapi/v3/".length), served);
      if (!gv) throw pathNotFound();
      return send(200, openApiDocument(gv.group, gv.version, served));
    }
    if (path === "/openapi/v2") {
      res.writeHead(200, { "Content-Type": OPENAPI_V2_PROTOBUF, "Cache-Control": "no-cache, private" });
      res.end(emptyOpenApiV2());
      return;
    }
    const groupOnly = /^\/apis\/([^/]+)$/.exec(path);
    if (groupOnly) {
      const group = findGroup(groupOnly[1] ?? "", served);
      if (!group) throw pathNotFound();
      return send(200, apiGroup(group.name, group.versions));
    }

    const parsed = parseResourcePath(path, served);
    if (parsed.kind === "groupVersion") {
      if (!servedGroupVersion(parsed.group, parsed.version, served)) throw pathNotFound();
      return send(200, apiResourceList(parsed.group, parsed.version, served));
    }
    if (parsed.kind !== "resource") throw pathNotFound();
    const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
    const { verbs } = parsed.request.resource;
    if (verbs && !verbs.includes(verbOf(req.method ?? "GET", parsed.request, watch)))
      throw methodNotAllowed();
    const ctx: RequestContext = {
      req,
      res,
      url,
      user,
      body: bodyReader(req),
      objects: options.objects,
      registerWatch: (stop) => {
        watches.add(stop);
        res.on("close", () => watches.delete(stop));
      },
      send,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      logs: options.logs,
    };
    const special = specialHandler(parsed.request);
    // The user travels with the request, for admission (RBAC's escalation checks) to see.
    await asUser(user, () => (special ?? handleResource)(ctx, parsed.request));
  } catch (error) {
    const status = error instanceof StatusError ? error : internal((error as Error).message);
    if (status === error || !(error instanceof StatusError)) {
      if (!(error instanceof StatusError))
        process.emitWarning(`sandbox API: ${(error as Error).stack ?? error}`);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    // Drain what the client is still sending so the connection can be reused.
    req.resume();
    const retryAfter = status.details?.retryAfterSeconds;
    if (typeof retryAfter === "number") res.setHeader("Retry-After", String(retryAfter));
    send(status.code, status.toStatus());
  }
}
