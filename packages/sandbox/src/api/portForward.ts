import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type Duplex, duplexPair } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import type { PodTarget } from "../dataplane/index.ts";
import type { Pod } from "../kube.ts";
import { authorize, type User } from "./authorization.ts";
import type { ObjectService } from "./objects.ts";
import { findResource } from "./resources.ts";
import { badRequest, notFound, StatusError, unauthorized } from "./status.ts";

/** What a forwarded connection is handed to: the data plane, in the sandbox. */
export interface PodConnector {
  /** Serves `socket` as a connection to the pod's port; false when nothing listens there. */
  acceptConnection(target: PodTarget, socket: Duplex): boolean;
}

/**
 * The channel protocol kubelet speaks for port-forward over WebSocket: binary frames whose first
 * byte is the channel, port i on channels 2i (data, both ways) and 2i+1 (errors, server to
 * client). The empty protocol is the same binary framing for clients that name none. Kubernetes
 * also has a base64 text variant no client we know of picks.
 */
const CHANNEL_PROTOCOL = "v4.channel.k8s.io";
const SUPPORTED_PROTOCOLS = [CHANNEL_PROTOCOL];

// Stop reading from the pod while this much is queued for a slow client, so a stalled client
// costs a bounded buffer rather than the whole response.
const HIGH_WATER = 1024 * 1024;
// Clients refused before the upgrade get this long to read the answer and hang up.
const REFUSAL_LINGER_MS = 10_000;

const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/([^/]+)\/?$/;

/**
 * `pods/{name}/portforward` as the API server and kubelet serve it together: authentication,
 * the `create pods/portforward` permission, the pod's existence and phase, then a WebSocket whose
 * connections go to the pod through the connector. Every other upgrade request gets a Status.
 */
export class PortForwardServer {
  readonly #objects: ObjectService;
  readonly #connector: PodConnector | undefined;
  readonly #wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (offered) => pickProtocol([...offered]) || false,
  });
  /** Every socket taken over from the HTTP server: the HTTP server no longer tracks them. */
  readonly #sockets = new Set<Duplex>();
  readonly #tunnels = new Set<WebSocket>();
  #closed = false;

  constructor(options: { objects: ObjectService; connector?: PodConnector }) {
    this.#objects = options.objects;
    this.#connector = options.connector;
  }

  /** Forwards in progress (for tests and diagnostics). */
  get tunnels(): number {
    return this.#tunnels.size;
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
    let accepted: { pod: Pod; ports: number[] };
    try {
      accepted = this.#check(req, user);
    } catch (error) {
      const status =
        error instanceof StatusError ? error : badRequest(`unable to upgrade connection: ${String(error)}`);
      refuse(socket, status);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#closed) {
        ws.terminate();
        return;
      }
      this.#tunnels.add(ws);
      ws.once("close", () => this.#tunnels.delete(ws));
      serveTunnel(ws, accepted.pod, accepted.ports, this.#connector);
    });
  }

  /** Ends every forward at once: the API server is going away. */
  close(): void {
    this.#closed = true;
    for (const ws of this.#tunnels) ws.terminate();
    for (const socket of this.#sockets) socket.destroy();
    this.#tunnels.clear();
    this.#sockets.clear();
  }

  #check(req: IncomingMessage, user: User | undefined): { pod: Pod; ports: number[] } {
    const url = new URL(req.url ?? "/", "https://sandbox");
    if (!user) throw unauthorized();
    const match = POD_PATH.exec(url.pathname);
    const [namespace, name, subresource] = (match?.slice(1) ?? []).map(decodeURIComponent);
    if (!match || !namespace || !name || subresource !== "portforward")
      throw badRequest(
        `unable to upgrade connection: ${url.pathname} does not stream in this cluster; only pods/{name}/portforward does`,
      );
    const pods = findResource("", "v1", "pods")!;
    // WebSocket port-forward is a GET, yet it opens a connection into the pod: Kubernetes
    // authorizes it as create, like the SPDY POST.
    authorize(
      user,
      { verb: "create", resource: pods, subresource: "portforward", namespace, name },
      this.#objects,
    );
    const pod = this.#objects.find(pods, namespace, name) as Pod | undefined;
    if (!pod) throw notFound(pods, name);
    const phase = pod.status?.phase ?? "Pending";
    if (phase !== "Running")
      throw badRequest(`unable to forward port because pod is not running. Current status=${phase}`);

    // kubectl asks for SPDY (inside WebSocket first, then as a POST); the sandbox has no SPDY
    // framer, so both end in one clear refusal, which kubectl prints as
    // "error upgrading connection: ...", instead of a tunnel that never answers.
    const upgrade = (req.headers.upgrade ?? "").toLowerCase();
    if (upgrade !== "websocket")
      throw badRequest(
        `unable to upgrade connection: this cluster forwards ports over WebSocket (${CHANNEL_PROTOCOL}) only, not ${req.headers.upgrade || "a plain request"}; reach the ingress gateway through its NodePort instead`,
      );
    const offered = (req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    // Without this check ws would accept the connection with no protocol at all.
    if (offered.length > 0 && !pickProtocol(offered))
      throw badRequest(
        `unable to upgrade connection: requested protocol(s) are not supported: [${offered.join(" ")}]; supports [${SUPPORTED_PROTOCOLS.join(" ")}]`,
      );
    // Only the WebSocket protocol carries the ports in the URL; SPDY names them per stream.
    return { pod, ports: parsePorts(url.searchParams.getAll("ports")) };
  }
}

const pickProtocol = (offered: string[]): string | undefined =>
  offered.find((p) => SUPPORTED_PROTOCOLS.includes(p));

/** kubelet's reading of `ports`: repeated and comma-separated, each 1..65535. */
function parsePorts(values: string[]): number[] {
  if (values.length === 0) throw badRequest(`query parameter "ports" is required`);
  const ports: number[] = [];
  for (const value of values) {
    if (value === "") throw badRequest(`query parameter "ports" cannot be empty`);
    for (const part of value.split(",")) {
      const port = /^\d{1,5}$/.test(part) ? Number(part) : Number.NaN;
      if (!(port <= 65535)) throw badRequest(`unable to parse "${value}" as a port: invalid syntax`);
      if (port < 1) throw badRequest(`port "${value}" must be > 0`);
      ports.push(port);
    }
  }
  return ports;
}

/** Answers the upgrade request with a Status instead of switching protocols. */
function refuse(socket: Duplex, status: StatusError): void {
  const body = JSON.stringify(status.toStatus());
  const head = [
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? "Error"}`,
    "Content-Type: application/json",
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

const frame = (channel: number, payload: Buffer): Buffer => Buffer.concat([Buffer.of(channel), payload]);

function portBytes(port: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(port);
  return bytes;
}

/**
 * One WebSocket, one connection to the pod per requested port. Each channel starts with the
 * port number as kubelet sends it; a refused port gets kubelet's error on its error channel.
 * The WebSocket closes once every port's connection has ended, and closing the WebSocket ends
 * them all.
 */
function serveTunnel(ws: WebSocket, pod: Pod, ports: number[], connector: PodConnector | undefined): void {
  const namespace = pod.metadata.namespace ?? "";
  const name = pod.metadata.name ?? "";
  const streams: (Duplex | undefined)[] = [];
  const podSides: Duplex[] = [];
  const finished = new Set<number>();
  const finish = (index: number) => {
    if (finished.has(index)) return;
    finished.add(index);
    streams[index]?.destroy();
    podSides[index]?.destroy();
    if (finished.size === ports.length && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on("error", () => {});

  ports.forEach((port, index) => {
    const data = 2 * index;
    const errors = data + 1;
    ws.send(frame(data, portBytes(port)));
    ws.send(frame(errors, portBytes(port)));
    const [ours, theirs] = duplexPair();
    ours.on("error", () => {});
    theirs.on("error", () => {});
    if (!connector?.acceptConnection({ namespace, pod: name, port }, theirs)) {
      theirs.destroy();
      ours.destroy();
      ws.send(frame(errors, Buffer.from(refusedMessage(pod, port))));
      finish(index);
      return;
    }
    streams[index] = ours;
    // Older Node versions do not pass a destroy across the pair; the pod must see it.
    podSides[index] = theirs;
    let paused = false;
    ours.on("data", (chunk: Buffer) => {
      ws.send(frame(data, chunk), () => {
        if (paused && ws.bufferedAmount < HIGH_WATER / 2) {
          paused = false;
          ours.resume();
        }
      });
      if (!paused && ws.bufferedAmount >= HIGH_WATER) {
        paused = true;
        ours.pause();
      }
    });
    // The pod hung up: everything it wrote is queued ahead of the close frame.
    ours.once("end", () => finish(index));
    ours.once("close", () => finish(index));
  });

  let waitingForPod = false;
  ws.on("message", (message: RawData, isBinary: boolean) => {
    if (!isBinary || !Buffer.isBuffer(message) || message.length === 0) return;
    const channel = message[0]!;
    // Error channels are the server's to write; a client writing there is ignored like kubelet does.
    if (channel % 2 !== 0) return;
    const stream = streams[channel / 2];
    if (!stream || stream.destroyed || !stream.writable) return;
    if (!stream.write(message.subarray(1)) && !waitingForPod) {
      waitingForPod = true;
      ws.pause();
      stream.once("drain", () => {
        waitingForPod = false;
        ws.resume();
      });
    }
  });
  ws.once("close", () => {
    for (const stream of [...streams, ...podSides]) stream?.destroy();
  });
}

/** What containerd reports through kubelet when nothing listens on the port inside the pod. */
function refusedMessage(pod: Pod, port: number): string {
  const sandbox = (pod.metadata.uid ?? pod.metadata.name ?? "").replaceAll("-", "");
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace ` +
    `"/var/run/netns/cni-${pod.metadata.uid ?? ""}": failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}
