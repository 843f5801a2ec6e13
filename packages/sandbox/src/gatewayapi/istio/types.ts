import type { LabelSelectorSpec } from "../../api/selectors.ts";
import type { KubeObject } from "../../kube.ts";

// Loose shapes of the Gateway API specs Istio's controller reads. Objects are stored as applied
// (after the CRD schema's defaults), so every field is optional and read defensively.

export interface ParentRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

export interface ObjectRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface Listener {
  name?: string;
  port?: number;
  protocol?: string;
  hostname?: string;
  tls?: { mode?: string; certificateRefs?: ObjectRef[] };
  allowedRoutes?: {
    namespaces?: { from?: string; selector?: LabelSelectorSpec };
    kinds?: { group?: string; kind?: string }[];
  };
}

export interface GatewaySpec {
  gatewayClassName?: string;
  listeners?: Listener[];
  addresses?: { type?: string; value?: string }[];
}

export interface HeaderFilter {
  set?: { name?: string; value?: string }[];
  add?: { name?: string; value?: string }[];
  remove?: string[];
}

export interface PathModifier {
  type?: string;
  replaceFullPath?: string;
  replacePrefixMatch?: string;
}

export interface HttpRouteFilter {
  type?: string;
  requestHeaderModifier?: HeaderFilter;
  responseHeaderModifier?: HeaderFilter;
  requestRedirect?: {
    scheme?: string;
    hostname?: string;
    path?: PathModifier;
    port?: number;
    statusCode?: number;
  };
  urlRewrite?: { hostname?: string; path?: PathModifier };
}

export interface HttpBackendRef extends ObjectRef {
  port?: number;
  weight?: number;
  filters?: HttpRouteFilter[];
}

export interface ValueMatch {
  type?: string;
  name?: string;
  value?: string;
}

export interface HttpRouteMatch {
  path?: { type?: string; value?: string };
  headers?: ValueMatch[];
  queryParams?: ValueMatch[];
  method?: string;
}

export interface HttpRouteRule {
  name?: string;
  matches?: HttpRouteMatch[];
  filters?: HttpRouteFilter[];
  backendRefs?: HttpBackendRef[];
  timeouts?: { request?: string; backendRequest?: string };
}

export interface HttpRouteSpec {
  parentRefs?: ParentRef[];
  hostnames?: string[];
  rules?: HttpRouteRule[];
}

/** A condition as Istio computes it, before the timestamps and generation are stamped on. */
export interface ConditionResult {
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface NamedObject<T> {
  object: KubeObject;
  namespace: string;
  name: string;
  spec: T;
}

export const listOf = <T>(value: readonly T[] | undefined): T[] =>
  Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [];

export function named<T>(object: KubeObject): NamedObject<T> {
  return {
    object,
    namespace: object.metadata.namespace ?? "default",
    name: object.metadata.name ?? "",
    spec: (object.spec ?? {}) as T,
  };
}

/** Istio orders routes by age, then namespace, then name. */
export function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.namespace ?? "";
  const nb = b.metadata.namespace ?? "";
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a.metadata.name ?? "";
  const mb = b.metadata.name ?? "";
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
