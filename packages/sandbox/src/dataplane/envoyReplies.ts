import type { SimResponse } from "./http.ts";

// The answers Envoy makes up itself (local replies), with the bodies and status codes a user
// sees from a real Istio proxy. Response flags in the comments are what the access log shows.

const text = (status: number, body: string, flags: string, details: string): SimResponse => ({
  status,
  headers: { "content-length": String(Buffer.byteLength(body)), "content-type": "text/plain" },
  body,
  localReply: { flags, details },
});

/** NR: no route (or no virtual host) matched. Empty body. */
export const noRoute = (): SimResponse => ({
  status: 404,
  headers: { "content-length": "0" },
  body: "",
  localReply: { flags: "NR", details: "route_not_found" },
});

/** UH: the cluster exists but has no ready endpoint. */
export const noHealthyUpstream = (): SimResponse =>
  text(503, "no healthy upstream", "UH", "no_healthy_upstream");

/** NC: the route names a cluster that does not exist, e.g. a subset no DestinationRule defines. */
export const clusterNotFound = (): SimResponse => ({
  status: 503,
  headers: { "content-length": "0" },
  body: "",
  localReply: { flags: "NC", details: "cluster_not_found" },
});

/** FI: fault.abort fired. */
export const faultAbort = (status: number): SimResponse =>
  text(status >= 200 && status <= 599 ? status : 503, "fault filter abort", "FI", "fault_filter_abort");

/** UT: the route's own timeout ran out. */
export const upstreamTimeout = (): SimResponse =>
  text(504, "upstream request timeout", "UT", "response_timeout");

/** UF: nothing listens on the endpoint's port. */
export const upstreamConnectFailure = (): SimResponse =>
  text(
    503,
    "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused",
    "UF",
    "upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}",
  );

/** Raw replies for requests Node's parser rejected before any handler ran. */
export function rawClientError(status: 400 | 408 | 413 | 431): string {
  const reason = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
  }[status];
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-length: ${reason.length}\r\ncontent-type: text/plain\r\n` +
    `date: ${new Date().toUTCString()}\r\nserver: istio-envoy\r\nconnection: close\r\n\r\n${reason}`
  );
}
