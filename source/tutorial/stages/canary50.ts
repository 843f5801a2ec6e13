import type { Shares } from "../../model/reviewsRouting.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import {
  MIN_SAMPLES,
  type SplitVerdict,
  samplesNeeded,
  splitVerdict,
  TEST_DESCRIPTION,
} from "../../model/splitVerdict.ts";
import { outcomeCounts, reviewsOutcome, samplesSinceRouting } from "../../model/streams.ts";
import { BOTH_STREAMS, routingStage } from "../routing/routingStage.ts";
import type { LessonRouting } from "../routing/sequence.ts";
import type { StageParameters } from "../stage.ts";

/** The shares of v3 the tour offers, as the UI lists them. */
export const CANARY_CHOICES: { label: string; parameters: StageParameters }[] = [10, 20, 50, 80].map(
  (v3) => ({
    label: `${v3} % to v3 (v1 ${100 - v3} / v3 ${v3})${v3 === 50 ? ", the docs' canary" : ""}`,
    parameters: { weights: { v1: 100 - v3, v3 } },
  }),
);

export const canary50 = routingStage({
  id: "canary-50",
  title: "Canary: shift 50 % of reviews to v3",
  why:
    "Traffic shifting moves a share of the calls to a new version (a canary) by weight. Each call picks v1 or v3 at " +
    "random, so refreshing the page a few times proves little. The tour counts every sample and tests the measured " +
    "split against the configured weights: done once they are consistent.",
  target: "reviews split by weight between v1 and v3",
  timeoutMs: 120_000,
  // Half the verdict's minimum from each stream: both get the same weights, so they pool.
  evidence: { samples: Math.ceil(MIN_SAMPLES / 2) + 5, streams: BOTH_STREAMS },
  choice: {
    prompt: "How much of the reviews traffic should go to v3?",
    flag: "--weights",
    options: CANARY_CHOICES,
    default: 2,
  },
  judge(snapshot, routing) {
    const verdicts = canaryVerdicts(snapshot, routing);
    if (verdicts.length === 0)
      return { state: "pending", detail: "the configured split is unknown (no ready reviews pods)" };
    const detail = verdicts.map(({ streams, verdict }) => `${verdict.text}${label(streams)}`).join("; ");
    if (!verdicts.every(({ verdict }) => verdict.state === "consistent")) return { state: "pending", detail };
    return {
      state: "done",
      detail,
      explain: `Tested with ${TEST_DESCRIPTION}: a 70/30 split measured where 50/50 is configured fails it with 99 % probability. Both streams get the same weights, so their samples count together.`,
    };
  },
});

export interface StreamVerdict {
  /** The streams whose samples were pooled (their configured splits are the same). */
  streams: string[];
  verdict: SplitVerdict;
}

/**
 * The verdict for each group of streams configured alike: requests of both streams take the
 * same weighted pick when no rule tells them apart, so their samples pool. The test is taken
 * once, over the first samples after the routing changed (as many as it needs), so its verdict
 * does not wander as more samples come: looking again and again at a growing sample would make
 * a chance dip below the threshold a matter of time.
 */
export function canaryVerdicts(snapshot: Snapshot, routing: LessonRouting): StreamVerdict[] {
  const groups = new Map<string, { shares: Shares; streams: string[] }>();
  for (const stream of [routing.anonymous, routing.jason]) {
    if (!stream.shares) continue;
    const key = JSON.stringify(
      Object.entries(stream.shares)
        .map(([k, v]) => [k, Math.round(v * 1e6)])
        .sort(),
    );
    const group = groups.get(key) ?? { shares: stream.shares, streams: [] };
    group.streams.push(stream.stream);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ shares, streams }) => {
    const pages = streams
      .flatMap((s) => samplesSinceRouting(snapshot, s))
      .filter((s) => reviewsOutcome(s) !== null)
      .sort((a, b) => a.at - b.at)
      .slice(0, samplesNeeded(shares));
    return { streams, verdict: splitVerdict(outcomeCounts(pages), shares) };
  });
}

function label(streams: string[]): string {
  return streams.length === BOTH_STREAMS.length ? " (both streams)" : ` (${streams.join(", ")})`;
}
