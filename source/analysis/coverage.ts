// What the analysis could not look at with this user's rights (KBI0002), so that silence about a
// conflict on the shared ingress gateway is never taken for "no conflict".

import type { Finding } from "./finding.ts";
import { messages } from "./messages.ts";
import type { MeshView } from "./view.ts";

const CHECKS = [
  {
    resources: ["clusterGateways", "clusterVirtualServices"] as const,
    what: "Gateways and VirtualServices of other namespaces (conflicts on the shared ingress gateway)",
    command: "kubectl auth can-i list gateways.networking.istio.io --all-namespaces",
  },
  {
    resources: ["ingressPods", "ingressService"] as const,
    what: "the ingress gateway's pods and Service (Gateway selectors and ports)",
    command: "kubectl auth can-i list pods -n istio-system",
  },
  {
    resources: ["namespace"] as const,
    what: "the namespace's injection labels",
    command: "kubectl auth can-i get namespaces",
  },
];

export function analyzeCoverage(view: MeshView): Finding[] {
  const { unreadable } = view.snapshot;
  const missed = CHECKS.filter((c) => c.resources.some((r) => unreadable[r] !== undefined));
  if (missed.length === 0) return [];
  const what = missed.map((c) => c.what);
  const list = what.length === 1 ? what[0]! : `${what.slice(0, -1).join(", ")} and ${what.at(-1)}`;
  return [
    {
      ...messages.analysisIncomplete(`Not checked, because this context may not read them: ${list}.`),
      object: { kind: "Namespace", name: view.namespace },
      related: [],
      summary: `not checked with this context's rights: ${list}`,
      fix: {
        lead: "a cluster admin can run the same analysis, or grant list rights on these",
        steps: missed.map((c) => ({ do: "ask" as const, who: "your cluster admin", command: c.command })),
      },
    },
  ];
}
