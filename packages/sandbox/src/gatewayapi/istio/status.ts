import type { KubeObject } from "../../kube.ts";
import type { ParentResult } from "./attachment.ts";
import { GATEWAY_CONTROLLER, humanReadableJoin } from "./classes.ts";
import type { GatewayModel, RouteModel } from "./model.ts";
import type { ConditionResult, ParentRef } from "./types.ts";

// The status Istio's controller writes on GatewayClasses, Gateways and HTTPRoutes, with its
// reasons and messages. Pure: given the model and what the gateway's Service and pods look like.

const DOMAIN = "svc.cluster.local";

export interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

/**
 * Condition updates the way Kubernetes' condition helpers make them: a condition whose status
 * is unchanged keeps its lastTransitionTime; the others are stamped `now`. Conditions of other
 * types are kept; the written ones come in the order of their type names, as Istio sorts them.
 */
export function setConditions(
  existing: readonly Condition[] | undefined,
  wanted: Record<string, ConditionResult>,
  generation: number | undefined,
  now: string,
): Condition[] {
  const out = (existing ?? []).filter((c) => !(c.type in wanted));
  for (const type of Object.keys(wanted).sort()) {
    const w = wanted[type]!;
    const before = existing?.find((c) => c.type === type);
    out.push({
      type,
      status: w.status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      lastTransitionTime: before && before.status === w.status ? (before.lastTransitionTime ?? now) : now,
      reason: w.reason,
      message: w.message,
    });
  }
  return out;
}

export const classAccepted: Record<string, ConditionResult> = {
  Accepted: { status: "True", reason: "Accepted", message: "Handled by Istio controller" },
};

/** What the data plane offers for a Gateway: its Service and whether its pods are ready. */
export interface GatewayInstances {
  service: KubeObject | undefined;
  /** Ready pods behind the Service. */
  readyPods: number;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { port?: number }[];
}

interface ServiceStatus {
  loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] };
}

export interface GatewayStatusResult {
  conditions: Record<string, ConditionResult>;
  /** Undefined keeps what the status already reports (Istio never removes an address once set). */
  addresses?: { type: "IPAddress" | "Hostname"; value: string }[];
  listeners?: {
    name: string;
    supportedKinds: { group: string; kind: string }[];
    attachedRoutes: number;
    conditions: Record<string, ConditionResult>;
  }[];
}

const isIp = (value: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(":");

/** reportGatewayStatus with ResolveGatewayInstances, for a Gateway Istio deploys. */
export function gatewayStatus(gateway: GatewayModel, instances: GatewayInstances): GatewayStatusResult {
  const accepted: ConditionResult = { status: "True", reason: "Accepted", message: "Resource accepted" };
  const listeners = gateway.listeners.map((l) => ({
    name: l.name,
    supportedKinds: l.supportedKinds,
    attachedRoutes: gateway.attachedRoutes[l.index] ?? 0,
    conditions: { ...l.conditions },
  }));
  if (!gateway.info.deploys) {
    const addresses = (
      (gateway.object.spec as { addresses?: { type?: string; value?: string }[] })?.addresses ?? []
    )
      .filter((a) => a.value)
      .map((a) => ({ type: (a.type ?? "IPAddress") as "IPAddress" | "Hostname", value: a.value! }));
    return {
      conditions: {
        Accepted: accepted,
        Programmed: {
          status: "True",
          reason: "Programmed",
          message: "This Gateway is remote; Istio will not program it",
        },
      },
      addresses,
    };
  }
  const fqdn = `${gateway.deployedName}.${gateway.namespace}.${DOMAIN}`;
  const internal = new Set<string>();
  const internalIps = new Set<string>();
  const external = new Set<string>();
  const pending = new Set<string>();
  const warnings: string[] = [];
  let unusable = false;
  const svc = instances.service;
  if (!svc) {
    warnings.push(`hostname "${fqdn}" not found`);
    unusable = true;
  } else {
    const spec = (svc.spec ?? {}) as ServiceSpec;
    const ingress = ((svc.status ?? {}) as ServiceStatus).loadBalancer?.ingress ?? [];
    const ports = [...new Set(gateway.listeners.map((l) => l.port))];
    let noInstances = false;
    for (const port of ports) {
      const hasPort = (spec.ports ?? []).some((p) => p.port === port);
      if (hasPort && instances.readyPods > 0) {
        internal.add(`${fqdn}:${port}`);
        for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : []))
          if (ip !== "None") internalIps.add(ip);
        if (ingress.length > 0) for (const i of ingress) external.add(i.ip ?? i.hostname ?? "");
        else if (spec.type === "LoadBalancer" && !pending.has(fqdn)) {
          warnings.push(`address pending for hostname "${fqdn}"`);
          pending.add(fqdn);
        }
      } else if (instances.readyPods === 0) {
        if (!noInstances) warnings.push(`no instances found for hostname "${fqdn}"`);
        noInstances = true;
      } else {
        warnings.push(`port ${port} not found for hostname "${fqdn}"`);
        unusable = true;
      }
    }
  }
  warnings.sort();
  const assigned = [...internal].sort();
  let programmed: ConditionResult = {
    status: "True",
    reason: "Programmed",
    message: assigned.length
      ? `Resource programmed, assigned to service(s) ${humanReadableJoin(assigned)}`
      : "Resource programmed",
  };
  if (warnings.length) {
    programmed = {
      status: "False",
      reason: unusable ? "AddressNotUsable" : "AddressNotAssigned",
      message: assigned.length
        ? `Assigned to service(s) ${humanReadableJoin(assigned)}, but failed to assign to all requested addresses: ${warnings.join("; ")}`
        : `Failed to assign to any requested addresses: ${warnings.join("; ")}`,
    };
  }
  let values = [...external].filter(Boolean);
  if (values.length === 0) {
    const type = gateway.info.addressType;
    if (type !== "Hostname") values = [...internalIps];
    if (type !== "IPAddress") {
      for (const hostport of assigned) {
        const host = hostport.slice(0, hostport.lastIndexOf(":"));
        if (!pending.has(host) && !values.includes(host)) values.push(host);
      }
    }
  }
  return {
    conditions: { Accepted: accepted, Programmed: programmed },
    ...(values.length
      ? {
          addresses: values.map((value) => ({
            type: isIp(value) ? ("IPAddress" as const) : ("Hostname" as const),
            value,
          })),
        }
      : {}),
    listeners,
  };
}

export interface RouteParentStatus {
  parentRef: ParentRef;
  controllerName: string;
  conditions: Condition[];
}

const refKey = (ref: ParentRef, namespace: string) =>
  [
    ref.group ?? "",
    ref.kind ?? "",
    ref.name ?? "",
    ref.sectionName ?? "",
    ref.port ?? 0,
    ref.namespace ?? namespace,
  ].join("/");

function parentConditions(
  result: ParentResult,
  route: RouteModel,
  ambient: boolean,
): Record<string, ConditionResult> {
  const wanted: Record<string, ConditionResult> = {
    Accepted: result.denied
      ? { status: "False", ...result.denied }
      : {
          status: "True",
          reason: "Accepted",
          message:
            result.accepted > 1 ? `Route was valid, bound to ${result.accepted} parents` : "Route was valid",
        },
    ResolvedRefs: route.converted.error
      ? { status: "False", ...route.converted.error }
      : { status: "True", reason: "ResolvedRefs", message: "All references resolved" },
  };
  if (ambient) {
    wanted.ResolvedWaypoints = {
      status: "True",
      reason: "ResolvedWaypoints",
      message: result.waypointError?.message ?? "All waypoints resolved",
    };
  }
  return wanted;
}

/**
 * createRouteStatus: Istio's parent entries replace its earlier ones in place, new ones are
 * appended (in reverse order of their reference), stale ones of Istio's are dropped, and entries
 * other controllers wrote stay as they are.
 */
export function routeParents(
  route: RouteModel | undefined,
  current: readonly RouteParentStatus[] | undefined,
  options: { ambient: boolean; now: string; namespace: string },
): RouteParentStatus[] {
  const ns = options.namespace;
  const generation = route?.object.metadata.generation;
  const ours = new Map<string, ParentResult>();
  for (const r of route?.parents ?? []) ours.set(refKey(r.ref, ns), r);
  const out: RouteParentStatus[] = [];
  const placed = new Set<string>();
  for (const p of current ?? []) {
    if (p.controllerName !== GATEWAY_CONTROLLER) {
      out.push(p);
      continue;
    }
    const k = refKey(p.parentRef, ns);
    const result = ours.get(k);
    if (!result || placed.has(k) || !route) continue;
    placed.add(k);
    out.push({
      parentRef: result.ref,
      controllerName: GATEWAY_CONTROLLER,
      conditions: setConditions(
        p.conditions,
        parentConditions(result, route, options.ambient),
        generation,
        options.now,
      ),
    });
  }
  const added = [...ours]
    .filter(([k]) => !placed.has(k))
    .sort(([a], [b]) => (a > b ? -1 : a < b ? 1 : 0))
    .map(([, result]) => ({
      parentRef: result.ref,
      controllerName: GATEWAY_CONTROLLER,
      conditions: setConditions(
        undefined,
        parentConditions(result, route!, options.ambient),
        generation,
        options.now,
      ),
    }));
  return [...out, ...added];
}
