import type { Sample } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON } from "../../model/streams.ts";
import { BOTH_STREAMS, recentPages, routingStage, tally } from "../routing/routingStage.ts";

/** How many recent pages of each stream must agree. */
export const RECENT_PAGES = 5;

const v = (version: string) => (s: Sample) => s.version === version;

export const routeJason = routingStage({
  id: "route-jason",
  title: "Route jason to reviews v2",
  why:
    "Request routing by user identity: a VirtualService rule can match a request header. Once jason signs in, " +
    "productpage adds `end-user: jason` to its calls, so a first rule matching that header sends him to reviews v2 " +
    "(black stars) while everyone else falls through to v1. The samples panel keeps a second stream signed in as jason.",
  target: "jason to reviews v2, everyone else to v1",
  timeoutMs: 60_000,
  evidence: { samples: 10, streams: BOTH_STREAMS },
  judge(snapshot) {
    const jason = recentPages(snapshot, JASON, RECENT_PAGES);
    const anonymous = recentPages(snapshot, ANONYMOUS, RECENT_PAGES);
    const detail = `jason: ${tally(jason, RECENT_PAGES, "v2", v("v2"))}; anonymous: ${tally(anonymous, RECENT_PAGES, "v1", v("v1"))}`;
    const done =
      jason.length >= RECENT_PAGES &&
      anonymous.length >= RECENT_PAGES &&
      jason.every(v("v2")) &&
      anonymous.every(v("v1"));
    if (!done) return { state: "pending", detail };
    return {
      state: "done",
      detail,
      explain:
        "productpage sends `end-user: jason` with every call once jason has signed in; the first rule of " +
        "VirtualService reviews matches that header and takes his calls to v2. Anonymous calls match no header and " +
        "fall through to the second rule, v1.",
    };
  },
});
