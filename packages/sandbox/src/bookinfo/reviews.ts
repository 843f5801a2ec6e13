import { pathOnly, type SimRequest, type SimResponse } from "../dataplane/http.ts";
import type { WorkloadContext } from "../dataplane/workload.ts";
import { REVIEWS, TEXTS } from "./catalog.ts";
import { json, notFoundPage, pathParam, propagatedHeaders } from "./respond.ts";

/** How an image version of reviews behaves (its build arguments). */
export function reviewsFlavour(
  version: string,
): { starColor: "black" | "red"; ratingsTimeoutMs: number } | undefined {
  if (version === "v2") return { starColor: "black", ratingsTimeoutMs: 10_000 };
  if (version === "v3") return { starColor: "red", ratingsTimeoutMs: 2_500 };
  return undefined;
}

/** Reviewer -> stars, or undefined when ratings gave no usable answer. */
type Stars = Readonly<Record<string, number>> | undefined;

/** The body reviews builds by string concatenation; `id` is a string in it. */
export function reviewsJson(
  id: string,
  podName: string,
  color: "black" | "red" | undefined,
  stars: Stars,
): string {
  const entries = REVIEWS.map(({ reviewer, text }) => {
    let entry = `{  "reviewer": ${JSON.stringify(reviewer)},  "text": ${JSON.stringify(text)}`;
    if (color) {
      const n = stars?.[reviewer];
      entry +=
        typeof n === "number"
          ? `, "rating": {"stars": ${n}, "color": "${color}"}`
          : `, "rating": {"error": "${TEXTS.ratingUnavailableInReview}"}`;
    }
    return `${entry}}`;
  });
  return `{"id": "${id}","podname": ${JSON.stringify(podName)},"clustername": "null","reviews": [${entries.join(",")}]}`;
}

/** reviews (Java): v1 never calls ratings, v2 and v3 do, with their own timeouts. */
export function reviews(version: string) {
  const flavour = reviewsFlavour(version);
  return async (request: SimRequest, context: WorkloadContext): Promise<SimResponse> => {
    const path = pathOnly(request.path);
    if (path === "/health") return json(200, '{"status": "Reviews is healthy"}');
    const idText = pathParam(path, "/reviews/");
    // The path parameter is an int: anything else does not match the resource at all.
    if (idText === undefined || !/^[+-]?\d{1,9}$/.test(idText)) return notFoundPage();
    const id = String(Number.parseInt(idText, 10));
    let stars: Stars;
    if (flavour) {
      try {
        const response = await context.fetch(`http://ratings:9080/ratings/${id}`, {
          headers: forwarded(request.headers),
          timeoutMs: flavour.ratingsTimeoutMs,
        });
        if (response.status === 200)
          stars = (JSON.parse(response.body) as { ratings?: Record<string, number> }).ratings;
      } catch {
        stars = undefined;
      }
    }
    return json(200, reviewsJson(id, context.pod.metadata.name ?? "", flavour?.starColor, stars));
  };
}

function forwarded(incoming: Readonly<Record<string, string>>): Record<string, string> {
  const headers = propagatedHeaders(incoming);
  if (incoming["end-user"] !== undefined) headers["end-user"] = incoming["end-user"];
  return headers;
}
