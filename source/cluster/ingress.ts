import type { KubeObject, Pod } from "../model/kube.ts";
import type { GatewayAddress } from "../model/snapshot.ts";

/** What ingress detection reads; a Snapshot has these fields. */
export interface IngressInputs {
  ingressService: KubeObject | null;
  ingressPods: Pod[];
}

interface ServicePort {
  name?: string;
  port?: number;
  nodePort?: number;
  targetPort?: number | string;
}

interface ServiceShape {
  spec?: { type?: string; ports?: ServicePort[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/**
 * GATEWAY_URL the way Istio's docs find it: `--gateway-url` first, then the address a workshop's
 * facilitator recorded for the room (attendees usually cannot read istio-system, and the
 * facilitator knows which address attendees reach), then the LoadBalancer's ip/hostname with the
 * http2 port, then the http2 nodePort on a gateway pod's hostIP. Null means only a port-forward
 * would do (see `portForwardTarget`).
 */
export function ingressAddress(
  inputs: IngressInputs,
  flagUrl?: string,
  roomUrl?: string | null,
): GatewayAddress | null {
  if (flagUrl) return { url: normalizeUrl(flagUrl), source: "flag" };
  if (roomUrl) return { url: normalizeUrl(roomUrl), source: "workshop" };
  const service = inputs.ingressService as (KubeObject & ServiceShape) | null;
  const http = httpPort(service);
  if (!service || !http) return null;

  const lb = service.status?.loadBalancer?.ingress?.[0];
  const lbHost = lb?.ip || lb?.hostname;
  if (service.spec?.type === "LoadBalancer" && lbHost && http.port)
    return { url: `http://${hostPort(lbHost, http.port)}`, source: "LoadBalancer" };

  // A LoadBalancer stuck at <pending> still has node ports, as the docs point out.
  if (http.nodePort) {
    const hostIP = pickPod(inputs.ingressPods, service, { hostIP: true })?.status?.hostIP;
    if (hostIP) return { url: `http://${hostPort(hostIP, http.nodePort)}`, source: "NodePort" };
  }
  return null;
}

/**
 * HOOK for the port-forward fallback (owned elsewhere): the Ready gateway pod and container port
 * a forward to 127.0.0.1 should target when `ingressAddress` returns null.
 */
export function portForwardTarget(
  inputs: IngressInputs,
): { namespace: string; pod: string; port: number } | null {
  const service = inputs.ingressService as (KubeObject & ServiceShape) | null;
  const pod = pickPod(inputs.ingressPods, service, { ready: true });
  if (!pod?.metadata.name) return null;
  const target = httpPort(service)?.targetPort;
  const port = typeof target === "number" ? target : (namedContainerPort(pod, target) ?? 8080);
  return { namespace: pod.metadata.namespace ?? "istio-system", pod: pod.metadata.name, port };
}

/** The port the docs read: `http2` since Istio 1.0, `http` before. */
function httpPort(service: ServiceShape | null): ServicePort | undefined {
  const ports = service?.spec?.ports ?? [];
  return ports.find((p) => p.name === "http2") ?? ports.find((p) => p.name === "http");
}

/** A gateway pod, Ready ones first, preferring the Service's own namespace. */
function pickPod(
  pods: Pod[],
  service: KubeObject | null,
  require: { ready?: boolean; hostIP?: boolean },
): Pod | undefined {
  const usable = pods.filter(
    (pod) => !pod.metadata.deletionTimestamp && (!require.hostIP || pod.status?.hostIP),
  );
  const ready = usable.filter(isReady);
  const candidates = ready.length > 0 || require.ready ? ready : usable;
  const namespace = service?.metadata.namespace;
  return candidates.find((pod) => pod.metadata.namespace === namespace) ?? candidates[0];
}

const isReady = (pod: Pod) =>
  pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

function namedContainerPort(pod: Pod, name: string | undefined): number | undefined {
  if (!name) return undefined;
  for (const container of pod.spec?.containers ?? [])
    for (const port of container.ports ?? []) if (port.name === name) return port.containerPort;
  return undefined;
}

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`;

/** `1.2.3.4:80` or `http://host/` -> `http://host:port` without a trailing slash. */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, "");
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
}
