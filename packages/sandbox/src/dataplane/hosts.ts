// Host names as Istio and cluster DNS read them.

const DOMAIN = "svc.cluster.local";

export const serviceFqdn = (name: string, namespace: string): string => `${name}.${namespace}.${DOMAIN}`;

/**
 * A host written in a VirtualService or DestinationRule. Istio expands only short names, and
 * against the rule's own namespace, not the service's; anything with a dot is taken literally.
 */
export function ruleHost(host: string, ruleNamespace: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, "");
  if (h.includes("*") || h.includes(".")) return h;
  return serviceFqdn(h, ruleNamespace);
}

/**
 * The name a pod's resolver turns `host` into, with the search path Kubernetes gives a pod in
 * `namespace` (<ns>.svc.cluster.local, svc.cluster.local, cluster.local).
 */
export function dnsCandidates(host: string, namespace: string): string[] {
  const h = host.toLowerCase().replace(/\.$/, "");
  const dots = h.split(".").length - 1;
  if (dots === 0) return [`${h}.${namespace}.${DOMAIN}`];
  if (h.endsWith(`.${DOMAIN}`)) return [h];
  return [`${h}.${DOMAIN}`, `${h}.cluster.local`, h];
}

/** `pattern` is a rule host: "*", "*.suffix" or an exact name. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

/**
 * A Gateway server host is "[namespace/]dnsName"; the namespace part ("*" or "." or a name)
 * limits which namespaces' VirtualServices may bind to it.
 */
export function gatewayServerHost(
  entry: string,
  gatewayNamespace: string,
): { namespace: string; host: string } {
  const slash = entry.indexOf("/");
  if (slash === -1) return { namespace: "*", host: entry.toLowerCase() };
  const ns = entry.slice(0, slash);
  return { namespace: ns === "." ? gatewayNamespace : ns, host: entry.slice(slash + 1).toLowerCase() };
}
