import {
  boundToGateway,
  gatewaySelector,
  gatewayServerHosts,
  gatewayServerPorts,
  hostMatches,
  ISTIO_NETWORKING_GROUP,
  named,
  virtualServiceHosts,
} from "../../model/istioConfig.ts";
import type { KubeObject, Pod } from "../../model/kube.ts";
import { podRow } from "../../model/podRow.ts";
import type { GatewayAddress, Snapshot } from "../../model/snapshot.ts";
import { formatLabels, isLive, isReady, labelsMatch, SAMPLES } from "../bookinfo.ts";
import { fix, stepCommand } from "../fix.ts";
import type { ManifestEdit, Stage, StageCheck, StageContext } from "../stage.ts";

export const GATEWAY_NAME = "bookinfo-gateway";
export const GATEWAY_VIRTUAL_SERVICE = "bookinfo";

export const gateway: Stage = {
  id: "gateway",
  title: "Expose Bookinfo through the ingress gateway",
  why:
    "Nothing outside the cluster can reach Bookinfo yet. A Gateway tells Istio's ingress gateway (an Envoy at the edge " +
    "of the mesh) to accept HTTP on a port, and a VirtualService bound to it sends the product page's paths to " +
    "productpage. GATEWAY_URL is the host and port where that ingress gateway can be reached from your machine.",
  commands(snapshot) {
    return [stepCommand(applyGateway(snapshot)), ...gatewayUrlCommands(snapshot)];
  },
  manifests: ["bookinfo-gateway.yaml"],
  // A LoadBalancer address can take a minute or two to be assigned.
  timeoutMs: 120_000,
  check: checkGateway,
  async apply(context: StageContext) {
    // In a workshop room each attendee binds a host of their own, so that their Gateway and
    // VirtualService take only their requests on the ingress gateway everyone shares.
    const host = context.snapshot().host;
    if (host) await context.actions.applyManifest("bookinfo-gateway.yaml", bindHost(host));
    else await context.actions.applyManifest("bookinfo-gateway.yaml");
  },
};

/** The tutorial's Gateway and VirtualService with `host` where the file says "*". */
export function bindHost(host: string): ManifestEdit {
  return (object) => {
    if (!object.apiVersion?.startsWith(`${ISTIO_NETWORKING_GROUP}/`)) return object;
    const copy = structuredClone(object);
    const spec = (copy.spec ?? {}) as { servers?: { hosts?: string[] }[]; hosts?: string[] };
    if (copy.kind === "Gateway") for (const server of spec.servers ?? []) server.hosts = [host];
    if (copy.kind === "VirtualService") spec.hosts = [host];
    return copy;
  };
}

/** Applying the gateway's file, bound to the namespace's host when it has one. */
function applyGateway(snapshot: Snapshot) {
  return {
    do: "apply" as const,
    namespace: snapshot.namespace,
    file: SAMPLES.gateway,
    ...(snapshot.host ? { host: snapshot.host } : {}),
    by: "gateway" as const,
  };
}

/** The INGRESS_HOST / INGRESS_PORT / GATEWAY_URL exports for the address the tour found. */
export function gatewayUrlCommands(snapshot: Snapshot): string[] {
  const service = snapshot.ingressService?.metadata;
  const svcNs = service?.namespace ?? "istio-system";
  const svcName = service?.name ?? "istio-ingressgateway";
  const getSvc = `kubectl -n ${svcNs} get service ${svcName}`;
  const address = snapshot.gateway;
  const hostPort = address ? splitUrl(address) : null;
  const exportUrl = "export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT";

  switch (address?.source) {
    case "NodePort":
      return [
        `export INGRESS_HOST=$(kubectl -n ${svcNs} get pod -l istio=ingressgateway -o jsonpath='{.items[0].status.hostIP}')`,
        `export INGRESS_PORT=$(${getSvc} -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')`,
        exportUrl,
      ];
    case "port-forward":
      return [
        `kubectl -n ${svcNs} port-forward service/${svcName} ${hostPort?.port ?? "8080"}:80 &`,
        `export INGRESS_HOST=${hostPort?.host ?? "127.0.0.1"}`,
        `export INGRESS_PORT=${hostPort?.port ?? "8080"}`,
        exportUrl,
      ];
    // Given, not found: the facilitator's address for the room is used as it is, like the flag.
    case "workshop":
    case "flag":
      if (!hostPort) return [`export GATEWAY_URL=${address?.url}`];
      return [`export INGRESS_HOST=${hostPort.host}`, `export INGRESS_PORT=${hostPort.port}`, exportUrl];
    default: {
      // A load balancer that hands out a hostname (AWS ELB) has no ip.
      const field = address && hostPort && !isIp(hostPort.host) ? "hostname" : "ip";
      return [
        `export INGRESS_HOST=$(${getSvc} -o jsonpath='{.status.loadBalancer.ingress[0].${field}}')`,
        `export INGRESS_PORT=$(${getSvc} -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')`,
        exportUrl,
      ];
    }
  }
}

function checkGateway(snapshot: Snapshot): StageCheck {
  const ns = snapshot.namespace;
  const gw = named(snapshot.gateways, GATEWAY_NAME);
  const vs = named(snapshot.virtualServices, GATEWAY_VIRTUAL_SERVICE);
  if (!gw && !vs) {
    return {
      state: "pending",
      detail: `Gateway ${GATEWAY_NAME} and VirtualService ${GATEWAY_VIRTUAL_SERVICE} not applied`,
    };
  }
  if (!gw)
    return {
      state: "pending",
      detail: `VirtualService ${GATEWAY_VIRTUAL_SERVICE} exists; Gateway ${GATEWAY_NAME} does not`,
    };
  if (!vs)
    return {
      state: "pending",
      detail: `Gateway ${GATEWAY_NAME} exists; VirtualService ${GATEWAY_VIRTUAL_SERVICE} does not`,
    };

  const hosts = boundElsewhere(snapshot, gw, vs);
  if (hosts) return hosts;

  if (snapshot.unreadable.ingressPods !== undefined && boundToGateway(vs, GATEWAY_NAME, ns))
    return unseenIngress(snapshot);

  const selector = gatewaySelector(gw);
  const live = snapshot.ingressPods.filter(isLive);
  const selected = live.filter((p) => labelsMatch(selector, p.metadata.labels ?? {}));
  if (selected.length === 0) return selectsNothing(snapshot, selector, live);

  if (!boundToGateway(vs, GATEWAY_NAME, ns)) {
    return {
      state: "failed",
      detail: `VirtualService ${GATEWAY_VIRTUAL_SERVICE} is not bound to Gateway ${GATEWAY_NAME}`,
      fix: fix(`add ${GATEWAY_NAME} to its spec.gateways`, {
        do: "run",
        command: `kubectl -n ${ns} edit virtualservice ${GATEWAY_VIRTUAL_SERVICE}`,
      }),
    };
  }

  const portProblem = unservedPort(snapshot.ingressService, gw, selected);
  if (portProblem) return portProblem;

  if (!selected.some(isReady)) {
    const pod = selected[0]!;
    return {
      state: "pending",
      detail: `ingress gateway pod ${pod.metadata.name} is not Ready (${podRow(pod, snapshot.now).status})`,
    };
  }
  if (!snapshot.gateway) return { state: "pending", detail: "looking for the ingress gateway's address" };
  return { state: "done", detail: `${snapshot.gateway.url} via ${snapshot.gateway.source}` };
}

/**
 * Requests reach Bookinfo only when both the Gateway and the VirtualService take their Host: the
 * namespace's own host (a workshop room's, or --host), else whatever GATEWAY_URL's host is, which
 * only "*" takes for sure. With a host of its own the Gateway must bind that host and no wildcard:
 * on an ingress gateway shared by a room, "*" takes the requests of everyone who binds nothing
 * more specific.
 */
function boundElsewhere(snapshot: Snapshot, gw: KubeObject, vs: KubeObject): StageCheck | null {
  const own = snapshot.host;
  const host = own ?? urlHost(snapshot.gateway);
  if (!host) return null;
  const bound = gatewayServerHosts(gw);
  const served = virtualServiceHosts(vs);
  const gatewayTakes = own ? bound.includes(own) : bound.some((h) => hostMatches(h, host));
  const serviceTakes = served.some((h) => hostMatches(h, host));
  if (gatewayTakes && serviceTakes) return null;
  const quoted = (hosts: string[]) =>
    hosts.length === 0 ? "no host" : hosts.map((h) => `"${h}"`).join(", ");
  if (!own)
    return {
      state: "failed",
      detail: `${gatewayTakes ? `VirtualService ${GATEWAY_VIRTUAL_SERVICE} serves ${quoted(served)}` : `Gateway ${GATEWAY_NAME} binds ${quoted(bound)}`}, so requests to GATEWAY_URL (Host ${host}) are not routed`,
      fix: fix(`send the host it binds (or apply ${SAMPLES.gateway} again for "*")`, {
        do: "restart-tour",
        flag: `--host ${(gatewayTakes ? served : bound).find((h) => !h.includes("*")) ?? "HOST"}`,
      }),
    };
  const shared = bound.filter((h) => h.includes("*") && hostMatches(h, own));
  const detail = !gatewayTakes
    ? shared.length > 0
      ? `Gateway ${GATEWAY_NAME} binds ${quoted(bound)}, which on the shared ingress gateway takes other namespaces' requests too; this namespace's host is ${own}`
      : `Gateway ${GATEWAY_NAME} binds ${quoted(bound)}, not this namespace's host ${own}`
    : `VirtualService ${GATEWAY_VIRTUAL_SERVICE} serves ${quoted(served)}, not this namespace's host ${own}`;
  return { state: "failed", detail, fix: fix(`bind ${own}`, applyGateway(snapshot)) };
}

function urlHost(address: GatewayAddress | null): string | null {
  if (!address) return null;
  try {
    return new URL(address.url.includes("://") ? address.url : `http://${address.url}`).hostname.replace(
      /^\[|\]$/g,
      "",
    );
  } catch {
    return null;
  }
}

/**
 * A user whose rights end at their namespace cannot see the ingress gateway's pods or Service
 * (istio-system): its selector and readiness cannot be checked, and its address only comes from
 * --gateway-url. Samples through that address then tell whether it works (the verify stage).
 */
function unseenIngress(snapshot: Snapshot): StageCheck {
  const unseen = "the ingress gateway in istio-system cannot be read with this context";
  if (snapshot.gateway)
    return { state: "done", detail: `${snapshot.gateway.url} via ${snapshot.gateway.source} (${unseen})` };
  return {
    state: "pending",
    detail: `${unseen}, so its address is unknown`,
    fix: fix(
      "the address is your cluster admin's to give",
      {
        do: "ask",
        who: "your cluster admin",
        command: "kubectl -n istio-system get service istio-ingressgateway",
      },
      { do: "restart-tour", flag: "--gateway-url HOST:PORT" },
    ),
  };
}

function selectsNothing(snapshot: Snapshot, selector: Record<string, string>, live: Pod[]): StageCheck {
  const wanted = formatLabels(selector);
  const istioLabels = [...new Set(live.map((p) => p.metadata.labels?.istio).filter((l) => l !== undefined))];
  const edit = `kubectl -n ${snapshot.namespace} edit gateway ${GATEWAY_NAME}`;
  if (live.length === 0) {
    return {
      state: "failed",
      detail: `Gateway ${GATEWAY_NAME} selects ${wanted || "any gateway"} but no ingress gateway pod is running`,
      fix: fix("install Istio's ingress gateway", {
        do: "run",
        command: "istioctl install --set profile=demo -y",
      }),
    };
  }
  return {
    state: "failed",
    detail: `Gateway ${GATEWAY_NAME} selects ${wanted} but no ingress gateway pod has that label`,
    fix: fix(
      istioLabels.length > 0
        ? `the ingress gateway pods are labelled ${istioLabels.map((l) => `istio=${l}`).join(", ")}; set spec.selector to match`
        : "set spec.selector to the ingress gateway pods' labels",
      { do: "run", command: edit },
    ),
  };
}

/**
 * A Gateway server port the ingress Service neither exposes nor targets opens no listener a
 * client can reach (the request is refused). Istio accepts either the Service port (80, which it
 * translates) or the container port behind it (8080).
 */
function unservedPort(service: KubeObject | null, gw: KubeObject, selected: Pod[]): StageCheck | null {
  if (!service) return null;
  const spec = (service.spec ?? {}) as { selector?: Record<string, string>; ports?: unknown[] };
  // Only meaningful when that Service fronts the pods this Gateway selects.
  const svcSelector = spec.selector ?? {};
  if (Object.keys(svcSelector).length === 0) return null;
  if (!selected.some((p) => labelsMatch(svcSelector, p.metadata.labels ?? {}))) return null;
  const served = new Set<number>();
  const shown: string[] = [];
  for (const raw of spec.ports ?? []) {
    const port = (raw ?? {}) as { port?: unknown; targetPort?: unknown };
    if (typeof port.port !== "number") continue;
    // A named targetPort cannot be resolved from here: then nothing can be ruled out.
    if (typeof port.targetPort === "string") return null;
    served.add(port.port);
    if (typeof port.targetPort === "number") served.add(port.targetPort);
    shown.push(typeof port.targetPort === "number" ? `${port.port}->${port.targetPort}` : String(port.port));
  }
  const ports = gatewayServerPorts(gw);
  if (served.size === 0 || ports.length === 0 || ports.some((p) => served.has(p))) return null;
  return {
    state: "failed",
    detail: `Gateway ${GATEWAY_NAME} listens on port ${ports.join(", ")}, which ${service.metadata.name} does not serve (${shown.join(", ")})`,
    fix: fix("use 8080 (the gateway's http2 target port) or 80 in the Gateway's spec.servers[].port.number", {
      do: "run",
      command: `kubectl -n ${gw.metadata.namespace ?? "default"} edit gateway ${GATEWAY_NAME}`,
    }),
  };
}

function splitUrl(address: GatewayAddress): { host: string; port: string } | null {
  try {
    const url = new URL(address.url.includes("://") ? address.url : `http://${address.url}`);
    return { host: url.hostname, port: url.port || (url.protocol === "https:" ? "443" : "80") };
  } catch {
    return null;
  }
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(":") || host.startsWith("[");
}
