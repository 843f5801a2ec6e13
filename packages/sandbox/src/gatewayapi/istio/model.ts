import type { KubeObject } from "../../kube.ts";
import { type Binding, bindings, type ParentResult, parentResults } from "./attachment.ts";
import { deployedName, type IstioClass, istioClass } from "./classes.ts";
import { hostMatches, hostnamesOverlap, specificity } from "./hostnames.ts";
import { type ListenerModel, listenerModel } from "./listeners.ts";
import { type ConvertedRoute, convertRoute, type RouteRule, sortRules } from "./rules.ts";
import {
  byAge,
  type GatewaySpec,
  type HttpRouteSpec,
  listOf,
  type NamedObject,
  named,
  type ParentRef,
} from "./types.ts";

// Everything Istio's Gateway API controller derives from the cluster at one moment: the Gateways
// of its classes with their listeners, each HTTPRoute's parents and rules, the route table of
// every gateway port and the mesh routes of every Service. The controller writes status from it
// and the data plane routes by it, so both always agree.

export interface GatewayApiObjects {
  gatewayClasses: Iterable<KubeObject>;
  gateways: Iterable<KubeObject>;
  httpRoutes: Iterable<KubeObject>;
  services: Iterable<KubeObject>;
  namespaces: Iterable<KubeObject>;
  referenceGrants: Iterable<KubeObject>;
  /** istiod runs with ambient support on (PILOT_ENABLE_AMBIENT). */
  ambient: boolean;
}

export interface GatewayModel {
  object: KubeObject;
  namespace: string;
  name: string;
  className: string;
  info: IstioClass;
  listeners: ListenerModel[];
  /** The Deployment, Service and ServiceAccount Istio makes for it. */
  deployedName: string;
  /** Routes attached to each listener, by listener index. */
  attachedRoutes: number[];
}

export interface RouteModel {
  object: KubeObject;
  namespace: string;
  name: string;
  parents: ParentResult[];
  converted: ConvertedRoute;
  bindings: Binding[];
}

export interface HostRules {
  hostname: string;
  rules: RouteRule[];
}

export interface MeshRoutes {
  rules: RouteRule[];
  /** The oldest route contributing: its age decides against VirtualServices for the host. */
  oldest: KubeObject;
  /** Routes in the caller's own namespace, which win over every VirtualService. */
  sameNamespace: boolean;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The name a route host takes on a listener: the more specific of the two. */
function effectiveHost(routeHost: string, listenerHost: string): string {
  if (listenerHost === "*") return routeHost;
  if (routeHost === "*") return listenerHost;
  return specificity(routeHost) >= specificity(listenerHost) ? routeHost : listenerHost;
}

export class GatewayApiModel {
  readonly gateways = new Map<string, GatewayModel>();
  readonly routes: RouteModel[] = [];
  readonly #services = new Map<string, KubeObject>();
  readonly #namespaces = new Map<string, KubeObject>();
  readonly #listenerRules = new Map<string, HostRules[]>();
  readonly #meshRules = new Map<string, MeshRoutes | null>();

  constructor(input: GatewayApiObjects) {
    for (const s of input.services)
      this.#services.set(key(s.metadata.namespace ?? "", s.metadata.name ?? ""), s);
    const namespaces = [...input.namespaces];
    for (const ns of namespaces) this.#namespaces.set(ns.metadata.name ?? "", ns);
    const classes = new Map<string, KubeObject>();
    for (const c of input.gatewayClasses) classes.set(c.metadata.name ?? "", c);
    for (const object of [...input.gateways].sort(byAge)) {
      const gw = named<GatewaySpec>(object);
      const className = gw.spec.gatewayClassName ?? "";
      const info = istioClass(
        (classes.get(className)?.spec as { controllerName?: unknown })?.controllerName,
        input.ambient,
      );
      if (!info) continue;
      const listeners = listOf(gw.spec.listeners).map((l, i) =>
        listenerModel(l, i, gw.namespace, info, namespaces),
      );
      this.gateways.set(key(gw.namespace, gw.name), {
        object,
        namespace: gw.namespace,
        name: gw.name,
        className,
        info,
        listeners,
        deployedName: deployedName(gw.name, className, info),
        attachedRoutes: listeners.map(() => 0),
      });
    }
    const grants = [...input.referenceGrants];
    const lookup = {
      gateway: (namespace: string, name: string) => {
        const g = this.gateways.get(key(namespace, name));
        // Istio programs routes for the gateways it deploys, not for remote ones or waypoints.
        return g?.info.deploys && !g.info.waypoint ? g : undefined;
      },
      serviceLabels: (namespace: string, name: string) => {
        const s = this.#services.get(key(namespace, name));
        return s ? (s.metadata.labels ?? {}) : undefined;
      },
      namespaceLabels: (namespace: string) => this.#namespaces.get(namespace)?.metadata.labels,
      ambient: input.ambient,
    };
    const backends = {
      serviceExists: (namespace: string, name: string) => this.#services.has(key(namespace, name)),
      granted: (from: string, to: string, name: string) => referenceGranted(grants, from, to, name),
    };
    for (const object of [...input.httpRoutes].sort(byAge)) {
      const route = named<HttpRouteSpec>(object);
      const all = bindings(
        listOf(route.spec.parentRefs),
        listOf(route.spec.hostnames),
        route.namespace,
        lookup,
      );
      if (all.length === 0) continue;
      const parents = parentResults(all);
      this.routes.push({
        object,
        namespace: route.namespace,
        name: route.name,
        parents,
        converted: convertRoute(route as NamedObject<HttpRouteSpec>, backends),
        bindings: all,
      });
      for (const b of all) {
        if (b.denied || !b.listener) continue;
        const gw = this.gateways.get(key(b.namespace, b.name));
        if (gw) gw.attachedRoutes[b.listener.index] = (gw.attachedRoutes[b.listener.index] ?? 0) + 1;
      }
    }
  }

  gateway(namespace: string, name: string): GatewayModel | undefined {
    return this.gateways.get(key(namespace, name));
  }

  /** The virtual hosts a gateway serves on `port`, most specific first. */
  listenerRules(gateway: GatewayModel, port: number): HostRules[] {
    const k = `${key(gateway.namespace, gateway.name)}:${port}`;
    let found = this.#listenerRules.get(k);
    if (!found) {
      const hosts = new Map<string, RouteRule[]>();
      for (const route of this.routes) {
        for (const b of route.bindings) {
          const l = b.listener;
          if (b.denied || !l || !l.serves || l.port !== port) continue;
          if (b.namespace !== gateway.namespace || b.name !== gateway.name) continue;
          const routeHosts = listOf((route.object.spec as HttpRouteSpec | undefined)?.hostnames);
          for (const h of routeHosts.length ? routeHosts : ["*"]) {
            if (!hostnamesOverlap(l.hostname, h)) continue;
            const host = effectiveHost(h, l.hostname);
            hosts.set(host, [...(hosts.get(host) ?? []), ...route.converted.rules]);
          }
        }
      }
      found = [...hosts]
        .map(([hostname, rules]) => ({ hostname, rules: sortRules(dedupe(rules)) }))
        .sort((a, b) => specificity(b.hostname) - specificity(a.hostname));
      this.#listenerRules.set(k, found);
    }
    return found;
  }

  /** The route table a gateway uses for a request to `host` on `port`, or undefined (404). */
  rulesFor(gateway: GatewayModel, port: number, host: string): RouteRule[] | undefined {
    return this.listenerRules(gateway, port).find((h) => hostMatches(h.hostname, host))?.rules;
  }

  /** Whether the gateway's proxies listen on `port`: some listener there that Istio programs. */
  listens(gateway: GatewayModel, port: number): boolean {
    return gateway.info.deploys && gateway.listeners.some((l) => l.port === port && l.serves);
  }

  /**
   * The mesh (GAMMA) routes for calls to a Service's port from a client namespace: routes in the
   * client's namespace (consumer routes) win; otherwise those in the Service's (producer routes).
   */
  meshRules(
    serviceNamespace: string,
    serviceName: string,
    port: number,
    clientNamespace: string,
  ): MeshRoutes | undefined {
    const k = `${serviceNamespace}/${serviceName}:${port}@${clientNamespace}`;
    let found = this.#meshRules.get(k);
    if (found === undefined) {
      const attached = this.routes.filter((r) =>
        r.bindings.some(
          (b) =>
            b.kind === "Service" &&
            !b.denied &&
            b.namespace === serviceNamespace &&
            b.name === serviceName &&
            (b.ref.port === undefined || b.ref.port === port),
        ),
      );
      const consumers = attached.filter((r) => r.namespace === clientNamespace);
      const chosen = consumers.length ? consumers : attached.filter((r) => r.namespace === serviceNamespace);
      found = chosen.length
        ? {
            rules: sortRules(chosen.flatMap((r) => r.converted.rules)),
            oldest: chosen[0]!.object,
            sameNamespace: chosen[0]!.namespace === clientNamespace,
          }
        : null;
      this.#meshRules.set(k, found);
    }
    return found ?? undefined;
  }
}

/** A route bound to two listeners of one port contributes its rules once. */
function dedupe(rules: RouteRule[]): RouteRule[] {
  return [...new Set(rules)];
}

interface ReferenceGrantSpec {
  from?: { group?: string; kind?: string; namespace?: string }[];
  to?: { group?: string; kind?: string; name?: string }[];
}

function referenceGranted(grants: readonly KubeObject[], from: string, to: string, name: string): boolean {
  return grants.some((g) => {
    if (g.metadata.namespace !== to) return false;
    const spec = (g.spec ?? {}) as ReferenceGrantSpec;
    const fromOk = listOf(spec.from).some(
      (f) => f.group === "gateway.networking.k8s.io" && f.kind === "HTTPRoute" && f.namespace === from,
    );
    const toOk = listOf(spec.to).some(
      (t) => (t.group ?? "") === "" && t.kind === "Service" && (!t.name || t.name === name),
    );
    return fromOk && toOk;
  });
}

export type { ParentRef };
