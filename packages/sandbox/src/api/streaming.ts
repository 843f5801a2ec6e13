import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createWebSocketStream, type WebSocket, WebSocketServer } from "ws";
import type { Pod } from "../kube.ts";
import { authorize, type User } from "./authorization.ts";
import type { ObjectService } from "./objects.ts";
import {
  CHANNEL_PROTOCOL,
  PORT_FORWARD_PROTOCOL,
  type PortConnector,
  parsePorts,
  SPDY_TUNNEL_PREFIX,
  serveChannelTunnel,
  spdyPortForwardHandler,
} from "./portForward.ts";
import {
  type ExecConnector,
  type ExecTarget,
  SPDY_EXEC_PROTOCOLS,
  serveWebSocketExec,
  spdyExecHandler,
  WEBSOCKET_EXEC_PROTOCOLS,
} from "./remoteCommand.ts";
import { findResource } from "./resources.ts";
import { SpdySession } from "./spdy/session.ts";
import { badRequest, notFound, StatusError, unauthorized } from "./status.ts";

/** Where streamed connections go: the data plane, in the sandbox. */
export interface PodConnector extends PortConnector, Partial<ExecConnector> {}

const PORT_FORWARD_WEBSOCKET_PROTOCOLS = [CHANNEL_PROTOCOL, `${SPDY_TUNNEL_PREFIX}${PORT_FORWARD_PROTOCOL}`];
// ws accepts only RFC 7230 tokens as subprotocols, and "/" is not one: the tunnelling
// protocol passes through ws under this spelling and is restored in the 101 it writes.
const TUNNEL_ALIAS = "SPDY_3.1+";
// Clients refused before the upgrade get this long to read the answer and hang up.
const REFUSAL_LINGER_MS = 10_000;
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/([^/]+)\/?$/;

type Accepted =
  | { kind: "portforward"; pod: Pod; ports: string[] }
  | { kind: "exec"; pod: Pod; target: ExecTarget };

/** kubelet's own refusals reach the client as it writes them: plain text, not a Status. */
class KubeletRefusal extends StatusError {}

/** A session or tunnel in progress, and how to end it at once. */
interface Open {
  end(): void;
}

/**
 * The streaming subresources of pods as the API server and kubelet serve them together:
 * `portforward` and `exec`, each over WebSocket or over SPDY/3.1 (kubectl tries the first and
 * falls back to the second), after authentication, the `create` permission on the
 * subresource, and the pod's (and container's) state. Every refusal is a Status.
 */
export class StreamingServer {
  readonly #objects: ObjectService;
  readonly #connector: PodConnector | undefined;
  readonly #wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (offered, req) =>
      pickWebSocketProtocol(
        kindOf(req),
        [...offered].map((p) => p.replace(TUNNEL_ALIAS, SPDY_TUNNEL_PREFIX)),
      )?.replace(SPDY_TUNNEL_PREFIX, TUNNEL_ALIAS) || false,
  });
  /** Every socket taken over from the HTTP server: the HTTP server no longer tracks them. */
  readonly #sockets = new Set<Duplex>();
  readonly #open = new Set<Open>();
  #closed = false;

  constructor(options: { objects: ObjectService; connector?: PodConnector }) {
    this.#objects = options.objects;
    this.#connector = options.connector;
    this.#wss.on("headers", (headers: string[]) => {
      for (let i = 0; i < headers.length; i++) {
        if (/^sec-websocket-protocol:/i.test(headers[i]!))
          headers[i] = headers[i]!.replace(TUNNEL_ALIAS, SPDY_TUNNEL_PREFIX);
      }
    });
  }

  /** Forwards and commands in progress (for tests and diagnostics). */
  get tunnels(): number {
    return this.#open.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, user: User | undefined): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    // A client that resets mid-handshake is not the server's problem.
    socket.on("error", () => {});
    if (this.#closed) {
      socket.destroy();
      return;
    }
    let accepted: Accepted;
    let spdyProtocol: string | undefined;
    let ports: number[] = [];
    try {
      accepted = this.#check(req, user);
      spdyProtocol = checkTransport(req, accepted.kind);
      // Only the channel protocol carries the ports in the URL; SPDY names them per stream.
      if (accepted.kind === "portforward" && spdyProtocol === undefined && !offersSpdyTunnel(req))
        ports = parsePorts(accepted.ports);
    } catch (error) {
      const status =
        error instanceof StatusError ? error : badRequest(`unable to upgrade connection: ${String(error)}`);
      refuse(socket, status);
      return;
    }
    if (spdyProtocol !== undefined) this.#serveSpdy(socket, head, accepted, spdyProtocol);
    else this.#serveWebSocket(req, socket, head, accepted, ports);
  }

  /** Ends every forward and command at once: the API server is going away. */
  close(): void {
    this.#closed = true;
    for (const open of this.#open) open.end();
    for (const socket of this.#sockets) socket.destroy();
    this.#open.clear();
    this.#sockets.clear();
  }

  #track(open: Open, done: (listener: () => void) => void): void {
    this.#open.add(open);
    done(() => this.#open.delete(open));
  }

  #serveWebSocket(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    accepted: Accepted,
    ports: number[],
  ): void {
    const offered = req.headers["sec-websocket-protocol"];
    if (offered) req.headers["sec-websocket-protocol"] = offered.replaceAll(SPDY_TUNNEL_PREFIX, TUNNEL_ALIAS);
    this.#wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      if (this.#closed) {
        ws.terminate();
        return;
      }
      if (accepted.kind === "exec") {
        this.#track({ end: () => ws.terminate() }, (done) => ws.once("close", done));
        serveWebSocketExec(ws, accepted.target, asExec(this.#connector));
        return;
      }
      if (ws.protocol.startsWith(TUNNEL_ALIAS)) {
        // SPDY inside WebSocket: the binary messages, end to end, are the SPDY byte stream.
        const bytes = createWebSocketStream(ws, { allowHalfOpen: false });
        bytes.on("error", () => {});
        this.#startSpdy(bytes, accepted, PORT_FORWARD_PROTOCOL, () => ws.terminate());
        return;
      }
      this.#track({ end: () => ws.terminate() }, (done) => ws.once("close", done));
      serveChannelTunnel(ws, accepted.pod, ports, this.#connector);
    });
  }

  #serveSpdy(socket: Duplex, head: Buffer, accepted: Accepted, protocol: string): void {
    socket.write(
      [
        "HTTP/1.1 101 Switching Protocols",
        "Connection: Upgrade",
        "Upgrade: SPDY/3.1",
        `X-Stream-Protocol-Version: ${protocol}`,
        `Date: ${new Date().toUTCString()}`,
        "",
        "",
      ].join("\r\n"),
    );
    if (head.length) socket.unshift(head);
    this.#startSpdy(socket, accepted, protocol, () => socket.destroy());
  }

  #startSpdy(bytes: Duplex, accepted: Accepted, protocol: string, kill: () => void): void {
    const handler =
      accepted.kind === "exec"
        ? spdyExecHandler(accepted.target, protocol, asExec(this.#connector))
        : spdyPortForwardHandler(accepted.pod, this.#connector);
    const session: SpdySession = new SpdySession(bytes, {
      onStream: (stream) => handler.onStream(stream, session),
      onClose: () => handler.close(),
    });
    this.#track(
      {
        end: () => {
          session.destroy();
          kill();
        },
      },
      (done) => session.onceClosed(done),
    );
  }

  #check(req: IncomingMessage, user: User | undefined): Accepted {
    const url = new URL(req.url ?? "/", "https://sandbox");
    if (!user) throw unauthorized();
    const match = POD_PATH.exec(url.pathname);
    const [namespace, name, subresource] = (match?.slice(1) ?? []).map(decodeURIComponent);
    if (!match || !namespace || !name || (subresource !== "portforward" && subresource !== "exec"))
      throw badRequest(
        `unable to upgrade connection: ${url.pathname} does not stream in this cluster; pods/{name}/portforward and pods/{name}/exec do`,
      );
    const pods = findResource("", "v1", "pods")!;
    // The WebSocket upgrades are GETs, yet they open a connection into the pod: Kubernetes
    // authorizes them as create, like the SPDY POSTs.
    authorize(user, { verb: "create", resource: pods, subresource, namespace, name }, this.#objects);
    const pod = this.#objects.find(pods, namespace, name) as Pod | undefined;
    if (!pod) throw notFound(pods, name);
    if (subresource === "portforward") {
      const phase = pod.status?.phase ?? "Pending";
      if (phase !== "Running")
        throw badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
      return { kind: "portforward", pod, ports: url.searchParams.getAll("ports") };
    }
    return { kind: "exec", pod, target: execTarget(pod, url.searchParams) };
  }
}

const offeredWebSocketProtocols = (req: IncomingMessage): string[] =>
  (req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

const offersSpdyTunnel = (req: IncomingMessage): boolean =>
  pickWebSocketProtocol("portforward", offeredWebSocketProtocols(req))?.startsWith(SPDY_TUNNEL_PREFIX) ??
  false;

const kindOf = (req: IncomingMessage): "exec" | "portforward" =>
  /\/exec\/?(\?|$)/.test(req.url ?? "") ? "exec" : "portforward";

function pickWebSocketProtocol(kind: "exec" | "portforward", offered: string[]): string | undefined {
  const supported = kind === "exec" ? WEBSOCKET_EXEC_PROTOCOLS : PORT_FORWARD_WEBSOCKET_PROTOCOLS;
  // The client's order decides, as in the API server's negotiation.
  return offered.find((p) => supported.includes(p));
}

/**
 * The transport the request asks for: undefined for WebSocket, else the SPDY protocol
 * negotiated from X-Stream-Protocol-Version (the client's first that the server speaks).
 */
function checkTransport(req: IncomingMessage, kind: "exec" | "portforward"): string | undefined {
  const upgrade = (req.headers.upgrade ?? "").toLowerCase();
  if (upgrade === "websocket") {
    const offered = offeredWebSocketProtocols(req);
    const supported = kind === "exec" ? WEBSOCKET_EXEC_PROTOCOLS : PORT_FORWARD_WEBSOCKET_PROTOCOLS;
    // Without this check ws would accept the connection with no protocol at all.
    if (offered.length > 0 && !pickWebSocketProtocol(kind, offered))
      throw badRequest(
        `unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(" ")}]; supports [${supported.join(" ")}]`,
      );
    return undefined;
  }
  if (upgrade === "spdy/3.1") {
    const offered = (req.headersDistinct["x-stream-protocol-version"] ?? [])
      .flatMap((value) => value.split(","))
      .map((p) => p.trim())
      .filter(Boolean);
    const supported = kind === "exec" ? SPDY_EXEC_PROTOCOLS : [PORT_FORWARD_PROTOCOL];
    if (offered.length === 0)
      throw new StatusError(400, "BadRequest", "unable to upgrade: X-Stream-Protocol-Version is required");
    const chosen = offered.find((p) => supported.includes(p));
    if (!chosen)
      throw new StatusError(
        403,
        "Forbidden",
        `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${supported.join(" ")}]`,
      );
    return chosen;
  }
  throw badRequest(
    `unable to upgrade connection: upgrade to ${req.headers.upgrade ? `"${req.headers.upgrade}"` : "nothing"} is not supported; use websocket or SPDY/3.1`,
  );
}

const asExec = (connector: PodConnector | undefined): ExecConnector | undefined =>
  connector?.exec ? { exec: (request) => connector.exec!(request) } : undefined;

const truthy = (value: string | null) => value === "true" || value === "1";

/** The API server's and kubelet's checks of an exec request, in their words. */
function execTarget(pod: Pod, query: URLSearchParams): ExecTarget {
  const name = pod.metadata.name ?? "";
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  let container = query.get("container") ?? "";
  if (!container) {
    if (containers.length !== 1) {
      const initHint = inits.length ? ` or one of the init containers: [${inits.join(" ")}]` : "";
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]${initHint}`,
      );
    }
    container = containers[0]!;
  }
  if (!containers.includes(container) && !inits.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const command = query.getAll("command");
  const target: ExecTarget = {
    namespace: pod.metadata.namespace ?? "",
    pod: name,
    container,
    command,
    tty: truthy(query.get("tty")),
    stdin: truthy(query.get("stdin")),
    stdout: truthy(query.get("stdout")),
    stderr: truthy(query.get("stderr")),
  };
  if (!target.stdin && !target.stdout && !target.stderr)
    throw badRequest("you must specify at least 1 of stdin, stdout, stderr");
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  if (!statuses.find((s) => s.name === container)?.state?.running)
    // kubelet answers this itself, as plain text, before any upgrade.
    throw new KubeletRefusal(404, "NotFound", `container not found ("${container}")`);
  return target;
}

/** Answers the upgrade request with a Status instead of switching protocols. */
function refuse(socket: Duplex, status: StatusError): void {
  const plain = status instanceof KubeletRefusal;
  const body = plain ? status.message : JSON.stringify(status.toStatus());
  const head = [
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? "Error"}`,
    `Content-Type: ${plain ? "text/plain; charset=utf-8" : "application/json"}`,
    "Cache-Control: no-cache, private",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
  ].join("\r\n");
  // Read whatever the client still sends (a SPDY POST may carry a body): closing with unread
  // input would reset the connection before the client reads the answer.
  socket.resume();
  (socket as Partial<Pick<Socket, "setTimeout">>).setTimeout?.(REFUSAL_LINGER_MS, () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
}
