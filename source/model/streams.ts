// The sampler's streams: the same product page requested anonymously and as a signed-in user.
// Request routing by user identity, and the fault-injection rules of Istio's tasks, match the
// `end-user` header productpage sets from its session, so a second stream signed in as jason is
// what shows them working.

import type { Sample, Snapshot } from "./snapshot.ts";

export const ANONYMOUS = "anonymous";
export const JASON = "jason";

/** The streams every sampler keeps, in the order views show them. */
export const STREAMS = [ANONYMOUS, JASON] as const;
export type StreamName = (typeof STREAMS)[number];

/** What the sampler calls itself; productpage passes it on to reviews, where a rule could match it. */
export const SAMPLER_USER_AGENT = "kubectl-bookinfo";

/** The user a stream signs in as through productpage's /login, or null for the anonymous one. */
export function streamUser(stream: string): string | null {
  return stream === ANONYMOUS ? null : stream;
}

/**
 * The headers productpage sends downstream for a page requested by this stream: the user agent
 * it was asked with and, once signed in, `end-user` from its session (never a client's header).
 */
export function streamHeaders(stream: string): Record<string, string> {
  const user = streamUser(stream);
  return user === null
    ? { "user-agent": SAMPLER_USER_AGENT }
    : { "user-agent": SAMPLER_USER_AGENT, "end-user": user };
}

export function streamOf(sample: Sample): string {
  return sample.stream ?? ANONYMOUS;
}

/** The stream's samples, oldest first, optionally only those started at or after `since`. */
export function streamSamples(samples: readonly Sample[], stream: string, since = 0): Sample[] {
  return samples.filter((s) => streamOf(s) === stream && s.at >= since);
}

/** Samples taken since the routing last changed (what a routing stage is judged by). */
export function samplesSinceRouting(snapshot: Snapshot, stream: string): Sample[] {
  return streamSamples(snapshot.samples, stream, snapshot.routingChangedAt);
}

/**
 * What a sample says about the reviews routing: the version that rendered the page, or
 * "unavailable" when the page came back without its reviews; null when it says nothing (an
 * error page, no answer, a page no version could be read from).
 */
export function reviewsOutcome(sample: Sample): string | null {
  if (sample.code !== 200 || sample.signedIn === false) return null;
  if (sample.version) return sample.version;
  if (sample.pageErrors?.includes("reviews")) return "unavailable";
  return null;
}

/** Counts of reviews outcomes over samples. */
export function outcomeCounts(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    const outcome = reviewsOutcome(sample);
    if (outcome !== null) counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}
