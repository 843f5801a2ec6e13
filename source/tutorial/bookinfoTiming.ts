// What Bookinfo's own code does with the time it is given, so a stage can say what a stream's
// page should look like under a fault or a timeout, and why. productpage waits 3 s for reviews
// and tries it twice; reviews v2 waits 10 s for ratings, v3 2.5 s; v1 never calls ratings. A
// route timeout answers 504 when it runs out, which productpage counts as a failed attempt.

import { type ServiceRouting, type StreamRouting, seconds } from "../model/reviewsRouting.ts";

export const PRODUCTPAGE_TIMEOUT_MS = 3000;
export const PRODUCTPAGE_REVIEWS_ATTEMPTS = 2;
export const RATINGS_TIMEOUT_MS: Record<"v2" | "v3", number> = { v2: 10_000, v3: 2500 };

export interface PredictedPage {
  /** What the reviews section shows: a version, or "unavailable" (productpage gave up). */
  reviews: "v1" | "v2" | "v3" | "unavailable";
  /** Whether each review says "Ratings service is currently unavailable". */
  ratingsError: boolean;
  /** About how long the page takes, Bookinfo's own work aside. */
  latencyMs: number;
  /** The chain of waits behind the outcome, in a sentence. */
  because: string;
}

/**
 * The page a stream gets when its routing is certain (one version, faults on every request or
 * none); null when it is a matter of chance (a weighted split, a fault on some requests).
 */
export function predictPage(routing: StreamRouting): PredictedPage | null {
  const reviews = routing.reviews;
  const shares = reviews.shares;
  if (!shares) return null;
  const [outcome, share] = Object.entries(shares).sort(([, a], [, b]) => b - a)[0] ?? [];
  if (!outcome || share === undefined || share < 0.999) return null;
  if (!certain(reviews)) return null;
  const routeTimeout = reviews.timeoutMs;
  const attemptLimit = Math.min(routeTimeout ?? Number.POSITIVE_INFINITY, PRODUCTPAGE_TIMEOUT_MS);
  const giveUp = (attemptMs: number, why: string): PredictedPage => ({
    reviews: "unavailable",
    ratingsError: false,
    latencyMs: attemptMs * PRODUCTPAGE_REVIEWS_ATTEMPTS,
    because: `${why}; productpage tries reviews twice, so it gives up after about ${seconds(attemptMs * PRODUCTPAGE_REVIEWS_ATTEMPTS)}`,
  });

  if (outcome === "unavailable") return giveUp(0, "reviews cannot be reached");
  const reviewsDelay = reviews.fault?.delay?.ms ?? 0;
  if (reviews.fault?.abort)
    return giveUp(reviewsDelay, `the route to reviews answers ${reviews.fault.abort.status}`);
  if (outcome !== "v1" && outcome !== "v2" && outcome !== "v3") return null;

  let callMs = 0;
  let ratingsError = false;
  let ratingsWhy = "";
  if (outcome !== "v1") {
    const ratings = routing.ratings[outcome];
    if (!certain(ratings)) return null;
    const limit = RATINGS_TIMEOUT_MS[outcome];
    const delay = ratings.fault?.delay?.ms ?? 0;
    const ratingsTimeout = ratings.timeoutMs ?? Number.POSITIVE_INFINITY;
    const unreachable = (ratings.shares?.unavailable ?? 0) >= 0.999;
    if (delay >= Math.min(limit, ratingsTimeout)) {
      callMs = Math.min(limit, ratingsTimeout);
      ratingsError = true;
      ratingsWhy =
        ratingsTimeout < limit
          ? `ratings' route times out after ${seconds(ratingsTimeout)}`
          : `reviews ${outcome} waits ${seconds(limit)} for ratings, less than the ${seconds(delay)} delay`;
    } else {
      callMs = delay;
      if (ratings.fault?.abort || unreachable) {
        ratingsError = true;
        ratingsWhy = ratings.fault?.abort
          ? `ratings answers ${ratings.fault.abort.status} (the abort)`
          : "ratings cannot be reached";
      } else if (delay > 0) {
        ratingsWhy = `ratings answers after the ${seconds(delay)} delay`;
      }
    }
  }
  const reviewsMs = reviewsDelay + callMs;
  if (reviewsMs >= attemptLimit) {
    const why =
      routeTimeout !== null && routeTimeout < PRODUCTPAGE_TIMEOUT_MS
        ? `reviews needs ${seconds(reviewsMs)} but its route times out after ${seconds(routeTimeout)} (504)`
        : `reviews needs ${seconds(reviewsMs)}, more than productpage's ${seconds(PRODUCTPAGE_TIMEOUT_MS)} timeout`;
    return giveUp(attemptLimit, ratingsWhy ? `${ratingsWhy}, so ${why}` : why);
  }
  return {
    reviews: outcome,
    ratingsError,
    latencyMs: reviewsMs,
    because:
      ratingsWhy ||
      (outcome === "v1" ? "reviews v1 never calls ratings" : `reviews ${outcome} gets its ratings at once`),
  };
}

/** Whether the rule behaves the same for every request: faults on all of them or none. */
function certain(routing: ServiceRouting): boolean {
  const shares = [routing.fault?.delay?.percent, routing.fault?.abort?.percent];
  return shares.every((p) => p === undefined || p >= 100);
}
