import type { Sample } from "../model/snapshot.ts";

export type NetworkErrorKind = NonNullable<Sample["error"]>;

const KIND_BY_CODE: Record<string, NetworkErrorKind> = {
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_FAIL: "dns",
  EAI_NONAME: "dns",
  ETIMEDOUT: "timeout",
};

/**
 * The kind of network failure behind a request error. These are the outcomes the tutorial
 * produces on purpose: refused or reset while no Gateway opens the port, timeouts under fault
 * delays, DNS for a mistyped --gateway-url.
 */
export function networkErrorKind(error: unknown): NetworkErrorKind {
  const code = errorCode(error);
  return (code && KIND_BY_CODE[code]) || "other";
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an
  // AggregateError of one error per address; they share the cause worth reporting.
  if (error instanceof AggregateError) return errorCode(error.errors[0]);
  return undefined;
}
