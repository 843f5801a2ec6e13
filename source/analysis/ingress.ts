// Which VirtualService the shared ingress gateway sends a request to. Istio merges the routes of
// every VirtualService bound to a Gateway server that takes the host, oldest first, and the first
// rule that matches wins: with two Bookinfos claiming host "*", the older one gets the pages.

import { httpRoutes, virtualServiceGateways, virtualServiceHosts } from "../model/istioConfig.ts";
import type { KubeObject } from "../model/kube.ts";
import { gatewayHostsFor, gatewayRef, hostMatches } from "./hosts.ts";
import { byAge, fullName, type MeshView, namespaceOf } from "./view.ts";

/** A Gateway server that takes the request: its Gateway and hosts. */
export interface AcceptingServer {
  gateway: KubeObject;
  hosts: string[];
}

/** The VirtualService whose rule takes GET `path` for `host` through these servers, if any. */
export function routeThrough(
  view: MeshView,
  servers: readonly AcceptingServer[],
  host: string,
  path: string,
): KubeObject | undefined {
  const byGateway = new Map<string, AcceptingServer[]>();
  for (const server of servers) {
    const name = fullName(server.gateway, view.namespace);
    byGateway.set(name, [...(byGateway.get(name) ?? []), server]);
  }
  for (const vs of [...view.virtualServices].sort(byAge)) {
    const vsNamespace = namespaceOf(vs, view.namespace);
    const bound = virtualServiceGateways(vs).some((reference) => {
      const { namespace, name } = gatewayRef(reference, vsNamespace);
      return (byGateway.get(`${namespace}/${name}`) ?? []).some((server) =>
        gatewayHostsFor(server.hosts, namespaceOf(server.gateway, view.namespace), vsNamespace).some((h) =>
          hostMatches(h, host),
        ),
      );
    });
    if (!bound || !virtualServiceHosts(vs).some((h) => hostMatches(h, host))) continue;
    if (httpRoutes(vs).some((route) => takes(route.match, path))) return vs;
  }
  return undefined;
}

/** Whether a rule's match takes a plain GET of `path`; conditions beyond the path are not assumed. */
function takes(
  match: readonly { uri?: Record<string, string>; [field: string]: unknown }[] | undefined,
  path: string,
) {
  if (!match) return true;
  return match.some((m) => {
    if (Object.keys(m).some((k) => k !== "uri" && k !== "name")) return false;
    const uri = m.uri;
    if (!uri) return true;
    if (typeof uri.exact === "string") return path === uri.exact;
    if (typeof uri.prefix === "string") return path.startsWith(uri.prefix);
    if (typeof uri.regex === "string") {
      try {
        return new RegExp(`^(?:${uri.regex})$`).test(path);
      } catch {
        return false;
      }
    }
    return false;
  });
}
