import { sleep } from "../dataplane/clock.ts";
import { pathOnly, type SimRequest, type SimResponse } from "../dataplane/http.ts";
import type { WorkloadContext } from "../dataplane/workload.ts";
import { RATINGS, TEXTS } from "./catalog.ts";
import { json, methodNotAllowedPage, notFoundPage, pathParam } from "./respond.ts";

/** Ratings posted to a v1 pod live in that pod's memory, as in the real service. Bounded. */
const posted = new Map<string, Record<string, number>>();
const POSTED_LIMIT = 256;

const ratingsBody = (id: number, ratings: Record<string, number>) => JSON.stringify({ id, ratings });

/**
 * ratings (Node.js). v1 answers from memory; v2 and the database variants need a database the
 * sandbox does not run; the chaos images fail or stall half the time.
 */
export function ratings(version: string) {
  return async (request: SimRequest, context: WorkloadContext): Promise<SimResponse> => {
    const path = pathOnly(request.path);
    if (path === "/health") return json(200, JSON.stringify({ status: "Ratings is healthy" }));
    const idText = pathParam(path, "/ratings/");
    if (idText === undefined) return notFoundPage();
    const id = Number.parseInt(idText, 10);
    if (Number.isNaN(id)) return json(400, JSON.stringify({ error: TEXTS.ratingsNumericId }));
    const usesDatabase = version.startsWith("v2");
    if (request.method === "POST") {
      if (usesDatabase)
        return json(501, JSON.stringify({ error: "Post not implemented for database backed ratings" }));
      return json(200, ratingsBody(id, store(context.pod.metadata.name ?? "", id, request.body)));
    }
    if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowedPage("GET, POST");
    if (usesDatabase) return json(500, JSON.stringify({ error: TEXTS.ratingsDatabase }));
    if (version === "v-faulty" && Math.random() < 0.5) {
      return json(503, JSON.stringify({ error: "Service unavailable" }));
    }
    if (version === "v-delayed" && Math.random() < 0.5) await sleep(context.clock, 7000, context.signal);
    return json(200, ratingsBody(id, posted.get(`${context.pod.metadata.name} ${id}`) ?? { ...RATINGS }));
  };
}

function store(pod: string, id: number, body: string): Record<string, number> {
  let parsed: Record<string, number> = {};
  try {
    const value = JSON.parse(body) as unknown;
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) if (typeof v === "number") parsed[k] = v;
    }
  } catch {
    parsed = {};
  }
  const key = `${pod} ${id}`;
  const merged = { ...(posted.get(key) ?? RATINGS), ...parsed };
  posted.delete(key);
  if (posted.size >= POSTED_LIMIT) posted.delete(posted.keys().next().value!);
  posted.set(key, merged);
  return merged;
}
