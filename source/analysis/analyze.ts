// The mesh analysis: what is wrong with the Istio configuration the tour's namespace depends on,
// in istioctl analyze's codes and words, computed from one Snapshot. Pure: no I/O, so the tour
// can run it on every change, `status` and `analyze` on their one round of lists, and tests on a
// handful of objects.
//
// Each analyzer reads the whole view and reports on the namespace's own objects, as
// `istioctl analyze -n NS` does. The Kubernetes Gateway API's analyzers join this list once the
// tour reads Gateway API objects: Istio reports an HTTPRoute that is not accepted or whose
// backendRef does not resolve from its status conditions (IST0171 NegativeConditionStatus,
// type=Accepted / type=ResolvedRefs), which an analyzer of the same shape as these reads.

import type { Snapshot } from "../model/snapshot.ts";
import { analyzeCoverage } from "./coverage.ts";
import { analyzeDestinationRules } from "./destinationRules.ts";
import { type Finding, sortFindings } from "./finding.ts";
import { analyzeGateways } from "./gateways.ts";
import { analyzeInjection } from "./injection.ts";
import { analyzeTraffic } from "./traffic.ts";
import { type MeshView, meshView } from "./view.ts";
import { analyzeVirtualServices } from "./virtualServices.ts";

export type Analyzer = (view: MeshView) => Finding[];

export const ANALYZERS: readonly Analyzer[] = [
  analyzeInjection,
  analyzeGateways,
  analyzeVirtualServices,
  analyzeDestinationRules,
  analyzeTraffic,
  analyzeCoverage,
];

/** Every finding for the snapshot's namespace, in istioctl's order. None without Istio. */
export function analyze(snapshot: Snapshot): Finding[] {
  if (!snapshot.istio.installed) return [];
  const view = meshView(snapshot);
  return sortFindings(ANALYZERS.flatMap((analyzer) => analyzer(view)));
}
