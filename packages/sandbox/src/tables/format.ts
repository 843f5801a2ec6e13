// Text helpers shared by the printers, following the Go formatting the API server uses for
// label maps, label selectors and container lists.

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface NamedImage {
  name: string;
  image?: string;
}

/** A label map as `k=v` pairs sorted by key; "<none>" when empty (Service SELECTOR). */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const text = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${key}=${labels![key]}`)
    .join(",");
  return text || "<none>";
}

/**
 * A label selector in selector syntax, requirements sorted by key, or undefined when it is
 * invalid. Nil and empty selectors both print as "".
 */
export function selectorString(selector: LabelSelector | undefined | null): string | undefined {
  if (!selector) return "";
  const requirements: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    requirements.push({ key, text: `${key}=${value}` });
  }
  for (const expression of selector.matchExpressions ?? []) {
    const text = requirementString(expression);
    if (text === undefined) return undefined;
    requirements.push({ key: expression.key, text });
  }
  return requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => r.text)
    .join(",");
}

/** A selector for the SELECTOR column of ReplicaSets: "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const text = selectorString(selector);
  if (text === undefined) return "<error>";
  return text || "<none>";
}

function requirementString({ key, operator, values = [] }: LabelSelectorRequirement): string | undefined {
  // Sorted only for display; the object itself keeps the author's order.
  const list = values.length === 1 ? values[0] : [...values].sort().join(",");
  switch (operator) {
    case "In":
      return values.length > 0 ? `${key} in (${list})` : undefined;
    case "NotIn":
      return values.length > 0 ? `${key} notin (${list})` : undefined;
    case "Exists":
      return values.length === 0 ? key : undefined;
    case "DoesNotExist":
      return values.length === 0 ? `!${key}` : undefined;
    default:
      return undefined;
  }
}

/** CONTAINERS and IMAGES of the wide output: names and images, comma-joined in spec order. */
export function containerCells(containers: NamedImage[] | undefined): { names: string; images: string } {
  const list = containers ?? [];
  return {
    names: list.map((c) => c.name).join(","),
    images: list.map((c) => c.image ?? "").join(","),
  };
}

/** host:port with IPv6 addresses in brackets, like Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
