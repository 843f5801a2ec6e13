import { ExplainedError } from "../errors.ts";
import { http } from "../nodeHttp.ts";

/** What kind of failure a ClusterError is, for callers that react differently (exit codes, retries). */
export type ClusterErrorReason =
  | "kubeconfig"
  | "context"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "istio-missing"
  | "conflict"
  | "foreign"
  | "invalid"
  | "server"
  | "unreachable"
  | "manifest"
  | "istioctl"
  | "cancelled"
  | "other";

/**
 * A failure the user can act on. The message is one line: what went wrong, then what to do next.
 * Nothing else from cluster/ should reach a user; everything passes through `explain` first.
 */
export class ClusterError extends ExplainedError {
  override readonly name = "ClusterError";
  readonly reason: ClusterErrorReason;
  /** The HTTP status, when the API server answered. */
  readonly status: number | undefined;

  constructor(
    message: string,
    reason: ClusterErrorReason = "other",
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, 1, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = options.status;
  }
}

/** An object the tour would write that exists and was not made by the tour, and who made it. */
export interface ForeignObject {
  /** kubectl's name for it: `virtualservice.networking.istio.io/reviews`. */
  ref: string;
  kind: string;
  name: string;
  namespace: string;
  /** Who it belongs to, in a few words: "kubectl-client-side-apply", "Helm". */
  owner: string;
}

/**
 * The apply stopped before an object the tour did not make: nothing of it was changed. The tour
 * offers to take it over (replace it) or leave it; `run` says to rerun with --take-over.
 */
export class ForeignObjectError extends ClusterError {
  readonly object: ForeignObject;

  constructor(object: ForeignObject) {
    super(
      `${object.kind} ${object.name} in namespace ${object.namespace} exists and was not made by the tour (it is ${object.owner}'s), so it was left as it is and the stage stopped there; to replace it, run again with --take-over (the tour then marks it taken over, and reset leaves it in place)`,
      "foreign",
    );
    this.object = object;
  }
}

/** What was being attempted when an error happened, so the sentence can name it. */
export interface Attempt {
  /** API verb: get, list, watch, create, patch, delete. */
  verb: string;
  /** Plural resource, with the group for non-core ones: "deployments.apps", "gateways.networking.istio.io". */
  resource: string;
  namespace?: string;
  name?: string;
  context: string;
  /** The API server URL, for network failures. */
  server?: string;
  /** The client-side timeout that was in force, for the sentence about it. */
  timeoutMs?: number;
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { message?: string; field?: string }[] };
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
]);

const TIMEOUT_CODES = new Set(["ETIMEDOUT"]);

/**
 * Turns whatever the network, a credential plugin or the API server threw into one plain sentence with what to
 * do next. Already explained errors pass through unchanged.
 */
export function explain(error: unknown, what: Attempt): ClusterError {
  if (error instanceof ClusterError) return error;
  const status = httpStatus(error);
  if (status !== undefined) return explainStatus(status, statusBody(error), what, error);
  return explainNetwork(error, what);
}

function explainStatus(status: number, body: StatusBody, what: Attempt, cause: unknown): ClusterError {
  const code = `${status} ${http.STATUS_CODES[status] ?? "Error"}`;
  const serverMessage = body.message?.trim();
  const where = what.namespace ? ` in namespace "${what.namespace}"` : "";
  const context = `context ${what.context}`;
  const options = { cause, status };
  switch (status) {
    case 401:
      return new ClusterError(
        `the cluster${what.server ? ` at ${what.server}` : ""} refused the credentials of ${context} (${code}); log in again or refresh the token in your kubeconfig`,
        "unauthorized",
        options,
      );
    case 403:
      return new ClusterError(
        `${context} is not allowed to ${what.verb} ${what.resource}${where} (${code}); ask your cluster admin for that permission or use another context`,
        "forbidden",
        options,
      );
    case 404: {
      const missingObject = body.details?.name !== undefined;
      const kind = body.details?.kind ?? "";
      if (missingObject && (kind === "namespaces" || kind === "namespace"))
        return new ClusterError(
          `namespace "${body.details?.name}" does not exist (${code}); create it with kubectl create namespace ${body.details?.name} or pick another with -n`,
          "not-found",
          options,
        );
      if (!missingObject && isIstioNetworking(what, body, cause)) return istioMissing(cause);
      if (missingObject)
        return new ClusterError(
          `${what.resource} "${body.details?.name}" was not found${where} (${code}); it may have just been deleted, so run the command again`,
          "not-found",
          options,
        );
      return new ClusterError(
        `the cluster does not serve ${what.resource} (${code}); check that the API group is installed on this cluster (${context})`,
        "not-found",
        options,
      );
    }
    case 409:
      return new ClusterError(
        `cannot ${what.verb} ${named(what)}${where}: ${serverMessage ?? "another client changed it at the same time"} (${code}); run the command again`,
        "conflict",
        options,
      );
    case 422:
    case 400:
      return new ClusterError(
        `the cluster rejected ${named(what)}${where}: ${serverMessage ?? "invalid object"} (${code}); fix the manifest and try again`,
        "invalid",
        options,
      );
    case 429:
      return new ClusterError(
        `the cluster is throttling requests and refused to ${what.verb} ${what.resource} (${code}); wait a moment and try again`,
        "server",
        options,
      );
    default:
      if (status >= 500)
        return new ClusterError(
          `the API server failed to ${what.verb} ${what.resource}${where} (${code}${serverMessage ? `: ${serverMessage}` : ""}); try again in a moment, or check the control plane (${context})`,
          "server",
          options,
        );
      return new ClusterError(
        `cannot ${what.verb} ${what.resource}${where}: ${serverMessage ?? "unexpected answer"} (${code}) (${context})`,
        "other",
        options,
      );
  }
}

function explainNetwork(error: unknown, what: Attempt): ClusterError {
  const where = `the cluster at ${what.server ?? "its address"}`;
  const context = `(context ${what.context})`;
  const code = networkCode(error);
  const name = errorName(error);
  const options = { cause: error };
  const proxy = (error as { proxy?: unknown }).proxy;
  if (typeof proxy === "string")
    return new ClusterError(
      `cannot reach ${where} through ${proxy}: ${firstLine(error instanceof Error ? error.message : String(error))}. Check that proxy ${context}`,
      "unreachable",
      options,
    );
  if (code === "ECONNREFUSED")
    return new ClusterError(
      `cannot reach ${where}: connection refused. Is it running? ${context}`,
      "unreachable",
      options,
    );
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new ClusterError(
      `cannot reach ${where}: the host name does not resolve. Check the server address in your kubeconfig ${context}`,
      "unreachable",
      options,
    );
  if (name === "TimeoutError" || (code !== undefined && TIMEOUT_CODES.has(code))) {
    const within = what.timeoutMs ? ` within ${Math.round(what.timeoutMs / 100) / 10} s` : "";
    return new ClusterError(
      `cannot reach ${where}: no answer${within}. Is it running, and does it need a VPN or proxy? ${context}`,
      "unreachable",
      options,
    );
  }
  if (code === "ECONNRESET" || code === "EPIPE")
    return new ClusterError(
      `lost the connection to ${where} while trying to ${what.verb} ${what.resource}; try again ${context}`,
      "unreachable",
      options,
    );
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH")
    return new ClusterError(
      `cannot reach ${where}: no route to the host. Check your network or VPN ${context}`,
      "unreachable",
      options,
    );
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_"))
  )
    return new ClusterError(
      `cannot reach ${where}: its TLS certificate is not trusted (${code}). Check certificate-authority in your kubeconfig ${context}`,
      "unreachable",
      options,
    );
  if (name === "AbortError")
    return new ClusterError(
      `the request to ${what.verb} ${what.resource} was cancelled`,
      "cancelled",
      options,
    );
  const message = firstLine(error instanceof Error ? error.message : String(error));
  const detail = code && !message.includes(code) ? `${message} (${code})` : message;
  return new ClusterError(
    `cannot ${what.verb} ${what.resource}${what.namespace ? ` in namespace "${what.namespace}"` : ""}: ${detail} ${context}`,
    "other",
    options,
  );
}

export const istioMissing = (cause?: unknown) =>
  new ClusterError(
    "Istio is not installed on this cluster (networking.istio.io is not served); install it with istioctl install",
    "istio-missing",
    { cause, status: 404 },
  );

const named = (what: Attempt) => (what.name ? `${what.resource} "${what.name}"` : what.resource);

function isIstioNetworking(what: Attempt, body: StatusBody, cause: unknown): boolean {
  const needle = "networking.istio.io";
  if (what.resource.includes(needle) || body.details?.group === needle) return true;
  return cause instanceof Error && cause.message.includes(needle);
}

/** The HTTP status of an API server's refusal (ApiError, a refused port-forward: numeric `code`). */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === "number" && code >= 100 && code < 600 ? code : undefined;
}

function statusBody(error: unknown): StatusBody {
  const body = (error as { body?: unknown }).body;
  if (typeof body === "object" && body !== null && !Buffer.isBuffer(body)) return body as StatusBody;
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : typeof body === "string" ? body : "";
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) return parsed as StatusBody;
  } catch {
    // Not a Kubernetes Status (a proxy's HTML page, say): keep its first line as the message.
  }
  const line = firstLine(text);
  return line ? { message: line.slice(0, 200) } : {};
}

/** The system error code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) anywhere in the cause chain. */
export function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") return code;
  const fromCause = networkCode(cause, depth + 1);
  if (fromCause) return fromCause;
  if (Array.isArray(errors))
    for (const inner of errors) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  return undefined;
}

function errorName(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const { name, cause } = error as { name?: unknown; cause?: unknown };
  if (name === "TimeoutError" || name === "AbortError") return name;
  return errorName(cause, depth + 1);
}

export const firstLine = (text: string): string => text.split("\n", 1)[0]?.trim() ?? "";
