import { pathOnly, queryOf, type SimRequest, type SimResponse } from "../dataplane/http.ts";
import type { WorkloadContext } from "../dataplane/workload.ts";
import { PRODUCT, PRODUCT_ID, TEXTS } from "./catalog.ts";
import { type ReviewsBody, renderIndexPage, renderProductPage } from "./productpageHtml.ts";
import { pythonDumps } from "./pythonJson.ts";
import {
  html,
  json,
  methodNotAllowedPage,
  notFoundPage,
  propagatedHeaders,
  respond,
  serverErrorPage,
} from "./respond.ts";
import {
  clearSessionCookie,
  cookieValue,
  decodeSession,
  encodeSession,
  SESSION_COOKIE,
  setSessionCookie,
} from "./session.ts";

/** The client library's timeout on each downstream call, in productpage's code. */
export const DOWNSTREAM_TIMEOUT_MS = 3000;
/** productpage tries reviews this many times; the fault-injection task relies on it. */
export const REVIEWS_ATTEMPTS = 2;

type Outcome = [status: number, body: unknown];

class BadDownstreamJson extends Error {}

/** A 200 whose body is not JSON makes the real app raise, which ends in a 500 page. */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BadDownstreamJson();
  }
}

async function get(context: WorkloadContext, url: string, headers: Record<string, string>) {
  try {
    return await context.fetch(url, { headers, timeoutMs: DOWNSTREAM_TIMEOUT_MS });
  } catch {
    return undefined;
  }
}

/** Without a response the status is 500; otherwise the downstream status is passed on. */
async function fetchOnce(
  context: WorkloadContext,
  url: string,
  headers: Record<string, string>,
  error: string,
) {
  const response = await get(context, url, headers);
  if (response?.status === 200) return [200, parseJson(response.body)] as Outcome;
  return [response?.status || 500, { error }] as Outcome;
}

async function fetchReviews(context: WorkloadContext, id: string, headers: Record<string, string>) {
  let response: SimResponse | undefined;
  for (let attempt = 0; attempt < REVIEWS_ATTEMPTS; attempt++) {
    response = await get(context, `http://reviews:9080/reviews/${id}`, headers);
    if (response?.status === 200) return [200, parseJson(response.body)] as Outcome;
  }
  return [response?.status || 500, { error: TEXTS.reviewsUnavailable }] as Outcome;
}

const fetchDetails = (context: WorkloadContext, id: string, headers: Record<string, string>) =>
  fetchOnce(context, `http://details:9080/details/${id}`, headers, TEXTS.detailsUnavailable);

const fetchRatings = (context: WorkloadContext, id: string, headers: Record<string, string>) =>
  fetchOnce(context, `http://ratings:9080/ratings/${id}`, headers, TEXTS.ratingsUnavailable);

/**
 * productpage (Python/Flask). The signed-in user comes only from the session cookie and goes
 * downstream as `end-user`; an `end-user` header from the client is not passed on.
 */
export function productpage(secret: Buffer) {
  const userOf = (request: SimRequest) =>
    decodeSession(secret, cookieValue(request.headers.cookie, SESSION_COOKIE)).user;

  const downstreamHeaders = (request: SimRequest) => {
    const headers = propagatedHeaders(request.headers);
    const user = userOf(request);
    if (user !== undefined) headers["end-user"] = user;
    return headers;
  };

  async function productPage(request: SimRequest, context: WorkloadContext): Promise<SimResponse> {
    const headers = downstreamHeaders(request);
    const id = String(PRODUCT_ID);
    const [detailsStatus, details] = await fetchDetails(context, id, headers);
    const [reviewsStatus, reviews] = await fetchReviews(context, id, headers);
    const page = renderProductPage({
      user: userOf(request),
      product: PRODUCT,
      details:
        detailsStatus === 200
          ? { ok: true, value: (details ?? {}) as Record<string, unknown> }
          : { ok: false, error: TEXTS.detailsUnavailable },
      reviews:
        reviewsStatus === 200
          ? { ok: true, value: (reviews ?? {}) as ReviewsBody }
          : { ok: false, error: TEXTS.reviewsUnavailable },
    });
    return html(200, page);
  }

  async function api(path: string, request: SimRequest, context: WorkloadContext): Promise<SimResponse> {
    if (path === "/api/v1/products") return json(200, pythonDumps([PRODUCT]));
    const m = /^\/api\/v1\/products\/([^/]+)(?:\/(reviews|ratings))?$/.exec(path);
    if (!m) return notFoundPage();
    const id = m[1]!;
    const headers = downstreamHeaders(request);
    const fetcher = m[2] === "reviews" ? fetchReviews : m[2] === "ratings" ? fetchRatings : fetchDetails;
    const [status, body] = await fetcher(context, id, headers);
    return json(status, pythonDumps(body));
  }

  function login(request: SimRequest): SimResponse {
    const form = new URLSearchParams(request.body);
    const user = form.get("username") ?? queryOf(request.path).get("username") ?? "";
    const location = request.headers.referer || "/productpage";
    return respond(302, "text/html; charset=utf-8", redirectBody(location), {
      location,
      "set-cookie": setSessionCookie(encodeSession(secret, user)),
    });
  }

  function logout(): SimResponse {
    return respond(302, "text/html; charset=utf-8", redirectBody("/productpage"), {
      location: "/productpage",
      "set-cookie": clearSessionCookie(),
    });
  }

  return async (request: SimRequest, context: WorkloadContext): Promise<SimResponse> => {
    const path = pathOnly(request.path);
    const method = request.method;
    if (path === "/login") return method === "POST" ? login(request) : methodNotAllowedPage("OPTIONS, POST");
    if (method !== "GET" && method !== "HEAD") {
      return path === "/logout" || path === "/productpage" || path.startsWith("/api/v1/products")
        ? methodNotAllowedPage("GET, HEAD, OPTIONS")
        : notFoundPage();
    }
    try {
      if (path === "/productpage") return await productPage(request, context);
      if (path.startsWith("/api/v1/products")) return await api(path, request, context);
    } catch (error) {
      if (error instanceof BadDownstreamJson) return serverErrorPage();
      throw error;
    }
    if (path === "/logout") return logout();
    if (path === "/health") return html(200, TEXTS.productpageHealthy);
    if (path === "/" || path === "/index.html") return html(200, renderIndexPage());
    return notFoundPage();
  };
}

const redirectBody = (location: string) =>
  `<!doctype html>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>Go on to <a href="${location.replace(/"/g, "&quot;")}">${location.replace(/</g, "&lt;")}</a>.</p>\n`;
