import type { IncomingMessage } from "node:http";
import { createServer, type Socket } from "node:net";
import { PassThrough, type Readable, Writable } from "node:stream";
import { type KubeConfig, PortForward } from "@kubernetes/client-node";
import WebSocket, { type ClientOptions, type RawData } from "ws";
import type { Pod } from "../model/kube.ts";
import { type Attempt, ClusterError, explain, firstLine } from "./errors.ts";

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

// The protocols client-node offers; Kubernetes picks v4.channel.k8s.io for port-forward.
const CHANNEL_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_STATUS_BYTES = 64 * 1024;

/**
 * `kubectl port-forward` done by the tool itself: a TCP server on 127.0.0.1 (a free port) whose
 * connections each go through their own WebSocket tunnel (client-node's PortForward) to the
 * pod's port. One tunnel is opened and closed first, so a missing permission, a missing pod or a
 * pod that is not running fails here in one sentence rather than on every connection later.
 * A port nothing listens on is not checked up front: the ingress gateway starts listening only
 * once a Gateway selects it, and the forward should work from then on.
 */
export function openPortForward(
  kubeConfig: KubeConfig,
  target: PortForwardTarget,
  options: PortForwardOptions = {},
): Promise<PortForwardHandle> {
  return startForward(kubeConfig, target, options);
}

async function startForward(
  kubeConfig: KubeConfig,
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
  const tunnel = (output: Writable, errors: Writable, input: Readable, onSocket: (ws: WebSocket) => void) =>
    openTunnel(kubeConfig, target, { output, errors, input, timeoutMs }, (ws) => {
      track(ws);
      onSocket(ws);
    });

  const probe = await tunnel(discard(), discard(), new PassThrough(), () => {});
  probe.terminate();

  const server = createServer({ noDelay: true }, (socket) => {
    locals.add(socket);
    socket.once("close", () => locals.delete(socket));
    // A local client that resets its connection is its own business.
    socket.on("error", () => {});
    let ws: WebSocket | undefined;
    let waitingForClient = false;
    const errorText: Buffer[] = [];
    // client-node writes every frame to `output` without looking at backpressure; pausing the
    // WebSocket pushes a slow local reader's backpressure back to the server.
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (socket.writable && !socket.write(chunk) && !waitingForClient) {
          waitingForClient = true;
          ws?.pause();
          socket.once("drain", () => {
            waitingForClient = false;
            ws?.resume();
          });
        }
        done();
      },
    });
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        errorText.push(chunk);
        done();
      },
    });
    const opening = tunnel(output, errors, socket, (created) => {
      ws = created;
    }).then(
      (opened) => {
        // client-node never closes the local side; without this the client would wait forever.
        const ended = (code: number) => {
          const message = Buffer.concat(errorText).toString("utf8").trim();
          if (message) {
            report(forwardFailed(target, message, refusedHint));
            socket.destroy();
          } else if (code === 1000 || code === 1005) {
            socket.end();
          } else {
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
        else socket.once("close", () => opened.close());
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
  kubeConfig: KubeConfig,
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
        kubeConfig,
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

/** One WebSocket tunnel through client-node's PortForward, with every failure explained. */
async function openTunnel(
  kubeConfig: KubeConfig,
  target: PortForwardTarget,
  streams: { output: Writable; errors: Writable; input: Readable; timeoutMs: number },
  onSocket: (ws: WebSocket) => void,
): Promise<WebSocket> {
  const handler = new TunnelSocketHandler(kubeConfig, streams.timeoutMs, onSocket);
  const forward = new PortForward(kubeConfig, true, handler);
  try {
    const ws = await forward.portForward(
      target.namespace,
      target.pod,
      [target.port],
      streams.output,
      streams.errors,
      streams.input,
    );
    // retryCount 0 always yields the WebSocket itself.
    if (typeof ws === "function") throw new Error("client-node returned a restartable port-forward");
    return ws;
  } catch (error) {
    throw explainTunnel(error, kubeConfig, target, streams.timeoutMs);
  }
}

/**
 * client-node's own handler, with what it lacks for a tool that stays up: a handshake timeout,
 * the WebSocket handed out before it opens (so close() can abort it), and the API server's
 * Status message when it refuses the upgrade instead of just "Unexpected server response".
 * It also never applies the exec protocol's close-stream frames to process.stdout.
 */
class TunnelSocketHandler {
  readonly #kubeConfig: KubeConfig;
  readonly #timeoutMs: number;
  readonly #onSocket: (ws: WebSocket) => void;

  constructor(kubeConfig: KubeConfig, timeoutMs: number, onSocket: (ws: WebSocket) => void) {
    this.#kubeConfig = kubeConfig;
    this.#timeoutMs = timeoutMs;
    this.#onSocket = onSocket;
  }

  async connect(
    path: string,
    textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null,
  ): Promise<WebSocket> {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (!cluster) throw new ClusterError("the kubeconfig's current context names no cluster", "context");
    const url = `${cluster.server.replace(/^http/, "ws").replace(/\/+$/, "")}${path}`;
    const options: ClientOptions = { handshakeTimeout: this.#timeoutMs, perMessageDeflate: false };
    await this.#kubeConfig.applyToHTTPSOptions(options);
    const ws = new WebSocket(url, CHANNEL_PROTOCOLS, options);
    this.#onSocket(ws);
    return new Promise<WebSocket>((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      // Before the upgrade this fails the tunnel; after it, "close" follows and says the rest.
      ws.on("error", reject);
      ws.once("unexpected-response", (_request, response) => {
        void readBody(response).then((body) => {
          reject(new UpgradeRefused(response.statusCode ?? 0, body));
          ws.terminate();
        });
      });
      ws.on("message", (data: RawData, isBinary: boolean) => {
        const buffer = Buffer.isBuffer(data)
          ? data
          : Array.isArray(data)
            ? Buffer.concat(data)
            : Buffer.from(data);
        if (!isBinary) {
          if (textHandler && !textHandler(buffer.toString("utf8"))) ws.close();
          return;
        }
        if (buffer.length === 0) return;
        if (binaryHandler && !binaryHandler(buffer[0]!, buffer.subarray(1))) ws.close();
      });
    });
  }
}

/** The API server answered the upgrade with something other than 101: a Status, usually. */
class UpgradeRefused extends Error {
  readonly code: number;
  readonly body: string;
  constructor(code: number, body: string) {
    super(`the API server refused the port-forward upgrade (HTTP ${code})`);
    this.code = code;
    this.body = body;
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
  kubeConfig: KubeConfig,
  target: PortForwardTarget,
  timeoutMs: number,
): ClusterError {
  if (error instanceof ClusterError) return error;
  const where = `pod ${target.namespace}/${target.pod} port ${target.port}`;
  const attempt: Attempt = {
    verb: "create",
    resource: "pods/portforward",
    namespace: target.namespace,
    name: target.pod,
    context: kubeConfig.getCurrentContext(),
    server: kubeConfig.getCurrentCluster()?.server,
    timeoutMs,
  };
  if (error instanceof UpgradeRefused) {
    const message = statusMessage(error.body);
    if (error.code === 404) return explain(error, { ...attempt, resource: "pods" });
    if (error.code === 400)
      return new ClusterError(
        `cannot port-forward to ${where}: ${message ?? "the API server rejected the request"} (400 Bad Request)`,
        /not running/.test(message ?? "") ? "not-found" : "other",
        { cause: error, status: 400 },
      );
    if (error.code === 401 || error.code === 403 || error.code >= 500) return explain(error, attempt);
    return new ClusterError(
      `cannot port-forward to ${where}: ${message ?? "unexpected answer"} (HTTP ${error.code}) (context ${attempt.context})`,
      "other",
      { cause: error, status: error.code },
    );
  }
  if (error instanceof Error && /handshake has timed out/i.test(error.message))
    return new ClusterError(
      `the API server at ${attempt.server ?? "its address"} did not open the port-forward to ${where} within ${Math.round(timeoutMs / 100) / 10} s; is it reachable? (context ${attempt.context})`,
      "unreachable",
      { cause: error },
    );
  return explain(error, attempt);
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

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
