// The namespace's Gateways against the ingress gateway pods and their Service, and against every
// other Gateway on the shared ingress: Istio's gateway analyzers (IST0101 selector, IST0162,
// IST0145).

import { gatewaySelector } from "../model/istioConfig.ts";
import type { KubeObject } from "../model/kube.ts";
import type { Finding } from "./finding.ts";
import { hostMatches } from "./hosts.ts";
import { routeThrough } from "./ingress.ts";
import { messages } from "./messages.ts";
import { fullName, type MeshView, namespaceOf, ref, selectorString, selects } from "./view.ts";

interface Server {
  port: number;
  hosts: string[];
}

export function gatewayServers(gateway: KubeObject): Server[] {
  const servers = (gateway.spec as { servers?: unknown } | undefined)?.servers;
  if (!Array.isArray(servers)) return [];
  return servers.flatMap((raw) => {
    const server = (raw ?? {}) as { port?: { number?: unknown }; hosts?: unknown };
    const port = server.port?.number;
    if (typeof port !== "number") return [];
    const hosts = Array.isArray(server.hosts)
      ? server.hosts.filter((h): h is string => typeof h === "string")
      : [];
    return [{ port, hosts }];
  });
}

export function analyzeGateways(view: MeshView): Finding[] {
  const ns = view.namespace;
  const findings: Finding[] = [];
  for (const gateway of view.snapshot.gateways) {
    findings.push(...workload(view, gateway), ...conflicts(view, gateway));
  }
  return findings.filter((f) => f.object.namespace === ns);
}

/** IST0101 when the selector picks no pod at all, else IST0162 for ports its Service does not serve. */
function workload(view: MeshView, gateway: KubeObject): Finding[] {
  const ns = view.namespace;
  const selector = gatewaySelector(gateway);
  const text = selectorString(selector);
  const selected = view.workloadPods.filter((p) => selects(selector, p.metadata.labels));
  const object = ref("Gateway", gateway, ns);
  const edit = { do: "run" as const, command: `kubectl -n ${object.namespace} edit gateway ${object.name}` };
  if (selected.length === 0) {
    // Without the ingress gateway's pods in sight, "selects nothing" would be a guess.
    if (view.snapshot.unreadable.ingressPods !== undefined) return [];
    const labels = [
      ...new Set(
        view.snapshot.ingressPods.map((p) => p.metadata.labels?.istio).filter((l) => l !== undefined),
      ),
    ];
    return [
      {
        ...messages.referencedResourceNotFound("selector", text),
        object,
        related: [],
        summary: `Gateway ${object.namespace}/${object.name} selects ${text || "every pod"}, and no pod has those labels`,
        fix: {
          lead:
            labels.length > 0
              ? `the ingress gateway pods are labelled ${labels.map((l) => `istio=${l}`).join(", ")}; set spec.selector to match`
              : "no ingress gateway pod is running: install Istio's ingress gateway, or set spec.selector to the pods that are",
          steps: [edit],
        },
      },
    ];
  }
  const served = servedPorts(view, selected);
  if (!served) return [];
  const findings: Finding[] = [];
  for (const server of gatewayServers(gateway)) {
    if (served.has(server.port)) continue;
    findings.push({
      ...messages.gatewayPortNotDefinedOnService(server.port, text),
      object,
      related: [],
      summary: `Gateway ${object.namespace}/${object.name} listens on port ${server.port}, which no Service of its gateway pods forwards to`,
      fix: {
        lead: `use a port the gateway's Service targets (${[...served].sort((a, b) => a - b).join(", ")}) in spec.servers[].port.number`,
        steps: [edit],
      },
    });
  }
  return findings;
}

/**
 * Ports the Services in front of these pods deliver to. A Gateway may name the Service port (80,
 * which Istio translates to its target) as well as the target port itself (8080), as the data
 * plane accepts both. Null when no such Service is in sight, so nothing can be ruled out.
 */
function servedPorts(view: MeshView, pods: KubeObject[]): Set<number> | null {
  const services = [
    ...view.snapshot.services,
    ...(view.snapshot.ingressService ? [view.snapshot.ingressService] : []),
  ];
  const ports = new Set<number>();
  let fronted = false;
  for (const service of services) {
    const spec = (service.spec ?? {}) as { selector?: Record<string, string>; ports?: unknown[] };
    const selector = spec.selector ?? {};
    if (Object.keys(selector).length === 0) continue;
    const svcNamespace = namespaceOf(service, view.namespace);
    const fronts = pods.some(
      (p) => namespaceOf(p, view.namespace) === svcNamespace && selects(selector, p.metadata.labels),
    );
    if (!fronts) continue;
    fronted = true;
    for (const raw of spec.ports ?? []) {
      const port = (raw ?? {}) as { port?: unknown; targetPort?: unknown; protocol?: unknown };
      if (port.protocol !== undefined && port.protocol !== "TCP") continue;
      // A named target port cannot be resolved from here: then nothing can be ruled out.
      if (typeof port.targetPort === "string") return null;
      if (typeof port.port === "number") ports.add(port.port);
      if (typeof port.targetPort === "number") ports.add(port.targetPort);
    }
  }
  // Only the namespace's Services and istio-system's istio-ingressgateway are read: pods no Service
  // in sight fronts (a Helm-installed gateway's have their own) may well have one elsewhere.
  return fronted ? ports : null;
}

/** IST0145: another Gateway with the same selector claims an overlapping host on the same port. */
function conflicts(view: MeshView, gateway: KubeObject): Finding[] {
  const ns = view.namespace;
  const name = fullName(gateway, ns);
  const selector = selectorString(gatewaySelector(gateway));
  const findings: Finding[] = [];
  for (const server of gatewayServers(gateway)) {
    const rivals: KubeObject[] = [];
    for (const other of view.gateways) {
      if (fullName(other, ns) === name || selectorString(gatewaySelector(other)) !== selector) continue;
      const overlapping = gatewayServers(other).some(
        (s) => s.port === server.port && server.hosts.some((h) => s.hosts.some((o) => hostMatches(h, o))),
      );
      if (overlapping && !rivals.includes(other)) rivals.push(other);
    }
    if (rivals.length === 0) continue;
    const names = rivals.map((r) => fullName(r, ns)).sort();
    const hosts = server.hosts.join(",");
    const winner = routeThrough(
      view,
      [gateway, ...rivals].map((g) => ({
        gateway: g,
        hosts: gatewayServers(g)
          .filter((s) => s.port === server.port)
          .flatMap((s) => s.hosts),
      })),
      server.hosts[0] ?? "*",
      "/productpage",
    );
    const reaches = winner ? `; traffic reaches ${namespaceOf(winner, ns)}'s Bookinfo` : "";
    findings.push({
      ...messages.conflictingGateways(names.join(","), selector, String(server.port), hosts),
      object: ref("Gateway", gateway, ns),
      related: [
        ...rivals.map((r) => ref("Gateway", r, ns)),
        ...(winner ? [ref("VirtualService", winner, ns)] : []),
      ],
      summary: `Gateway ${name} conflicts with ${names.join(", ")} on host ${hosts} port ${server.port}${reaches}`,
      fix: {
        lead: `only one Gateway can serve host ${hosts} on port ${server.port} of the shared ingress gateway: remove the others, or give each Bookinfo a host of its own`,
        steps: [{ do: "run", command: "kubectl get gateways --all-namespaces" }],
      },
    });
  }
  return findings;
}
