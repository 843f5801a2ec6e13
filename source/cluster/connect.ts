import { readFileSync } from "node:fs";
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import https from "node:https";
import { http } from "../nodeHttp.ts";
import {
  type CredentialOptions,
  type CredentialSource,
  type Credentials,
  credentialsFor,
} from "./credentials.ts";
import { type Attempt, ClusterError, explain } from "./errors.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";
import { holdsCertificate } from "./pem.ts";
import { proxyAgent, proxyFor } from "./proxy.ts";

/** Long enough for a slow control plane, short enough that nothing seems to hang. */
export const REQUEST_TIMEOUT_MS = 20_000;
/** The budget for "is the cluster there at all", which every command checks first. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * client-go's shape, name/version (os/arch), so audit logs and API server metrics read it as they
 * read kubectl's. Servers take the part before the slash as the field manager of plain updates.
 */
const USER_AGENT = `kubectl-bookinfo/v${packageVersion()} (${goos()}/${goarch()})`;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A non-2xx answer of the API server: `code` is the HTTP status, `body` its Status (or text). */
export class ApiError extends Error {
  readonly code: number;
  readonly body: unknown;
  constructor(code: number, body: unknown) {
    super(`HTTP ${code}`);
    this.name = "ApiError";
    this.code = code;
    this.body = body;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** An object is sent as JSON (which is valid YAML, so apply patches take it too). */
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamOptions {
  query?: RequestOptions["query"];
  /** Until the response headers arrive; the stream itself may then last as long as it likes. */
  timeoutMs?: number;
  /** Aborting it before the headers rejects; after them, it ends the stream. */
  signal?: AbortSignal;
}

/** What it takes to open another kind of connection to the API server (a WebSocket upgrade). */
export interface ConnectionOptions {
  headers: Record<string, string | string[]>;
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  servername?: string;
  /** Set when a proxy is in the way (proxy-url, HTTPS_PROXY). */
  agent?: HttpAgent;
  /** Which credentials these are, for renewCredentials(). */
  generation?: number;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
  platform?: string;
}

/** What an API resource is called in URLs and whether it lives in a namespace. */
export interface ApiResource {
  plural: string;
  namespaced: boolean;
}

/** A connection to one cluster as one user: everything else in cluster/ goes through this. */
export interface Cluster {
  readonly target: ResolvedTarget;
  /** One API request; JSON in, plain JSON out; non-2xx throws ApiError. */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** A GET whose body is read as it comes (a watch): the 2xx response; non-2xx throws ApiError. */
  stream(path: string, options?: StreamOptions): Promise<IncomingMessage>;
  /** TLS, auth headers and proxy of this cluster, for a connection made elsewhere. */
  connection(): Promise<ConnectionOptions>;
  /**
   * The server refused `used` with 401: true when fresh credentials may help (a credential
   * plugin or tokenFile), and then the next connection() asks for them.
   */
  renewCredentials(used: ConnectionOptions): boolean;
  /** GET /version within a short budget: the server's version, or a ClusterError saying why not. */
  probe(timeoutMs?: number): Promise<ServerVersion>;
  /** Discovery of one kind (cached per group version), like kubectl's REST mapper. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined>;
  /** Ends the pooled connections and whatever still runs on them; the next request opens new ones. */
  close(): Promise<void>;
  /**
   * Ends the kept-alive connections no request is using, so the next requests open new ones: after
   * a connection failed, the idle ones may be as dead without knowing it.
   */
  dropIdleConnections?(): void;
  /** `explain` with this cluster's context and server filled in. */
  explain(error: unknown, what: Omit<Attempt, "context" | "server">): ClusterError;
}

/**
 * One keep-alive connection pool per cluster on Node's own https, TLS and credentials from the
 * kubeconfig: the requests of a `status` share two or three connections instead of one each.
 */
export function connect(
  target: ResolvedTarget,
  env: Record<string, string | undefined> = process.env,
  options: CredentialOptions = {},
): Cluster {
  const { server } = target;
  const secure = !server.startsWith("http:");
  const proxy = proxyFor(server, target.cluster.proxyUrl, target.context, env);
  const tls = tlsOptions(target);
  const credentials: CredentialSource = credentialsFor(target, { env, ...options });
  const discovery = new Map<string, Promise<Map<string, ApiResource>>>();
  const open = new Set<{ destroy(): void }>();
  const newPool = (): HttpAgent =>
    proxy
      ? proxyAgent(proxy, secure)
      : new (secure ? https.Agent : http.Agent)({ keepAlive: true, scheduling: "lifo" });
  // Made now, so a proxy-url we cannot use fails before anything is attempted.
  let agent: HttpAgent | undefined = newPool();
  const pool = (): HttpAgent => {
    agent ??= newPool();
    return agent;
  };

  /** Sends one request; resolves with the response at its headers, whatever the status. */
  async function send(
    method: HttpMethod,
    path: string,
    options: RequestOptions,
    signal: AbortSignal,
  ): Promise<{ response: IncomingMessage; sentWith: Credentials }> {
    const sentWith = await credentials.get();
    const { headers, cert, key } = sentWith;
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body);
    signal.throwIfAborted();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = (secure ? https : http).request(urlFor(server, path, options.query), {
        method,
        agent: pool(),
        ...(secure ? { ...tls, cert, key } : {}),
        headers: {
          ...headers,
          Accept: "application/json",
          "User-Agent": USER_AGENT,
          ...(body === undefined
            ? {}
            : {
                "Content-Type": options.contentType ?? "application/json",
                "Content-Length": Buffer.byteLength(body),
              }),
        },
      });
      open.add(request);
      let answered = false;
      const onAbort = () => request.destroy(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      request.once("close", () => {
        open.delete(request);
        signal.removeEventListener("abort", onAbort);
      });
      request.once("error", (error) => {
        if (signal.aborted) return reject(signal.reason);
        // Marked, so the caller can tell a keep-alive connection the server had already closed.
        reject(request.reusedSocket && !answered ? Object.assign(error, { staleConnection: true }) : error);
      });
      request.once("response", (response) => {
        answered = true;
        // From here the caller's reading decides: a watch must outlive the wait for its headers.
        signal.removeEventListener("abort", onAbort);
        open.add(response);
        response.once("close", () => open.delete(response));
        resolve(response);
      });
      request.end(body);
    });
    return { response, sentWith };
  }

  /**
   * send, once more on a fresh connection when a kept-alive one turns out closed by the server
   * (it may have timed it out while the tour sat idle; not for POST, which might have landed), and
   * once more with fresh plugin credentials after a 401, as client-go does.
   */
  async function sendWithRetry(
    method: HttpMethod,
    path: string,
    options: RequestOptions,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const { response, sentWith } = await send(method, path, options, signal).catch((error: unknown) => {
      if (method === "POST" || !(error as { staleConnection?: boolean }).staleConnection) throw error;
      return send(method, path, options, signal);
    });
    if (response.statusCode !== 401 || !credentials.refresh(sentWith)) return response;
    response.resume();
    return (await send(method, path, options, signal)).response;
  }

  async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const signal = deadline(options.timeoutMs ?? REQUEST_TIMEOUT_MS, options.signal);
    const response = await sendWithRetry(method, path, options, signal);
    const text = await readText(response, signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw new ApiError(status, parseJson(text) ?? text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function stream(path: string, options: StreamOptions = {}): Promise<IncomingMessage> {
    const headersBy = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, headersBy]) : headersBy;
    const response = await sendWithRetry("GET", path, { query: options.query }, signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const text = await readText(response, signal);
      throw new ApiError(status, parseJson(text) ?? text);
    }
    // Past the headers only the caller's own signal ends the stream.
    if (options.signal) {
      const end = () => response.destroy();
      if (options.signal.aborted) end();
      else options.signal.addEventListener("abort", end, { once: true });
      response.once("close", () => options.signal?.removeEventListener("abort", end));
    }
    return response;
  }

  const explainHere = (error: unknown, what: Omit<Attempt, "context" | "server">) =>
    explain(error, { ...what, context: target.context, server });

  return {
    target,
    request,
    stream,
    async connection() {
      const { headers, cert, key, generation } = await credentials.get();
      return {
        generation,
        headers: { ...headers, "User-Agent": USER_AGENT },
        ...tls,
        cert,
        key,
        ...(proxy ? { agent: pool() } : {}),
      };
    },
    renewCredentials: (used) => credentials.refresh(used),
    async probe(timeoutMs = PROBE_TIMEOUT_MS) {
      try {
        return await request<ServerVersion>("GET", "/version", { timeoutMs });
      } catch (error) {
        throw explainHere(error, { verb: "get", resource: "the server version", timeoutMs });
      }
    },
    async resourceFor(apiVersion, kind) {
      let resources = discovery.get(apiVersion);
      if (!resources) {
        const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        resources = request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>(
          "GET",
          path,
        ).then(
          (list) =>
            new Map(
              (list.resources ?? [])
                .filter((r) => !r.name.includes("/"))
                .map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]),
            ),
        );
        discovery.set(apiVersion, resources);
        // A failed lookup (Istio not installed yet) must not be remembered.
        resources.catch(() => discovery.delete(apiVersion));
      }
      return (await resources).get(kind);
    },
    dropIdleConnections() {
      for (const sockets of Object.values(agent?.freeSockets ?? {}))
        for (const socket of sockets ?? []) socket.destroy();
    },
    async close() {
      for (const each of open) each.destroy();
      open.clear();
      agent?.destroy();
      agent = undefined;
    },
    explain: explainHere,
  };
}

function packageVersion(): string {
  // The bundle runs from dist/ or dist/chunks/, the source from source/cluster/.
  for (const path of ["../../package.json", "../package.json"])
    try {
      const { name, version } = JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));
      if (name === "kubectl-bookinfo") return version;
    } catch {}
  return "0.0.0";
}

/** Node's names for the system and the CPU, spelled as Go spells them. */
function goos(): string {
  return process.platform === "win32" ? "windows" : process.platform;
}

function goarch(): string {
  return ({ x64: "amd64", ia32: "386" } as Record<string, string>)[process.arch] ?? process.arch;
}

/** The cluster's CA and TLS server name from the kubeconfig; system roots when it names no CA. */
function tlsOptions(target: ResolvedTarget): Omit<ConnectionOptions, "headers" | "agent"> {
  const { cluster } = target;
  let ca: string | undefined;
  if (cluster.certificateAuthorityData)
    ca = Buffer.from(cluster.certificateAuthorityData, "base64").toString("utf8");
  else if (cluster.certificateAuthority)
    try {
      ca = readFileSync(cluster.certificateAuthority, "utf8");
    } catch (error) {
      throw new ClusterError(
        `cannot read certificate-authority ${cluster.certificateAuthority} of cluster "${target.clusterName}" (${(error as NodeJS.ErrnoException).code ?? "unreadable"}); fix the path in your kubeconfig`,
        "kubeconfig",
        { cause: error },
      );
    }
  if (ca !== undefined && !holdsCertificate(ca))
    throw new ClusterError(
      `the ${cluster.certificateAuthorityData ? "certificate-authority-data" : `certificate-authority ${cluster.certificateAuthority}`} of cluster "${target.clusterName}" holds no PEM certificate; fix it in your kubeconfig`,
      "kubeconfig",
    );
  return {
    ca,
    rejectUnauthorized: cluster.insecureSkipTlsVerify !== true,
    servername: cluster.tlsServerName,
  };
}

/** The request's own time budget, ended early by the caller's signal. */
function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function readText(response: IncomingMessage, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = () => response.destroy(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    response.once("end", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    response.once("error", (error) => reject(signal.aborted ? signal.reason : error));
    response.once("close", () => {
      if (!response.complete) reject(signal.aborted ? signal.reason : connectionLost());
    });
  });
}

const connectionLost = () =>
  Object.assign(new Error("the connection closed before the answer was complete"), { code: "ECONNRESET" });

function urlFor(server: string, path: string, query: RequestOptions["query"]): URL {
  const url = new URL(server.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
