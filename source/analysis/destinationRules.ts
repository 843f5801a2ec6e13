// The namespace's DestinationRules against the Services and pods they describe: subsets no pod
// has the labels of (IST0173), hosts that are no Service (IST0174), and TLS to a server whose
// certificate nothing verifies (IST0128, IST0129).

import {
  destinationRuleHost,
  destinationRuleSubsets,
  httpRoutes,
  isIstioNetworking,
} from "../model/istioConfig.ts";
import type { KubeObject } from "../model/kube.ts";
import type { Finding } from "./finding.ts";
import { serviceOf } from "./hosts.ts";
import { messages } from "./messages.ts";
import { fullName, type MeshView, namespaceOf, ref, selectorString, selects } from "./view.ts";

export function analyzeDestinationRules(view: MeshView): Finding[] {
  const findings: Finding[] = [];
  for (const dr of view.snapshot.destinationRules) {
    if (!isIstioNetworking(dr)) continue;
    findings.push(...subsets(view, dr), ...tls(view, dr));
  }
  return findings;
}

function subsets(view: MeshView, dr: KubeObject): Finding[] {
  const ns = view.namespace;
  const host = destinationRuleHost(dr);
  const object = ref("DestinationRule", dr, ns);
  const target = serviceOf(host, object.namespace ?? ns);
  // Hosts of other namespaces and outside the cluster (ServiceEntries) are not read here.
  if (!target || target.namespace !== ns) return [];
  const service = view.snapshot.services.find((s) => s.metadata.name === target.name);
  if (!service) {
    return [
      {
        ...messages.unknownDestinationRuleHost(host),
        object,
        related: [{ kind: "Service", ...target }],
        summary: `DestinationRule ${fullName(dr, ns)} is for ${host}, and namespace ${ns} has no Service ${target.name}`,
        fix: {
          lead: `deploy Service ${target.name}, or set spec.host to one that exists`,
          steps: [{ do: "run", command: `kubectl -n ${ns} get services` }],
        },
        ...(routed(view, target.name) ? {} : { dormant: true }),
      },
    ];
  }
  const serviceSelector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
  const findings: Finding[] = [];
  for (const subset of destinationRuleSubsets(dr)) {
    const selector = { ...serviceSelector, ...subset.labels };
    if (view.snapshot.pods.some((p) => selects(selector, p.metadata.labels))) continue;
    findings.push({
      ...messages.destinationRuleSubsetNotSelectPods(subset.name),
      object,
      related: [{ kind: "Service", ...target }],
      summary: `subset ${subset.name} of DestinationRule ${fullName(dr, ns)} selects no pod (${selectorString(selector)}): requests routed to it fail with 503`,
      fix: {
        lead: `deploy pods labelled ${selectorString(selector)}, change the subset's labels, or remove the subset if nothing uses it`,
        steps: [{ do: "run", command: `kubectl -n ${ns} get pods --show-labels` }],
      },
      ...(routed(view, target.name, subset.name) ? {} : { dormant: true }),
    });
  }
  return findings;
}

/** Whether some VirtualService in view sends requests to the namespace's Service (that subset of it). */
function routed(view: MeshView, service: string, subset?: string): boolean {
  return view.virtualServices.some((vs) =>
    httpRoutes(vs).some((route) =>
      route.route.some((d) => {
        const target = serviceOf(d.host, namespaceOf(vs, view.namespace));
        return (
          (subset === undefined || d.subset === subset) &&
          target?.namespace === view.namespace &&
          target.name === service
        );
      }),
    ),
  );
}

const UNVERIFIED_MODES = new Set(["SIMPLE", "MUTUAL"]);

function tls(view: MeshView, dr: KubeObject): Finding[] {
  const ns = view.namespace;
  const object = ref("DestinationRule", dr, ns);
  const name = fullName(dr, ns);
  const host = destinationRuleHost(dr);
  const policy = record(record(dr.spec).trafficPolicy);
  const edit = {
    do: "run" as const,
    command: `kubectl -n ${object.namespace} edit destinationrule ${object.name}`,
  };
  const findings: Finding[] = [];
  const settings = record(policy.tls);
  if (UNVERIFIED_MODES.has(String(settings.mode)) && !settings.caCertificates) {
    findings.push({
      ...messages.noServerCertificateVerificationDestinationLevel(
        name,
        object.namespace ?? ns,
        String(settings.mode),
        host,
      ),
      object,
      related: [],
      summary: `DestinationRule ${name} sends TLS to ${host} without checking its certificate`,
      fix: { lead: "set trafficPolicy.tls.caCertificates", steps: [edit] },
    });
  }
  for (const raw of Array.isArray(policy.portLevelSettings) ? policy.portLevelSettings : []) {
    const port = record(raw);
    const portTls = record(port.tls);
    if (!UNVERIFIED_MODES.has(String(portTls.mode)) || portTls.caCertificates) continue;
    const number = record(port.port).number;
    // The port selector as its protobuf text form prints, which is how Istio's message shows it.
    const selector = typeof number === "number" ? `number:${number}` : "";
    findings.push({
      ...messages.noServerCertificateVerificationPortLevel(
        name,
        object.namespace ?? ns,
        String(portTls.mode),
        host,
        selector,
      ),
      object,
      related: [],
      summary: `DestinationRule ${name} sends TLS to ${host} port ${number} without checking its certificate`,
      fix: { lead: "set caCertificates in that port's tls settings", steps: [edit] },
    });
  }
  return findings;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
