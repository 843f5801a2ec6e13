import type { Sample, Snapshot } from "../../model/snapshot.ts";
import { reviewsOutcome, samplesSinceRouting } from "../../model/streams.ts";
import { BOTH_STREAMS, routingStage } from "../routing/routingStage.ts";

/** Recent pages of each stream that must all be v3. */
const PAGES = 10;

export const canary100 = routingStage({
  id: "canary-100",
  title: "Canary: all reviews to v3",
  why:
    "The canary looked good, so every call goes to v3 now. The change takes a moment to reach every sidecar; the " +
    "tour times how long after the change the first v3 page came, and from when on every page was v3.",
  target: "every call to reviews v3",
  timeoutMs: 60_000,
  evidence: { samples: PAGES + 5, streams: BOTH_STREAMS },
  judge(snapshot) {
    const pages = BOTH_STREAMS.map((stream) =>
      samplesSinceRouting(snapshot, stream).filter((s) => reviewsOutcome(s) !== null),
    );
    const recent = pages.map((list) => list.slice(-PAGES));
    const v3 = recent.flat().filter((s) => s.version === "v3").length;
    const total = recent.flat().length;
    const allV3 = recent.every((list) => list.length >= PAGES && list.every((s) => s.version === "v3"));
    const timing = convergence(snapshot, pages.flat());
    const detail = `v3 on ${v3} of ${total} recent pages${total < PAGES * BOTH_STREAMS.length ? ` (waiting for ${PAGES} of each stream)` : ""}${timing}`;
    if (!allV3) return { state: "pending", detail };
    return {
      state: "done",
      detail: `v3 100 % (${v3} of ${total} recent pages)${timing}`,
      explain:
        "The routing change reaches each sidecar a moment after it is applied; the pages started before that still " +
        "went by the old weights. From the time shown on, every page of both streams was v3.",
    };
  },
});

/** "; first v3 page 0.3 s after the change, all v3 from 0.3 s", when the change was seen happen. */
function convergence(snapshot: Snapshot, pages: Sample[]): string {
  const changed = snapshot.routingChangedAt;
  if (changed === 0) return "";
  const byStart = [...pages].sort((a, b) => a.at - b.at);
  const seenAt = (s: Sample) => s.at + s.latencyMs - changed;
  const first = byStart.find((s) => s.version === "v3");
  if (!first) return "";
  const lastOther = byStart.findLastIndex((s) => s.version !== "v3");
  const from = byStart[lastOther + 1];
  const all = from ? `, all v3 from ${secondsText(seenAt(from))}` : "";
  return `; first v3 page ${secondsText(seenAt(first))} after the change${all}`;
}

function secondsText(ms: number): string {
  const at = Math.max(0, ms);
  return at < 1000 ? `${Math.round(at)} ms` : `${(at / 1000).toFixed(1)} s`;
}
