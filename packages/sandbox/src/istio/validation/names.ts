// Istio's checks of host names, ports and labels (pkg/config/validation/agent), in its words.

import { isIP } from "node:net";
import { append, type Errors, error, none } from "./errors.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

export const isDns1123Label = (value: string): boolean => value.length <= 63 && DNS1123_LABEL.test(value);
const isWildcardLabel = (value: string): boolean => value.length <= 63 && WILDCARD_LABEL.test(value);
export const isIpAddress = (value: string): boolean => isIP(value) !== 0;

function preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name.length === 0) return "empty domain name not allowed";
  return undefined;
}

export function validateDns1123Labels(domain: string): string | undefined {
  const parts = domain.split(".");
  const top = parts.at(-1) ?? "";
  if (top !== "" && /^[-+]?\d+$/.test(top)) {
    return `domain name ${JSON.stringify(domain)} invalid (top level domain ${JSON.stringify(top)} cannot be all-numeric)`;
  }
  for (const [i, label] of parts.entries()) {
    // A trailing dot (istio.io.) is allowed.
    if (i === parts.length - 1 && label === "") return undefined;
    if (!isDns1123Label(label))
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(label)} invalid)`;
  }
  return undefined;
}

/** Wildcards only in the first label: `*.example.com`, `*`, `reviews`. */
export function validateWildcardDomain(domain: string): string | undefined {
  const problem = preconditions(domain);
  if (problem) return problem;
  const dot = domain.indexOf(".");
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardLabel(first))
    return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  return dot < 0 ? undefined : validateDns1123Labels(domain.slice(dot + 1));
}

/** Hosts of a VirtualService bound to a gateway may also end in a wildcard: `example.*`. */
export function validateGatewayBoundHost(sni: boolean, domain: string): string | undefined {
  const problem = preconditions(domain);
  if (problem) return problem;
  const asWildcard = validateWildcardDomain(domain);
  if (!asWildcard || sni || !domain.endsWith(".*")) return asWildcard;
  return validateDns1123Labels(domain.slice(0, -2));
}

export function validateFqdn(fqdn: string): string | undefined {
  return preconditions(fqdn) ?? validateDns1123Labels(fqdn);
}

export const validatePort = (port: number): string | undefined =>
  port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;

/** `namespace/host` entries of Gateway servers and Sidecar egress listeners. */
export function validateNamespaceSlashHost(hostname: string, isGateway: boolean): Errors {
  const errors = none();
  const slash = hostname.indexOf("/");
  if (slash < 0) {
    if (isGateway) return append(errors, validateWildcardDomain(hostname));
    return append(errors, "host must be of form namespace/dnsName");
  }
  const namespace = hostname.slice(0, slash);
  const host = hostname.slice(slash + 1);
  if (!namespace || !host) append(errors, "config namespace and dnsName in host entry cannot be empty");
  const special = isGateway ? ["*", "."] : ["*", ".", "~"];
  if (!special.includes(namespace) && !isDns1123Label(namespace)) {
    append(
      errors,
      `invalid namespace value ${JSON.stringify(namespace)} in ${isGateway ? "gateway" : "sidecar"}`,
    );
  }
  return append(errors, validateWildcardDomain(host));
}

/** Gateway references of a VirtualService: `namespace/name`, `name`, or `mesh`. */
export function validateGatewayNames(names: string[]): Errors {
  const errors = none();
  for (const name of names) {
    const slash = name.indexOf("/");
    if (slash < 0) {
      append(errors, validateFqdn(name));
      continue;
    }
    const namespace = name.slice(0, slash);
    const gateway = name.slice(slash + 1);
    if (!namespace || !gateway) append(errors, "config namespace and gateway name cannot be empty");
    if (!isDns1123Label(namespace))
      append(errors, `invalid value for namespace: ${JSON.stringify(namespace)}`);
    if (!isDns1123Label(gateway))
      append(errors, `invalid value for gateway name: ${JSON.stringify(gateway)}`);
  }
  return errors;
}

/** Istio's host.Name.Matches: equal names, or a wildcard covering the other. */
export function hostsOverlap(a: string, b: string): boolean {
  const aWild = a.startsWith("*");
  const bWild = b.startsWith("*");
  if (aWild && bWild)
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aWild) return b.endsWith(a.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

export { error };
