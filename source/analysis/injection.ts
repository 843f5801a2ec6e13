// Sidecar injection, as Istio's injection analyzer sees it: the namespace's labels (IST0102,
// IST0123) and, in a namespace labelled istio-injection=enabled, pods without the proxy (IST0103).

import type { Pod } from "../model/kube.ts";
import type { Finding } from "./finding.ts";
import { messages } from "./messages.ts";
import type { MeshView } from "./view.ts";

const INJECTION = "istio-injection";
const REVISION = "istio.io/rev";
const DATAPLANE_MODE = "istio.io/dataplane-mode";
const PROXY = "istio-proxy";

export function analyzeInjection(view: MeshView): Finding[] {
  const { snapshot, namespace: ns } = view;
  const object = snapshot.namespaceObject;
  // Unreadable (a user whose rights end at the namespace) or not there yet: nothing to judge.
  if (!object || ns === "istio-system") return [];
  const labels = object.metadata.labels ?? {};
  const findings: Finding[] = [];
  const namespaceRef = { kind: "Namespace", name: ns };

  const injection = labels[INJECTION];
  const istioLabels = injection !== undefined ? [`${INJECTION}=${injection}`] : [];
  for (const label of [REVISION, DATAPLANE_MODE]) {
    if (labels[label] !== undefined && (injection === undefined || injection === "enabled"))
      istioLabels.push(`${label}=${labels[label]}`);
  }
  if (istioLabels.length > 1) {
    findings.push({
      ...messages.namespaceMultipleInjectionLabels(istioLabels),
      object: namespaceRef,
      related: [],
      summary: `namespace ${ns} has ${istioLabels.join(" and ")}: keep one injection label`,
      fix: {
        lead: "keep one injection label",
        steps: [{ do: "run", command: `kubectl label namespace ${ns} ${otherThanFirst(istioLabels)}` }],
      },
    });
  }
  if (labels[DATAPLANE_MODE] === "ambient") return findings;

  if (!injection && labels[REVISION] === undefined) {
    findings.push({
      ...messages.namespaceNotInjected(ns),
      object: namespaceRef,
      related: [],
      summary: `namespace ${ns} is not labelled for sidecar injection`,
      fix: { steps: [{ do: "label", namespace: ns, labels: { [INJECTION]: "enabled" } }] },
    });
    return findings;
  }
  // Any other value of the label turns injection off on purpose; a revision label alone is
  // Istio's analyzer's blind spot, which it does not check pods for either.
  if (injection !== "enabled") return findings;

  for (const pod of snapshot.pods) {
    if (!counts(pod) || hasProxy(pod)) continue;
    const name = pod.metadata.name ?? "";
    const deployment = owningDeployment(view, pod);
    findings.push({
      ...messages.podMissingProxy(`${ns}/${name}`),
      object: { kind: "Pod", namespace: ns, name },
      related: deployment ? [{ kind: "Deployment", namespace: ns, name: deployment }] : [],
      summary: `pod ${name} runs without the Istio proxy; pods get it when they are created again`,
      fix: deployment
        ? { steps: [{ do: "restart", namespace: ns, deployments: [deployment] }] }
        : { steps: [{ do: "delete-pods", namespace: ns, pods: [name] }] },
    });
  }
  return findings;
}

/** Pods the injector would have handled: live, not opted out, not on the host's network. */
function counts(pod: Pod): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const inject =
    pod.metadata.labels?.["sidecar.istio.io/inject"] ?? pod.metadata.annotations?.["sidecar.istio.io/inject"];
  if (inject?.toLowerCase() === "false") return false;
  return !pod.spec?.hostNetwork;
}

function hasProxy(pod: Pod): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c) => c.name === PROXY);
}

function owningDeployment(view: MeshView, pod: Pod): string | undefined {
  const labels = pod.metadata.labels ?? {};
  return view.snapshot.deployments.find((d) => {
    const match = (d.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector
      ?.matchLabels;
    return match && Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v);
  })?.metadata.name;
}

/** `key-` for every label but the first, the one Istio's webhook obeys. */
function otherThanFirst(labels: string[]): string {
  return labels
    .slice(1)
    .map((l) => `${l.split("=")[0]}-`)
    .join(" ");
}
