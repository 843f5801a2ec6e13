// Hostname matching as Istio applies it to Gateway API listeners and routes: "*" matches
// anything, "*.example.com" any name below example.com, and two wildcards overlap when one's
// suffix contains the other's.

const suffixOf = (h: string) => h.slice(1); // "*.example.com" -> ".example.com"

/** Whether two hostnames (either may be a wildcard) can describe a common name. */
export function hostnamesOverlap(a: string, b: string): boolean {
  if (a === "*" || b === "*" || a === b) return true;
  const aWild = a.startsWith("*.");
  const bWild = b.startsWith("*.");
  if (aWild && bWild) return a.endsWith(suffixOf(b)) || b.endsWith(suffixOf(a));
  if (aWild) return b.endsWith(suffixOf(a));
  if (bWild) return a.endsWith(suffixOf(b));
  return false;
}

/** Whether a request for `host` (no port, lower case) is for `pattern`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return host.endsWith(suffixOf(pattern)) && host.length > pattern.length - 1;
  return pattern === host;
}

/**
 * How specific a matching pattern is, for picking the virtual host Envoy would: an exact name
 * beats any wildcard, a longer wildcard beats a shorter one, and "*" comes last.
 */
export function specificity(pattern: string): number {
  if (pattern === "*") return 0;
  if (pattern.startsWith("*.")) return pattern.length;
  return 100_000 + pattern.length;
}
