import { hostnamesOverlap } from "./hostnames.ts";
import { GATEWAY_GROUP, type ListenerModel } from "./listeners.ts";
import type { ParentRef } from "./types.ts";

// Which parents a route attaches to, as Istio's controller decides it (referenceAllowed and
// createRouteStatus): a Gateway's listeners one by one, or a Service for mesh routes, with the
// reason a parent refuses it, merged into one result per parentRef of the route.

const USE_WAYPOINT = "istio.io/use-waypoint";

export interface Denial {
  reason: string;
  message: string;
}

export interface ParentResult {
  /** The parentRef as stored (with the API server's defaults). */
  ref: ParentRef;
  denied?: Denial;
  /** Set for Service parents in an ambient mesh whose traffic no waypoint handles. */
  waypointError?: Denial;
  /** How many of the parent's sections (listeners) accepted the route. */
  accepted: number;
}

export interface GatewayParent {
  namespace: string;
  name: string;
  listeners: readonly ListenerModel[];
}

export interface ParentLookup {
  /** A Gateway Istio programs routes for (not remote ones, not waypoints). */
  gateway(namespace: string, name: string): GatewayParent | undefined;
  serviceLabels(namespace: string, name: string): Record<string, string> | undefined;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  ambient: boolean;
}

/** One parentRef bound to one section: a listener of a Gateway, or the mesh side of a Service. */
export interface Binding {
  ref: ParentRef;
  kind: "Gateway" | "Service";
  namespace: string;
  name: string;
  listener?: ListenerModel;
  denied?: Denial;
  waypointError?: Denial;
}

export const parentKind = (ref: ParentRef): string => {
  const group = ref.group ?? GATEWAY_GROUP;
  const kind = ref.kind ?? "Gateway";
  if (group === GATEWAY_GROUP && kind === "Gateway") return "Gateway";
  if (group === "" && kind === "Service") return "Service";
  if (group === "networking.istio.io" && kind === "ServiceEntry") return "ServiceEntry";
  return "other";
};

const waypointConfigured = (labels: Record<string, string> | undefined) => {
  const value = labels?.[USE_WAYPOINT];
  return !!value && value.toLowerCase() !== "none";
};

function listenerDenial(
  ref: ParentRef,
  listener: ListenerModel,
  hostnames: readonly string[],
  routeNamespace: string,
): Denial | undefined {
  if (ref.port !== undefined && ref.port !== listener.port)
    return { reason: "NoMatchingParent", message: `port ${ref.port} not found` };
  if (ref.sectionName && ref.sectionName !== listener.name)
    return { reason: "NoMatchingParent", message: `sectionName "${ref.sectionName}" not found` };
  const routeHosts = hostnames.length ? hostnames : ["*"];
  const nsAllowed = listener.namespaces === "*" || listener.namespaces.has(routeNamespace);
  const hostMatched = routeHosts.some((h) => hostnamesOverlap(listener.hostname, h));
  const original = listener.hostname === "*" ? "" : listener.hostname;
  if (!hostMatched)
    return {
      reason: "NoMatchingListenerHostname",
      message: `no hostnames matched parent hostname "${original}"`,
    };
  if (!nsAllowed)
    return {
      reason: "NotAllowedByListeners",
      message: `hostnames matched parent hostname "${original}", but namespace "${routeNamespace}" is not allowed by the parent`,
    };
  if (!listener.supportedKinds.some((k) => k.group === GATEWAY_GROUP && k.kind === "HTTPRoute"))
    return { reason: "NotAllowedByListeners", message: `kind ${GATEWAY_GROUP}/v1/HTTPRoute is not allowed` };
  return undefined;
}

/** Every (parentRef, section) binding of an HTTPRoute that Istio looks at. */
export function bindings(
  parentRefs: readonly ParentRef[],
  hostnames: readonly string[],
  routeNamespace: string,
  lookup: ParentLookup,
): Binding[] {
  const out: Binding[] = [];
  for (const ref of parentRefs) {
    const kind = parentKind(ref);
    const namespace = ref.namespace ?? routeNamespace;
    const name = ref.name ?? "";
    if (kind === "Gateway") {
      // A Gateway that does not exist, or that another controller (or a remote class) owns,
      // gets no status from Istio at all.
      const gateway = lookup.gateway(namespace, name);
      for (const listener of gateway?.listeners ?? []) {
        const denied = listenerDenial(ref, listener, hostnames, routeNamespace);
        out.push({ ref, kind, namespace, name, listener, ...(denied ? { denied } : {}) });
      }
    } else if (kind === "Service") {
      const labels = lookup.serviceLabels(namespace, name);
      if (!labels) {
        out.push({
          ref,
          kind,
          namespace,
          name,
          denied: { reason: "NoMatchingParent", message: `parent service: "${name}" not found` },
          waypointError: { reason: "NoMatchingParent", message: "parent not found" },
        });
        continue;
      }
      const hasWaypoint = waypointConfigured(labels) || waypointConfigured(lookup.namespaceLabels(namespace));
      out.push({
        ref,
        kind,
        namespace,
        name,
        ...(hasWaypoint
          ? {}
          : {
              waypointError: {
                reason: "MissingUseWaypointLabel",
                message:
                  "istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected",
              },
            }),
      });
    } else if (kind === "ServiceEntry") {
      // The sandbox serves no ServiceEntry backends to route to.
      out.push({
        ref,
        kind: "Service",
        namespace,
        name,
        denied: { reason: "NoMatchingParent", message: `parent service entry: "${name}" not found` },
        waypointError: { reason: "NoMatchingParent", message: "parent not found" },
      });
    }
  }
  return out;
}

const RANK: Record<string, number> = {
  NotAllowedByListeners: 1,
  NoMatchingListenerHostname: 2,
  ParentRefConflict: 3,
  NoMatchingParent: 4,
};

/** One result per parentRef: accepted if any section took it, else its most telling refusal. */
export function parentResults(all: readonly Binding[]): ParentResult[] {
  const byRef = new Map<ParentRef, Binding[]>();
  for (const b of all) byRef.set(b.ref, [...(byRef.get(b.ref) ?? []), b]);
  const out: ParentResult[] = [];
  for (const [ref, list] of byRef) {
    const accepted = list.filter((b) => !b.denied).length;
    let denied: Denial | undefined;
    if (accepted === 0) {
      let rank = Infinity;
      for (const b of list) {
        const r = RANK[b.denied!.reason] ?? 5;
        if (r < rank) {
          rank = r;
          denied = { ...b.denied! };
        } else if (r === rank && denied) denied.message += `; ${b.denied!.message}`;
      }
    }
    const waypointError = list.find((b) => b.waypointError)?.waypointError;
    out.push({ ref, accepted, ...(denied ? { denied } : {}), ...(waypointError ? { waypointError } : {}) });
  }
  return out;
}
