import type { Sample } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON } from "../../model/streams.ts";
import { BOTH_STREAMS, recentPages, routingStage, tally } from "../routing/routingStage.ts";

const PAGES = 5;
const ratingsError = (s: Sample) => s.pageErrors?.includes("ratings") ?? false;

export const faultAbort = routingStage({
  id: "fault-abort",
  title: "Abort ratings for jason",
  why:
    "An abort makes the caller's sidecar answer jason's calls to ratings with HTTP 500 at once, as a crashed " +
    "service would. reviews v2 copes: the page still comes back fast, each review saying the ratings service is " +
    "currently unavailable. Only jason's stream is affected; the count is kept per stream.",
  target: "an HTTP 500 abort on jason's calls to ratings",
  timeoutMs: 60_000,
  evidence: { samples: 10, streams: BOTH_STREAMS },
  judge(snapshot) {
    const jason = recentPages(snapshot, JASON, PAGES);
    const anonymous = recentPages(snapshot, ANONYMOUS, PAGES);
    const phrase = `"Ratings service is currently unavailable"`;
    const detail = `jason: ${tally(jason, PAGES, phrase, ratingsError)}; anonymous: ${tally(anonymous, PAGES, phrase, ratingsError)}`;
    const done =
      jason.length >= PAGES &&
      anonymous.length >= PAGES &&
      jason.every((s) => ratingsError(s) && s.version === "v2") &&
      !anonymous.some(ratingsError);
    if (!done) return { state: "pending", detail };
    return {
      state: "done",
      detail,
      explain:
        'jason\'s calls to ratings never reach it: the sidecar of reviews v2 answers 500 ("fault filter abort") at ' +
        "once, and reviews shows the rating error instead of stars. The page itself is 200 and fast. Anonymous calls " +
        "match no rule for jason: they reach reviews v1, which never calls ratings.",
    };
  },
});
