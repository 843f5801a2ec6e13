// Istio's HTTPMatchRequest, evaluated for a request whose every detail is known: a call from one
// workload to another inside the mesh (productpage to reviews, reviews to ratings). A rule
// applies when any of its match entries holds; within an entry every condition must hold.

import type { HttpMatch } from "./istioConfig.ts";

/** A request between workloads, as the caller's sidecar sees it. */
export interface MeshRequest {
  /** The host as the caller wrote it, with the port: "reviews:9080". */
  authority: string;
  path: string;
  method: string;
  scheme: "http";
  port: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  sourceLabels: Record<string, string>;
  sourceNamespace: string;
}

/** Whether one StringMatch (exact, prefix or regex, RE2 full match) holds for the value. */
export function stringMatches(condition: unknown, value: string | undefined, ignoreCase = false): boolean {
  const match = record(condition);
  const kinds = Object.keys(match).filter((k) => k === "exact" || k === "prefix" || k === "regex");
  // An empty condition on a header asks only that the header be present.
  if (kinds.length === 0) return value !== undefined;
  if (value === undefined) return false;
  const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  for (const kind of kinds) {
    const wanted = match[kind];
    if (typeof wanted !== "string") return false;
    if (kind === "exact" && fold(value) !== fold(wanted)) return false;
    if (kind === "prefix" && !fold(value).startsWith(fold(wanted))) return false;
    if (kind === "regex" && !fullMatch(wanted, value, ignoreCase)) return false;
  }
  return true;
}

/** RE2 full match; JavaScript's dialect is close enough for the patterns rules use. A bad pattern matches nothing. */
function fullMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, ignoreCase ? "i" : "").test(value);
  } catch {
    return false;
  }
}

/** Whether one match entry holds for the request (the mesh gateway, since these are sidecar calls). */
export function matchEntryHolds(entry: HttpMatch, request: MeshRequest): boolean {
  const ignoreCase = entry.ignoreUriCase === true;
  const path = request.path.split("?")[0]!;
  const query = new URLSearchParams(request.path.includes("?") ? request.path.split("?")[1] : "");
  for (const [field, condition] of Object.entries(entry)) {
    switch (field) {
      case "name":
      case "ignoreUriCase":
        break;
      case "uri":
        if (!stringMatches(condition, path, ignoreCase)) return false;
        break;
      case "scheme":
        if (!stringMatches(condition, request.scheme)) return false;
        break;
      case "method":
        if (!stringMatches(condition, request.method)) return false;
        break;
      case "authority":
        if (!stringMatches(condition, request.authority)) return false;
        break;
      case "headers":
        for (const [name, test] of Object.entries(record(condition))) {
          if (!stringMatches(test, request.headers[name.toLowerCase()])) return false;
        }
        break;
      case "withoutHeaders":
        for (const [name, test] of Object.entries(record(condition))) {
          if (stringMatches(test, request.headers[name.toLowerCase()])) return false;
        }
        break;
      case "queryParams":
        for (const [name, test] of Object.entries(record(condition))) {
          if (!stringMatches(test, query.get(name) ?? undefined)) return false;
        }
        break;
      case "port":
        if (condition !== request.port) return false;
        break;
      case "sourceLabels":
        for (const [key, value] of Object.entries(record(condition))) {
          if (request.sourceLabels[key] !== value) return false;
        }
        break;
      case "sourceNamespace":
        if (condition !== request.sourceNamespace) return false;
        break;
      case "gateways":
        if (!Array.isArray(condition) || !condition.includes("mesh")) return false;
        break;
      default:
        // A condition this reader does not know (statPrefix is not one): it cannot be said to hold.
        if (field !== "statPrefix") return false;
    }
  }
  return true;
}

/** Whether a rule with these match entries catches the request: no entries means every request. */
export function ruleCatches(match: readonly HttpMatch[] | undefined, request: MeshRequest): boolean {
  if (!match || match.length === 0) return true;
  return match.some((entry) => matchEntryHolds(entry, request));
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
