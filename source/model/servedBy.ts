// Whose Bookinfo answered a sampled product page. GATEWAY_URL is the shared ingress gateway, so
// a page can come from another namespace's Bookinfo (another Gateway claims the same host first)
// while this namespace's is missing or unreachable. The page names the reviews pod that rendered
// it ("Reviews served by: <pod>"); the namespace's pods are known, so a page is this namespace's
// only when that pod is one of them (or was, until a rollout replaced it).

import type { Sample, Snapshot } from "./snapshot.ts";

export type PageOwner =
  /** Rendered with a reviews pod of this namespace. */
  | "own"
  /** Rendered by a reviews pod this namespace does not have. */
  | "foreign"
  /** Not a product page that says (an error, an old page without the pod line). */
  | "unknown";

export function pageOwner(snapshot: Snapshot, sample: Sample): PageOwner {
  if (sample.code !== 200) return "unknown";
  if (sample.reviewsPod) {
    const name = sample.reviewsPod;
    const ours = snapshot.pods.some((p) => p.metadata.name === name) || snapshot.departedPods.includes(name);
    return ours ? "own" : "foreign";
  }
  // A page that shows a reviews version while the namespace runs no reviews pod at all came from
  // elsewhere, even when it does not name its pod (the older page template).
  if (sample.version && !snapshot.pods.some((p) => p.metadata.labels?.app === "reviews")) return "foreign";
  return "unknown";
}

/** The samples, of those given, that another namespace's Bookinfo answered. */
export function foreignPages(snapshot: Snapshot, samples: readonly Sample[]): Sample[] {
  return samples.filter((s) => pageOwner(snapshot, s) === "foreign");
}
