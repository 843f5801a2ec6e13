import { seconds } from "../../model/reviewsRouting.ts";
import { predictPage } from "../bookinfoTiming.ts";
import { BOTH_STREAMS, recentPages, routingStage } from "../routing/routingStage.ts";
import { describePages, showsPrediction } from "./faultDelay.ts";

const PAGES = 3;

export const timeout = routingStage({
  id: "timeout",
  title: "Give reviews a 0.5 s timeout",
  why:
    "A route timeout bounds how long a caller waits. With ratings delayed 2 s, reviews v2 takes about 2 s; a 0.5 s " +
    "timeout on the route to reviews makes the sidecar answer 504 instead. productpage tries reviews twice, so the " +
    "page comes after about 1 s, without reviews, for every user.",
  target: "reviews to v2 with a 0.5 s timeout, ratings delayed 2 s",
  timeoutMs: 60_000,
  evidence: { samples: PAGES + 2, streams: BOTH_STREAMS },
  judge(snapshot, routing) {
    const streams = [routing.anonymous, routing.jason];
    const pages = streams.map((r) => recentPages(snapshot, r.stream, PAGES));
    const predicted = streams.map(predictPage);
    const detail = streams.map((r, i) => `${r.stream}: ${describePages(pages[i]!)}`).join("; ");
    const done = streams.every((_, i) => {
      const expected = predicted[i];
      return expected && pages[i]!.length >= PAGES && pages[i]!.every((s) => showsPrediction(s, expected));
    });
    if (!done) return { state: "pending", detail };
    const limit = routing.anonymous.reviews.timeoutMs ?? 0;
    const page = predicted[0]!;
    const version = Object.entries(routing.anonymous.shares ?? {}).find(([, share]) => share >= 0.999)?.[0];
    const delay =
      version === "v2" || version === "v3" ? routing.anonymous.ratings[version].fault?.delay?.ms : undefined;
    const needs = delay
      ? `reviews ${version} needs ${seconds(delay)} (ratings is delayed ${seconds(delay)})`
      : "reviews needs longer";
    return {
      state: "done",
      detail,
      explain:
        page.reviews === "unavailable"
          ? `Each call to reviews may take ${seconds(limit)}, but ${needs}: the sidecar answers 504 instead. productpage tries twice, so every page comes after about ${seconds(page.latencyMs)}, without reviews; without the timeout it would wait and show stars.`
          : `${page.because.charAt(0).toUpperCase()}${page.because.slice(1)}, within the ${seconds(limit)} timeout: the pages are unaffected.`,
    };
  },
});
