import {
  ApiException,
  type HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  RequestContext,
} from "@kubernetes/client-node";
import { type Attempt, type ClusterError, explain } from "./errors.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";

/** Long enough for a slow control plane, short enough that nothing seems to hang. */
export const REQUEST_TIMEOUT_MS = 20_000;
/** The budget for "is the cluster there at all", which every command checks first. */
export const PROBE_TIMEOUT_MS = 5_000;

const USER_AGENT = "kubectl-bookinfo";

/** undici's Dispatcher, named through client-node so undici stays its private dependency. */
type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** An object is sent as JSON (which is valid YAML, so apply patches take it too). */
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
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
  readonly kubeConfig: KubeConfig;
  /** One API request; JSON in, plain JSON out; non-2xx throws client-node's ApiException. */
  request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
  /** GET /version within a short budget: the server's version, or a ClusterError saying why not. */
  probe(timeoutMs?: number): Promise<ServerVersion>;
  /** Discovery of one kind (cached per group version), like kubectl's REST mapper. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined>;
  /**
   * Auth headers plus this cluster's one shared connection pool on a request context. client-node
   * makes a new undici Agent per request, i.e. a new TLS connection each time that lingers after.
   */
  authenticate(context: RequestContext): Promise<void>;
  /** Ends the pooled connections and whatever still runs on them; the next request opens new ones. */
  close(): Promise<void>;
  /** `explain` with this cluster's context and server filled in. */
  explain(error: unknown, what: Omit<Attempt, "context" | "server">): ClusterError;
}

export function connect(target: ResolvedTarget): Cluster {
  const { kubeConfig, server } = target;
  // client-node's own transport (undici fetch), with TLS and auth from the kubeconfig.
  const http = new IsomorphicFetchHttpLibrary();
  const discovery = new Map<string, Promise<Map<string, ApiResource>>>();
  let pool: Dispatcher | undefined;

  async function authenticate(context: RequestContext): Promise<void> {
    await kubeConfig.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    if (!pool) pool = fresh;
    else {
      context.setDispatcher(pool);
      void fresh.close().catch(() => {});
    }
  }

  async function request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const context = new RequestContext(urlFor(server, path, options.query), method);
    context.setHeaderParam("Accept", "application/json");
    context.setHeaderParam("User-Agent", USER_AGENT);
    if (options.body !== undefined) {
      context.setHeaderParam("Content-Type", options.contentType ?? "application/json");
      context.setBody(typeof options.body === "string" ? options.body : JSON.stringify(options.body));
    }
    await authenticate(context);
    const timeout = AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    context.setSignal(options.signal ? AbortSignal.any([options.signal, timeout]) : timeout);
    const response = await http.send(context).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299)
      throw new ApiException(
        response.httpStatusCode,
        `HTTP-Code: ${response.httpStatusCode}`,
        parseJson(text) ?? text,
        response.headers,
      );
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const explainHere = (error: unknown, what: Omit<Attempt, "context" | "server">) =>
    explain(error, { ...what, context: target.context, server });

  return {
    target,
    kubeConfig,
    request,
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
    authenticate,
    async close() {
      const closing = pool;
      pool = undefined;
      // destroy, not close: close waits for a connect that a dead server never completes.
      await closing?.destroy().catch(() => {});
    },
    explain: explainHere,
  };
}

function urlFor(server: string, path: string, query: RequestOptions["query"]): string {
  const url = new URL(server.replace(/\/+$/, "") + path);
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) url.searchParams.set(key, String(value));
  return url.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
