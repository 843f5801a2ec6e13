import { seconds } from "../../model/reviewsRouting.ts";
import type { Sample } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON } from "../../model/streams.ts";
import {
  PRODUCTPAGE_TIMEOUT_MS,
  type PredictedPage,
  predictPage,
  RATINGS_TIMEOUT_MS,
} from "../bookinfoTiming.ts";
import { fix } from "../fix.ts";
import { BOTH_STREAMS, medianLatency, recentPages, routingStage } from "../routing/routingStage.ts";
import type { StageCheck } from "../stage.ts";

/** Pages of each stream that must show the predicted outcome. */
const PAGES = 2;

export const DELAY_CHOICES = [
  { label: "7 s (the docs' delay: longer than productpage waits)", parameters: { delayMs: 7000 } },
  { label: "2 s (shorter than productpage's 3 s timeout: the fix)", parameters: { delayMs: 2000 } },
];

export const faultDelay = routingStage({
  id: "fault-delay",
  title: "Delay ratings for jason",
  why:
    "Fault injection finds bugs in how services wait for each other. A 7 s delay on jason's calls to ratings should " +
    "only slow his stars down, since reviews v2 waits 10 s for ratings. But productpage waits only 3 s for reviews, " +
    "twice, and gives up first; the anonymous stream never matches the rule.",
  target: "a 7 s delay on jason's calls to ratings, jason to reviews v2",
  // Each of jason's pages takes about 6 s.
  timeoutMs: 90_000,
  evidence: { samples: PAGES + 1, streams: BOTH_STREAMS },
  choice: {
    prompt: "How long should jason's calls to ratings be delayed?",
    flag: "--delay",
    options: DELAY_CHOICES,
    default: 0,
  },
  judge(snapshot, routing) {
    const predicted = predictPage(routing.jason);
    const delay = routing.jason.ratings.v2.fault?.delay?.ms ?? 0;
    const jason = recentPages(snapshot, JASON, PAGES);
    const anonymous = recentPages(snapshot, ANONYMOUS, PAGES);
    const anonymousOk = anonymous.length >= PAGES && anonymous.every((s) => s.version === "v1");
    const seen = `jason: ${describePages(jason)}; anonymous: ${describePages(anonymous)}`;
    if (!predicted) return { state: "pending", detail: seen };
    const shows = jason.length >= PAGES && jason.every((s) => showsPrediction(s, predicted));
    if (!shows || !anonymousOk) {
      const waiting =
        jason.length < PAGES ? ` (each of jason's pages takes about ${seconds(predicted.latencyMs)})` : "";
      return { state: "pending", detail: `${seen}${waiting}` };
    }
    return {
      state: "done",
      detail: `jason: ${describePages(jason)}; anonymous: ${describePages(anonymous)}`,
      explain: explanation(delay, predicted, jasonVersion(routing.jason.shares)),
      ...(delay >= PRODUCTPAGE_TIMEOUT_MS ? { offer: shorterDelay() } : {}),
    } satisfies StageCheck;
  },
});

function explanation(delay: number, predicted: PredictedPage, version: string): string {
  const limit = seconds(PRODUCTPAGE_TIMEOUT_MS);
  if (predicted.reviews === "unavailable") {
    const waits =
      version === "v2" || version === "v3" ? ` (it waits up to ${seconds(RATINGS_TIMEOUT_MS[version])})` : "";
    return (
      `productpage gives reviews ${limit} and tries twice, so after about ${seconds(predicted.latencyMs)} it shows ` +
      `"Sorry, product reviews are currently unavailable for this book." while reviews ${version} still waits out the ` +
      `${seconds(delay)} delay on ratings${waits}. The timeouts are the bug, not the delay; anonymous pages never match the rule.`
    );
  }
  if (predicted.ratingsError) {
    return `reviews ${predicted.reviews} gives ratings less time than the ${seconds(delay)} delay, so after about ${seconds(predicted.latencyMs)} jason's page shows "Ratings service is currently unavailable". Anonymous pages never match the rule.`;
  }
  return `The ${seconds(delay)} delay ends within productpage's ${limit} timeout, so jason's page waits for ratings and shows its stars after about ${seconds(predicted.latencyMs)}. Anonymous pages never match the rule.`;
}

function shorterDelay() {
  return fix(
    "a delay shorter than productpage's 3 s timeout, e.g. 2 s, lets jason's page wait for ratings: stars again after about 2 s",
    { do: "rerun", stage: "fault-delay", flag: "--delay 2s", option: "2 s" },
  );
}

/** Whether a page looks as predicted: the same reviews outcome, and about the predicted wait. */
export function showsPrediction(sample: Sample, predicted: PredictedPage): boolean {
  const outcome =
    predicted.reviews === "unavailable"
      ? sample.pageErrors?.includes("reviews")
      : sample.version === predicted.reviews;
  if (!outcome) return false;
  if (
    predicted.reviews !== "unavailable" &&
    (sample.pageErrors?.includes("ratings") ?? false) !== predicted.ratingsError
  )
    return false;
  // Bookinfo's own work and the network add a little; a wait far shorter is some other page.
  return sample.latencyMs >= predicted.latencyMs * 0.8 && sample.latencyMs <= predicted.latencyMs + 2500;
}

/** "reviews unavailable after 6.0 s (2 pages)" / "v2 in 40 ms (5 pages)". */
export function describePages(pages: Sample[]): string {
  if (pages.length === 0) return "no pages yet";
  const unavailable = pages.filter((s) => s.pageErrors?.includes("reviews")).length;
  const versions = [...new Set(pages.map((s) => s.version).filter((v) => v !== undefined))].sort();
  const ratings = pages.filter((s) => s.pageErrors?.includes("ratings")).length;
  const what =
    unavailable === pages.length
      ? "reviews unavailable"
      : unavailable > 0
        ? `${versions.join("/")}, ${unavailable} without reviews`
        : versions.join("/");
  const ratingsText = ratings > 0 ? `, ratings unavailable on ${ratings}` : "";
  const when = unavailable === pages.length ? "after" : "in";
  return `${what}${ratingsText} ${when} ${medianLatency(pages)} (${pages.length} page${pages.length === 1 ? "" : "s"})`;
}

/** The version jason's calls to reviews go to, when it is one. */
function jasonVersion(shares: Record<string, number> | null): string {
  return Object.entries(shares ?? {}).find(([, share]) => share >= 0.999)?.[0] ?? "v2";
}
