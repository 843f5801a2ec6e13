import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import type { Pod } from "../kube.ts";
import type { SimRequest } from "./http.ts";
import { hasSidecar, type MeshIndex, type ServiceInfo } from "./meshIndex.ts";
import { type Decision, type RoutingContext, routeMeshCall, routeToService } from "./routing.ts";
import { CallError } from "./workload.ts";

// Ambient mode in the data plane. A pod the CNI agent enrolled sends its traffic through the
// node's ztunnel, which only does L4: the call lands on any ready pod of the Service. L7 rules
// (HTTPRoute weights and matches, VirtualServices) apply only when the Service, or its
// namespace, uses a waypoint: then the waypoint routes the call as a sidecar would.

export const REDIRECTION_ANNOTATION = "ambient.istio.io/redirection";
const USE_WAYPOINT = "istio.io/use-waypoint";
const USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";

/** Enrolled in the ambient mesh: redirected to ztunnel, and no sidecar of its own. */
export const inAmbientMesh = (pod: Pod): boolean =>
  pod.metadata.annotations?.[REDIRECTION_ANNOTATION] === "enabled" && !hasSidecar(pod);

export type WaypointState =
  | { kind: "none" }
  | { kind: "ready"; gateway: GatewayModel }
  | { kind: "unavailable"; gateway: GatewayModel };

/**
 * The waypoint a Service's traffic goes through: named by `istio.io/use-waypoint` on the Service
 * (where "none" opts out) or else on its namespace. A label naming no waypoint Gateway binds
 * nothing, so traffic stays L4; a waypoint without ready proxies makes calls fail.
 */
export function waypointFor(index: MeshIndex, service: ServiceInfo): WaypointState {
  if (!index.ambientEnabled) return { kind: "none" };
  const serviceLabels = index.serviceLabels(service);
  const labels =
    serviceLabels[USE_WAYPOINT] !== undefined ? serviceLabels : index.namespaceLabels(service.namespace);
  const name = labels[USE_WAYPOINT];
  if (!name || name.toLowerCase() === "none") return { kind: "none" };
  const namespace = labels[USE_WAYPOINT_NAMESPACE] ?? service.namespace;
  const gateway = index.gatewayApi.gateway(namespace, name);
  if (!gateway?.info.waypoint || gateway.object.metadata.deletionTimestamp) return { kind: "none" };
  // A waypoint for workloads only (or for nothing) leaves Service traffic alone.
  const forWhat = gateway.object.metadata.labels?.["istio.io/waypoint-for"] ?? "service";
  if (forWhat === "workload" || forWhat === "none") return { kind: "none" };
  const proxies = index.services.get(`${gateway.deployedName}.${gateway.namespace}.svc.cluster.local`);
  if (!proxies || index.endpoints(proxies).length === 0) return { kind: "unavailable", gateway };
  return { kind: "ready", gateway };
}

const ztunnelReady = (index: MeshIndex) => index.readyPodsWith("istio-system", { app: "ztunnel" }).length > 0;

/** A call from an ambient pod, as its node's ztunnel (and the Service's waypoint, if any) carries it. */
export function routeFromZtunnel(
  ctx: RoutingContext,
  caller: Pod,
  service: ServiceInfo,
  request: SimRequest,
  port: number,
): Decision {
  // The pod's traffic is captured into ztunnel; with no ztunnel running nothing gets out.
  if (!ztunnelReady(ctx.index)) throw new CallError("refused", `${service.name}:${port}: Connection refused`);
  const waypoint = waypointFor(ctx.index, service);
  if (waypoint.kind === "unavailable")
    throw new CallError("refused", `${service.name}:${port}: Connection reset by peer`);
  if (waypoint.kind === "ready") return routeMeshCall(ctx, caller, service, request, port);
  return routeToService(ctx, service);
}
