// Host names as Istio compares them: a leading "*" matches any suffix, anything else must be
// equal; Gateway server hosts may carry a namespace ("ns/host", "./host", "*/host").

export const CLUSTER_DOMAIN = "svc.cluster.local";

const isWildcard = (host: string) => host.startsWith("*");

/** Whether two host names overlap, Istio's host.Name.Matches. */
export function hostMatches(a: string, b: string): boolean {
  if (isWildcard(a)) {
    if (isWildcard(b)) {
      return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
    }
    return b.endsWith(a.slice(1));
  }
  if (isWildcard(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * A Gateway server's hosts as a VirtualService of `namespace` may bind them: "ns/host" only for
 * its own namespace (or "*"), the namespace part dropped. `./host` means the Gateway's own.
 */
export function gatewayHostsFor(
  hosts: readonly string[],
  gatewayNamespace: string,
  namespace: string,
): string[] {
  const out: string[] = [];
  for (const entry of hosts) {
    const slash = entry.indexOf("/");
    if (slash < 0) {
      out.push(entry);
      continue;
    }
    const scope = entry.slice(0, slash) === "." ? gatewayNamespace : entry.slice(0, slash);
    if (scope === namespace || scope === "*") out.push(entry.slice(slash + 1));
  }
  return out;
}

/** A short host made a cluster-local FQDN in `namespace`; wildcards and dotted names stay. */
export function toFqdn(host: string, namespace: string): string {
  return isWildcard(host) || host.includes(".") ? host : `${host}.${namespace}.${CLUSTER_DOMAIN}`;
}

/**
 * The Service a host names, read relative to `namespace` (short name, name.ns, name.ns.svc,
 * the full cluster-local name). Null for wildcards and hosts outside the cluster.
 */
export function serviceOf(host: string, namespace: string): { namespace: string; name: string } | null {
  if (!host || host.includes("*")) return null;
  const parts = host.split(".");
  const name = parts[0]!;
  if (parts.length === 1) return { namespace, name };
  const rest = parts.slice(2).join(".");
  if (rest === "" || rest === "svc" || rest === CLUSTER_DOMAIN) return { namespace: parts[1]!, name };
  return null;
}

/** "ns/name" of a Gateway a VirtualService names: "name", "ns/name" or the old "name.ns.svc.cluster.local". */
export function gatewayRef(reference: string, namespace: string): { namespace: string; name: string } {
  const slash = reference.indexOf("/");
  if (slash >= 0) return { namespace: reference.slice(0, slash), name: reference.slice(slash + 1) };
  const fqdn = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(reference);
  if (fqdn) return { namespace: fqdn[2]!, name: fqdn[1]! };
  return { namespace, name: reference };
}
