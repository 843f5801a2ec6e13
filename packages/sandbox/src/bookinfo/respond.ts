import type { SimResponse } from "../dataplane/http.ts";

// Response helpers shared by the simulated services.

export function respond(
  status: number,
  contentType: string,
  body: string,
  extra: Record<string, string> = {},
) {
  const response: SimResponse = {
    status,
    headers: { "content-type": contentType, "content-length": String(Buffer.byteLength(body)), ...extra },
    body,
  };
  return response;
}

export const json = (status: number, body: string): SimResponse => respond(status, "application/json", body);
export const html = (status: number, body: string, extra?: Record<string, string>): SimResponse =>
  respond(status, "text/html; charset=utf-8", body, extra);

/** A framework's plain "not found" page. */
export const notFoundPage = (): SimResponse =>
  html(
    404,
    "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No such page on this server.</p>\n",
  );

export const methodNotAllowedPage = (allow: string): SimResponse =>
  html(
    405,
    "<!doctype html>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n" +
      "<p>This page does not accept that method.</p>\n",
    { allow },
  );

export const serverErrorPage = (): SimResponse =>
  html(
    500,
    "<!doctype html>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n" +
      "<p>The server could not complete the request.</p>\n",
  );

/** "/details/0" with prefix "/details/" gives "0"; anything with a further slash gives undefined. */
export function pathParam(path: string, prefix: string): string | undefined {
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (rest.length === 0 || rest.includes("/")) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/** Headers the Bookinfo services pass on to the services they call, for tracing and routing. */
const PROPAGATED = [
  "x-request-id",
  "x-b3-traceid",
  "x-b3-spanid",
  "x-b3-parentspanid",
  "x-b3-sampled",
  "x-b3-flags",
  "b3",
  "x-ot-span-context",
  "traceparent",
  "tracestate",
  "x-datadog-trace-id",
  "x-datadog-parent-id",
  "x-datadog-sampling-priority",
  "x-cloud-trace-context",
  "grpc-trace-bin",
  "sw8",
  "user-agent",
  "cookie",
  "authorization",
  "jwt",
];

export function propagatedHeaders(incoming: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED) {
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
