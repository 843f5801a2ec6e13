import type { IncomingMessage } from "node:http";
import { createServer, type Socket } from "node:net";
import WebSocket, { type RawData } from "ws";
import type { Pod } from "../model/kube.ts";
import type { Cluster, ConnectionOptions } from "./connect.ts";
import { type Attempt, ClusterError, firstLine } from "./errors.ts";

/** A pod's port, as `kubectl port-forward pod/NAME -n NAMESPACE LOCAL:PORT` names it. */
export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

export interface PortForwardHandle {
  /** The local port on 127.0.0.1 that reaches the pod's port. */
  localPort: number;
  /** `http://127.0.0.1:<localPort>`, usable as GATEWAY_URL. */
  url: string;
  target: PortForwardTarget;
  /** Stops listening and ends every forwarded connection. */
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /**
   * Failures of single forwarded connections once the forward is open: nothing listening on the
   * port in the pod, a dropped tunnel. Each is one sentence; the forward keeps serving.
   */
  onError?: (error: ClusterError) => void;
  /** How long the API server may take to open each tunnel. */
  timeoutMs?: number;
}

/** The port Istio's ingress gateway pods listen on for plain HTTP (the http2 Service port's target). */
export const INGRESS_GATEWAY_HTTP_PORT = 8080;

// The list client-node offers; for port-forward kubelet takes only v4.channel.k8s.io (or none).
const CHANNEL_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];
// With one port per tunnel, kubelet uses channel 0 for the data and channel 1 for its errors.
const DATA = 0;
const ERROR = 1;
const DATA_PREFIX = Buffer.of(DATA);
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_STATUS_BYTES = 64 * 1024;
// Stop reading from the local client while this much waits to go up the tunnel, so a fast
// uploader costs a bounded buffer rather than its whole body.
const HIGH_WATER = 1024 * 1024;

/** What arrives on a tunnel, without the channel byte and the port number each channel starts with. */
type Receiver = (channel: typeof DATA | typeof ERROR, payload: Buffer) => void;

/**
 * `kubectl port-forward` done by the tool itself: a TCP server on 127.0.0.1 (a free port) whose
 * connections each go through their own WebSocket tunnel to the pod's port. One tunnel is
 * opened and closed first, so a missing permission, a missing pod or a pod that is not running
 * fails here in one sentence rather than on every connection later.
 * A port nothing listens on is not checked up front: the ingress gateway starts listening only
 * once a Gateway selects it, and the forward should work from then on.
 */
export function openPortForward(
  cluster: Cluster,
  target: PortForwardTarget,
  options: PortForwardOptions = {},
): Promise<PortForwardHandle> {
  return startForward(cluster, target, options);
}

async function startForward(
  cluster: Cluster,
  target: PortForwardTarget,
  options: PortForwardOptions,
  refusedHint?: string,
): Promise<PortForwardHandle> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const webSockets = new Set<WebSocket>();
  const locals = new Set<Socket>();
  const pending = new Set<Promise<unknown>>();
  let closing = false;
  const track = (ws: WebSocket) => {
    webSockets.add(ws);
    ws.once("close", () => webSockets.delete(ws));
    if (closing) ws.terminate();
  };
  const report = (error: ClusterError) => {
    if (!closing) options.onError?.(error);
  };
  const tunnel = (receive: Receiver, onSocket: (ws: WebSocket) => void) =>
    openTunnel(cluster, target, timeoutMs, receive, (ws) => {
      track(ws);
      onSocket(ws);
    });

  const probe = await tunnel(
    () => {},
    () => {},
  );
  probe.terminate();

  const server = createServer({ noDelay: true }, (socket) => {
    locals.add(socket);
    socket.once("close", () => locals.delete(socket));
    // A local client that resets its connection is its own business.
    socket.on("error", () => {});
    let ws: WebSocket | undefined;
    let waitingForClient = false;
    const errorText: Buffer[] = [];
    const receive: Receiver = (channel, payload) => {
      if (channel === ERROR) {
        errorText.push(payload);
        return;
      }
      // Pausing the WebSocket pushes a slow local reader's backpressure back to the server.
      if (socket.writable && !socket.write(payload) && !waitingForClient) {
        waitingForClient = true;
        ws?.pause();
        socket.once("drain", () => {
          waitingForClient = false;
          ws?.resume();
        });
      }
    };
    const opening = tunnel(receive, (created) => {
      ws = created;
    }).then(
      (opened) => {
        const ended = (code: number) => {
          const message = Buffer.concat(errorText).toString("utf8").trim();
          if (message) {
            report(forwardFailed(target, message, refusedHint));
            socket.destroy();
          } else if (code === 1000 || code === 1005) {
            // The pod hung up; what it wrote is already queued on the local socket.
            socket.end();
          } else if (!socket.destroyed) {
            report(
              new ClusterError(
                `the port-forward to pod ${target.namespace}/${target.pod} port ${target.port} was cut off (WebSocket closed with code ${code}); the next connection opens a new one`,
                "unreachable",
              ),
            );
            socket.destroy();
          }
        };
        if (opened.readyState === WebSocket.CLOSED) ended(1005);
        else opened.once("close", ended);
        if (socket.destroyed) opened.close();
        else {
          sendUp(socket, opened);
          // The channel protocol has no half-close: a client that ends its side ends the tunnel.
          socket.once("close", () => opened.close());
        }
      },
      (error: unknown) => {
        report(error instanceof ClusterError ? error : new ClusterError(String(error)));
        socket.destroy();
      },
    );
    pending.add(opening);
    void opening.finally(() => pending.delete(opening));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    throw new ClusterError(
      `cannot listen on 127.0.0.1 for the port-forward: ${firstLine((error as Error).message)}`,
      "other",
      { cause: error },
    );
  }
  const { port: localPort } = server.address() as { port: number };

  let closed: Promise<void> | undefined;
  return {
    localPort,
    url: `http://127.0.0.1:${localPort}`,
    target,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of locals) socket.destroy();
        for (const ws of webSockets) ws.terminate();
        await Promise.allSettled([...pending]);
        await stopped;
        await Promise.all(
          [...webSockets].map(
            (ws) =>
              new Promise<void>((resolve) =>
                ws.readyState === WebSocket.CLOSED ? resolve() : ws.once("close", () => resolve()),
              ),
          ),
        );
      })();
      return closed;
    },
  };
}

/**
 * A port-forward to the ingress gateway's plain-HTTP port, on the first Ready pod labelled
 * `istio=ingressgateway` that accepts it (a pod deleted since the caller listed it is skipped).
 */
export async function forwardToIngressGateway(
  cluster: Cluster,
  ingressPods: readonly Pod[],
  options: PortForwardOptions = {},
): Promise<PortForwardHandle> {
  const candidates = ingressPods.filter(
    (pod) =>
      pod.metadata.labels?.istio === "ingressgateway" &&
      pod.metadata.name &&
      !pod.metadata.deletionTimestamp &&
      pod.status?.phase === "Running" &&
      pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  if (candidates.length === 0)
    throw new ClusterError(
      "no Ready ingress gateway pod (label istio=ingressgateway) to port-forward to; check kubectl get pods -n istio-system -l istio=ingressgateway",
      "not-found",
    );
  let lastError: unknown;
  for (const pod of candidates) {
    try {
      return await startForward(
        cluster,
        {
          namespace: pod.metadata.namespace ?? "istio-system",
          pod: pod.metadata.name ?? "",
          port: INGRESS_GATEWAY_HTTP_PORT,
        },
        options,
        "the ingress gateway listens there only once a Gateway selects it",
      );
    } catch (error) {
      lastError = error;
      const status = error instanceof ClusterError ? error.status : undefined;
      if (status !== 404 && status !== 400) throw error;
    }
  }
  throw lastError;
}

/**
 * One WebSocket tunnel to the pod's port, open, with every failure explained. The WebSocket is
 * handed to `onSocket` before it opens so that close() can abort it; a handshake that takes
 * longer than `timeoutMs` fails; a refused upgrade fails with the API server's Status message.
 */
async function openTunnel(
  cluster: Cluster,
  target: PortForwardTarget,
  timeoutMs: number,
  receive: Receiver,
  onSocket: (ws: WebSocket) => void,
): Promise<WebSocket> {
  try {
    try {
      return await dial(cluster, target, timeoutMs, receive, onSocket, await cluster.connection());
    } catch (error) {
      // A plugin's token can lapse between two tunnels: one more try with a fresh one, as requests do.
      if (
        !(error instanceof UpgradeRefused && error.code === 401 && cluster.renewCredentials(error.sentWith))
      )
        throw error;
      return await dial(cluster, target, timeoutMs, receive, onSocket, await cluster.connection());
    }
  } catch (error) {
    throw explainTunnel(error, cluster, target, timeoutMs);
  }
}

function dial(
  cluster: Cluster,
  target: PortForwardTarget,
  timeoutMs: number,
  receive: Receiver,
  onSocket: (ws: WebSocket) => void,
  connection: ConnectionOptions,
): Promise<WebSocket> {
  const { headers, generation: _, ...tls } = connection;
  const ws = new WebSocket(tunnelUrl(cluster.target.server, target), CHANNEL_PROTOCOLS, {
    ...tls,
    // ws passes headers on to Node untouched, which sends an array as repeated headers.
    headers: headers as Record<string, string>,
    handshakeTimeout: timeoutMs,
    perMessageDeflate: false,
  });
  onSocket(ws);
  return new Promise<WebSocket>((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    // Before the upgrade this fails the tunnel; after it, "close" follows and says the rest.
    ws.on("error", reject);
    ws.once("unexpected-response", (_request, response) => {
      void readBody(response).then((body) => {
        reject(new UpgradeRefused(response.statusCode ?? 0, body, connection));
        ws.terminate();
      });
    });
    const portPending = [true, true];
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) return;
      // A Buffer: binaryType is left at "nodebuffer".
      const frame = data as Buffer;
      const channel = frame[0];
      if (channel !== DATA && channel !== ERROR) return;
      // kubelet starts each channel with the port number (2 bytes), not part of the stream.
      let payload = frame.subarray(1);
      if (portPending[channel]) {
        portPending[channel] = false;
        payload = payload.subarray(2);
      }
      if (payload.length > 0) receive(channel, payload);
    });
  });
}

function tunnelUrl(server: string, target: PortForwardTarget): string {
  const base = server.replace(/^http/, "ws").replace(/\/+$/, "");
  const pod = `namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}`;
  return `${base}/api/v1/${pod}/portforward?ports=${target.port}`;
}

/** The local client's bytes up the tunnel, reading no further while the tunnel is backed up. */
function sendUp(socket: Socket, ws: WebSocket): void {
  let paused = false;
  socket.on("data", (chunk: Buffer) => {
    ws.send(Buffer.concat([DATA_PREFIX, chunk]), () => {
      if (paused && ws.bufferedAmount < HIGH_WATER / 2) {
        paused = false;
        socket.resume();
      }
    });
    if (!paused && ws.bufferedAmount >= HIGH_WATER) {
      paused = true;
      socket.pause();
    }
  });
}

/** The API server answered the upgrade with something other than 101: a Status, usually. */
class UpgradeRefused extends Error {
  readonly code: number;
  readonly body: string;
  /** The credentials the refused upgrade carried. */
  readonly sentWith: ConnectionOptions;
  constructor(code: number, body: string, sentWith: ConnectionOptions) {
    super(`the API server refused the port-forward upgrade (HTTP ${code})`);
    this.code = code;
    this.body = body;
    this.sentWith = sentWith;
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    response.on("data", (chunk: Buffer) => {
      if (size < MAX_STATUS_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    response.once("end", done);
    // Aborted or reset mid-body: what arrived is all there is.
    response.once("error", done);
    response.once("close", done);
  });
}

function explainTunnel(
  error: unknown,
  cluster: Cluster,
  target: PortForwardTarget,
  timeoutMs: number,
): ClusterError {
  if (error instanceof ClusterError) return error;
  const { context, server } = cluster.target;
  const where = `pod ${target.namespace}/${target.pod} port ${target.port}`;
  const attempt: Omit<Attempt, "context" | "server"> = {
    verb: "create",
    resource: "pods/portforward",
    namespace: target.namespace,
    name: target.pod,
    timeoutMs,
  };
  if (error instanceof UpgradeRefused) {
    const message = statusMessage(error.body);
    if (error.code === 404) return cluster.explain(error, { ...attempt, resource: "pods" });
    if (error.code === 400)
      return new ClusterError(
        `cannot port-forward to ${where}: ${message ?? "the API server rejected the request"} (400 Bad Request)`,
        /not running/.test(message ?? "") ? "not-found" : "other",
        { cause: error, status: 400 },
      );
    if (error.code === 401 || error.code === 403 || error.code >= 500) return cluster.explain(error, attempt);
    return new ClusterError(
      `cannot port-forward to ${where}: ${message ?? "unexpected answer"} (HTTP ${error.code}) (context ${context})`,
      "other",
      { cause: error, status: error.code },
    );
  }
  if (error instanceof Error && /handshake has timed out/i.test(error.message))
    return new ClusterError(
      `the API server at ${server} did not open the port-forward to ${where} within ${Math.round(timeoutMs / 100) / 10} s; is it reachable? (context ${context})`,
      "unreachable",
      { cause: error },
    );
  return cluster.explain(error, attempt);
}

function statusMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string" && parsed.message.trim()) return firstLine(parsed.message);
  } catch {
    // Not a Status: a proxy's page, say.
  }
  return firstLine(body).slice(0, 200) || undefined;
}

/** What kubelet wrote on the error channel, as one sentence. */
function forwardFailed(target: PortForwardTarget, message: string, refusedHint?: string): ClusterError {
  const where = `pod ${target.namespace}/${target.pod}`;
  if (/connection refused/i.test(message))
    return new ClusterError(
      `nothing accepted the connection on port ${target.port} of ${where} (connection refused inside the pod)${refusedHint ? `; ${refusedHint}` : ""}`,
      "other",
    );
  return new ClusterError(
    `the port-forward to ${where} port ${target.port} failed: ${firstLine(message)}`,
    "other",
  );
}
