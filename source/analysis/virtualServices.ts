// The namespace's VirtualServices against what they name: Gateways (IST0101, IST0132), Services
// and their ports (IST0101, IST0112), DestinationRule subsets (IST0101), and other
// VirtualServices claiming the same host for the sidecars (IST0109).

import { isIstioNetworking, virtualServiceGateways, virtualServiceHosts } from "../model/istioConfig.ts";
import type { KubeObject } from "../model/kube.ts";
import type { Finding, ObjectRef } from "./finding.ts";
import { gatewayServers } from "./gateways.ts";
import { gatewayHostsFor, gatewayRef, hostMatches, serviceOf, toFqdn } from "./hosts.ts";
import { messages } from "./messages.ts";
import { fullName, type MeshView, namespaceOf, ref } from "./view.ts";

/** A route destination as written, and where it sits (http, tcp, tls, or an http mirror). */
interface Destination {
  host: string;
  subset?: string;
  port?: number;
  mirror: boolean;
}

export function analyzeVirtualServices(view: MeshView): Finding[] {
  const findings: Finding[] = [];
  for (const vs of view.snapshot.virtualServices) {
    if (!isIstioNetworking(vs)) continue;
    findings.push(...gateways(view, vs), ...destinations(view, vs));
  }
  findings.push(...meshConflicts(view));
  return findings;
}

function gateways(view: MeshView, vs: KubeObject): Finding[] {
  const ns = view.namespace;
  const object = ref("VirtualService", vs, ns);
  const vsName = fullName(vs, ns);
  const hosts = virtualServiceHosts(vs);
  const edit = {
    do: "run" as const,
    command: `kubectl -n ${object.namespace} edit virtualservice ${object.name}`,
  };
  const findings: Finding[] = [];
  for (const reference of virtualServiceGateways(vs)) {
    if (reference === "mesh") continue;
    const target = gatewayRef(reference, object.namespace ?? ns);
    // Another namespace's Gateways can only be looked up when this user may read them.
    if (target.namespace !== ns && !view.otherNamespaces.gateways) continue;
    const gateway = view.gateways.find(
      (g) => namespaceOf(g, ns) === target.namespace && g.metadata.name === target.name,
    );
    const gatewayName = `${target.namespace}/${target.name}`;
    const gatewayObject: ObjectRef = { kind: "Gateway", ...target };
    if (!gateway) {
      findings.push({
        ...messages.referencedResourceNotFound("gateway", reference),
        object,
        related: [gatewayObject],
        summary: `VirtualService ${vsName} is bound to Gateway ${gatewayName}, which does not exist`,
        fix: {
          lead: `create Gateway ${gatewayName}, or name an existing one in spec.gateways`,
          steps: [{ do: "run", command: "kubectl get gateways --all-namespaces" }, edit],
        },
      });
    }
    const offered = (gateway ? gatewayServers(gateway) : []).flatMap((s) =>
      gatewayHostsFor(s.hosts, target.namespace, object.namespace ?? ns),
    );
    if (!offered.some((g) => hosts.some((h) => hostMatches(g, h)))) {
      findings.push({
        ...messages.virtualServiceHostNotFoundInGateway(hosts, vsName, gatewayName),
        object,
        related: [gatewayObject],
        summary: `Gateway ${gatewayName} takes none of VirtualService ${vsName}'s hosts (${hosts.join(", ")})`,
        fix: {
          lead: "list the VirtualService's hosts in the Gateway's servers, or bind it to one that has them",
          steps: [edit],
        },
      });
    }
  }
  return findings;
}

function destinations(view: MeshView, vs: KubeObject): Finding[] {
  const ns = view.namespace;
  const object = ref("VirtualService", vs, ns);
  const vsNamespace = object.namespace ?? ns;
  const vsName = fullName(vs, ns);
  const findings: Finding[] = [];
  for (const d of destinationsOf(vs)) {
    const service = serviceOf(d.host, vsNamespace);
    // Services of other namespaces, ServiceEntries and external hosts are not read here.
    if (!service || service.namespace !== ns) continue;
    const found = view.snapshot.services.find((s) => s.metadata.name === service.name);
    const kind = d.mirror ? "mirror" : "host";
    if (!found) {
      findings.push({
        ...messages.referencedResourceNotFound(d.mirror ? "mirror host" : "host", d.host),
        object,
        related: [{ kind: "Service", ...service }],
        summary: `VirtualService ${vsName} routes to ${d.host}, but namespace ${ns} has no Service ${service.name}`,
        fix: {
          lead: `deploy Service ${service.name}, or route to one that exists`,
          steps: [{ do: "run", command: `kubectl -n ${ns} get services` }],
        },
      });
      continue;
    }
    const ports = servicePorts(found);
    if (d.port === undefined && ports.length > 1) {
      findings.push({
        ...messages.virtualServiceDestinationPortSelectorRequired(d.host, ports),
        object,
        related: [{ kind: "Service", ...service }],
        summary: `VirtualService ${vsName} routes to ${d.host}, which has ports ${ports.join(", ")}, without saying which`,
        fix: {
          lead: "name the port in the destination (destination.port.number)",
          steps: [{ do: "run", command: `kubectl -n ${vsNamespace} edit virtualservice ${object.name}` }],
        },
      });
    } else if (d.port !== undefined && !ports.includes(d.port)) {
      findings.push({
        ...messages.referencedResourceNotFound("host:port", `${d.host}:${d.port}`),
        object,
        related: [{ kind: "Service", ...service }],
        summary: `VirtualService ${vsName} routes to port ${d.port} of ${d.host}, which serves ${ports.join(", ")}`,
        fix: {
          lead: `use a port Service ${service.name} has`,
          steps: [{ do: "run", command: `kubectl -n ${vsNamespace} edit virtualservice ${object.name}` }],
        },
      });
    }
    if (d.subset && !subsetDefined(view, service.name, d.subset)) {
      findings.push({
        ...messages.referencedResourceNotFound(`${kind}+subset in destinationrule`, `${d.host}+${d.subset}`),
        object,
        related: destinationRulesFor(view, service.name).map((dr) => ref("DestinationRule", dr, ns)),
        summary: `VirtualService ${vsName} routes to subset ${d.subset} of ${d.host}, which no DestinationRule defines: its requests fail with 503`,
        fix: {
          lead: `apply a DestinationRule that defines subset ${d.subset} for ${service.name} before the routes that use it (Bookinfo's is destination-rule-all.yaml)`,
          steps: [{ do: "apply", namespace: ns, file: DESTINATION_RULES }],
        },
      });
    }
  }
  return findings;
}

// Istio's own file, where the tutorial gets its subsets from.
const DESTINATION_RULES = "samples/bookinfo/networking/destination-rule-all.yaml";

/** IST0109: mesh VirtualServices (no gateways, or "mesh") of the same host, seen from the same namespaces. */
function meshConflicts(view: MeshView): Finding[] {
  const ns = view.namespace;
  const byHost = new Map<string, KubeObject[]>();
  for (const vs of view.virtualServices) {
    const gateways = virtualServiceGateways(vs);
    if (gateways.length > 0 && !gateways.includes("mesh")) continue;
    const vsNamespace = namespaceOf(vs, ns);
    for (const scope of exportScopes(vs, vsNamespace)) {
      for (const host of virtualServiceHosts(vs)) {
        const key = `${scope}/${toFqdn(host, vsNamespace)}`;
        const list = byHost.get(key) ?? [];
        if (!list.includes(vs)) list.push(vs);
        byHost.set(key, list);
      }
    }
  }
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const [key, list] of byHost) {
    const [scope, host] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
    const all = [...list];
    if (scope !== "*") {
      for (const [other, vss] of byHost) {
        const [otherScope, otherHost] = [
          other.slice(0, other.indexOf("/")),
          other.slice(other.indexOf("/") + 1),
        ];
        if (otherScope === "*" && hostMatches(host, otherHost))
          for (const vs of vss) if (!all.includes(vs)) all.push(vs);
      }
    }
    if (all.length < 2) continue;
    all.sort((a, b) => (fullName(a, ns) < fullName(b, ns) ? -1 : fullName(a, ns) > fullName(b, ns) ? 1 : 0));
    const names = all.map((vs) => fullName(vs, ns));
    for (const vs of all) {
      const name = fullName(vs, ns);
      if (namespaceOf(vs, ns) !== ns || reported.has(name)) continue;
      reported.add(name);
      findings.push({
        ...messages.conflictingMeshGatewayVirtualServiceHosts(names.join(","), key),
        object: ref("VirtualService", vs, ns),
        related: all.filter((o) => o !== vs).map((o) => ref("VirtualService", o, ns)),
        summary: `VirtualServices ${names.join(", ")} all route ${host} for the sidecars; only one of them takes effect`,
        fix: {
          lead: "merge them into one VirtualService",
          steps: [{ do: "run", command: `kubectl -n ${ns} get virtualservices` }],
        },
      });
    }
  }
  return findings;
}

/** Where a VirtualService is visible: "*" by default, else each exportTo namespace ("." is its own). */
function exportScopes(vs: KubeObject, namespace: string): string[] {
  const exportTo = (vs.spec as { exportTo?: unknown } | undefined)?.exportTo;
  if (!Array.isArray(exportTo) || exportTo.length === 0 || exportTo.includes("*")) return ["*"];
  return [...new Set(exportTo.map((e) => (e === "." ? namespace : String(e))))];
}

function destinationsOf(vs: KubeObject): Destination[] {
  const spec = (vs.spec ?? {}) as Record<string, unknown>;
  const out: Destination[] = [];
  for (const kind of ["http", "tcp", "tls"]) {
    for (const rule of array(spec[kind])) {
      for (const route of array((rule as { route?: unknown }).route)) {
        const d = destination((route as { destination?: unknown }).destination, false);
        if (d) out.push(d);
      }
      if (kind === "http") {
        const d = destination((rule as { mirror?: unknown }).mirror, true);
        if (d) out.push(d);
      }
    }
  }
  return out;
}

function destination(raw: unknown, mirror: boolean): Destination | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const d = raw as { host?: unknown; subset?: unknown; port?: { number?: unknown } };
  if (typeof d.host !== "string" || d.host === "") return undefined;
  return {
    host: d.host,
    mirror,
    ...(typeof d.subset === "string" && d.subset ? { subset: d.subset } : {}),
    ...(typeof d.port?.number === "number" ? { port: d.port.number } : {}),
  };
}

function servicePorts(service: KubeObject): number[] {
  const ports = (service.spec as { ports?: unknown } | undefined)?.ports;
  return array(ports)
    .map((p) => (p as { port?: unknown }).port)
    .filter((p): p is number => typeof p === "number");
}

export function destinationRulesFor(view: MeshView, service: string): KubeObject[] {
  return view.snapshot.destinationRules.filter((dr) => {
    const host = (dr.spec as { host?: unknown } | undefined)?.host;
    if (typeof host !== "string") return false;
    const target = serviceOf(host, namespaceOf(dr, view.namespace));
    return target?.namespace === view.namespace && target.name === service;
  });
}

function subsetDefined(view: MeshView, service: string, subset: string): boolean {
  return destinationRulesFor(view, service).some((dr) =>
    array((dr.spec as { subsets?: unknown } | undefined)?.subsets).some(
      (s) => (s as { name?: unknown }).name === subset,
    ),
  );
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
