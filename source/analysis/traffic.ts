// What the sampled pages say that configuration alone cannot: GATEWAY_URL answering with another
// namespace's Bookinfo (KBI0001). The page names the reviews pod that rendered it; when that pod
// is not one of the namespace's, someone else's Bookinfo took the request.

import { virtualServiceGateways } from "../model/istioConfig.ts";
import { foreignPages } from "../model/servedBy.ts";
import type { Finding } from "./finding.ts";
import { gatewayServers } from "./gateways.ts";
import { routeThrough } from "./ingress.ts";
import { messages } from "./messages.ts";
import { fullName, type MeshView, namespaceOf, ref } from "./view.ts";

/** How many of the latest samples are looked at: enough to see, recent enough to be current. */
const RECENT = 20;

export function analyzeTraffic(view: MeshView): Finding[] {
  const { snapshot, namespace: ns } = view;
  if (!snapshot.gateway) return [];
  const foreign = foreignPages(snapshot, snapshot.samples.slice(-RECENT));
  const latest = foreign.at(-1);
  if (!latest) return [];
  const url = snapshot.gateway.url;
  const host = hostOf(url);
  const winner = routeThrough(
    view,
    view.gateways.map((gateway) => ({ gateway, hosts: gatewayServers(gateway).flatMap((s) => s.hosts) })),
    host,
    "/productpage",
  );
  const owner = winner && namespaceOf(winner, ns) !== ns ? namespaceOf(winner, ns) : undefined;
  const whose = owner ? `${owner}'s Bookinfo` : "another namespace's Bookinfo";
  const pod = latest.reviewsPod ? `reviews pod ${latest.reviewsPod}` : "its reviews pod";
  // A namespace that binds its own routes to a gateway expects these pages to be its own.
  const expectsOwn = snapshot.virtualServices.some((vs) =>
    virtualServiceGateways(vs).some((g) => g !== "mesh"),
  );
  const by = winner && owner ? ` (VirtualService ${fullName(winner, ns)} takes /productpage first)` : "";
  return [
    {
      ...messages.productPageServedElsewhere(
        expectsOwn ? "Error" : "Warning",
        `The product page at ${url} is served by ${whose}${by}: ${pod} is not in namespace ${ns}.`,
      ),
      object: { kind: "Namespace", name: ns },
      related: winner && owner ? [ref("VirtualService", winner, ns)] : [],
      summary: `GATEWAY_URL answers with ${whose}, not namespace ${ns}'s (${pod} is not in ${ns})`,
      fix: expectsOwn
        ? {
            lead: `a Gateway of another namespace claims the same host and port on the shared ingress gateway, and its routes are older`,
            steps: [{ do: "run", command: "kubectl get gateways,virtualservices --all-namespaces" }],
          }
        : {
            lead: `namespace ${ns}'s Bookinfo answers once it is deployed and exposed, if no other namespace claims the same host and port`,
            steps: [],
          },
    },
  ];
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "*";
  }
}
