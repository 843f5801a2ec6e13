import { pathOnly, type SimRequest, type SimResponse } from "../dataplane/http.ts";
import { DETAILS, TEXTS } from "./catalog.ts";
import { json, methodNotAllowedPage, notFoundPage, pathParam } from "./respond.ts";

/**
 * details (Ruby): compact JSON. v2 would look the book up on an external API when enabled;
 * the sandbox has no internet, so every version answers from the catalog.
 */
export async function details(request: SimRequest): Promise<SimResponse> {
  const path = pathOnly(request.path);
  if (path === "/health") return json(200, JSON.stringify({ status: "Details is healthy" }));
  const id = pathParam(path, "/details/");
  if (id === undefined) return notFoundPage();
  if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowedPage("GET, HEAD");
  if (!/^\s*[+-]?\d+\s*$/.test(id)) return json(400, JSON.stringify({ error: TEXTS.detailsNumericId }));
  return json(200, JSON.stringify({ id: Number.parseInt(id, 10), ...DETAILS }));
}
