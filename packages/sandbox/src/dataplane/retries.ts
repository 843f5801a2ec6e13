import { parseDuration } from "./faults.ts";
import type { SimResponse } from "./http.ts";
import type { HttpRetry } from "./istioConfig.ts";

// A route's `retries`, as Istio hands them to Envoy: `attempts` more tries (not counting the
// first) on the conditions of `retryOn`, each bounded by `perTryTimeout`; the route's own
// timeout still bounds them all together. Without `retries` the sandbox retries nothing (Istio's
// default policy retries only connection failures and upstream 503s, which Bookinfo never sends).

export interface RetryPolicy {
  retries: number;
  perTryTimeoutMs: number | undefined;
  conditions: Set<string>;
  codes: Set<number>;
}

/** Istio's retryOn when a route sets retries without saying on what. */
const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes,503";

export function retryPolicy(spec: HttpRetry | undefined): RetryPolicy | undefined {
  if (!spec || typeof spec.attempts !== "number" || spec.attempts <= 0) return undefined;
  const conditions = new Set<string>();
  const codes = new Set<number>();
  for (const part of (spec.retryOn || DEFAULT_RETRY_ON).split(",").map((p) => p.trim())) {
    if (/^\d{3}$/.test(part)) codes.add(Number(part));
    else if (part) conditions.add(part);
  }
  return {
    retries: Math.floor(spec.attempts),
    perTryTimeoutMs: parseDuration(spec.perTryTimeout),
    conditions,
    codes,
  };
}

/** Whether Envoy tries again after this answer (a per-try timeout answers 504 like the upstream would). */
export function retriable(policy: RetryPolicy, response: SimResponse): boolean {
  const { status } = response;
  const on = policy.conditions;
  if (on.has("5xx") && status >= 500) return true;
  if (on.has("gateway-error") && (status === 502 || status === 503 || status === 504)) return true;
  if (on.has("retriable-4xx") && status === 409) return true;
  if (on.has("retriable-status-codes") && policy.codes.has(status)) return true;
  return false;
}
