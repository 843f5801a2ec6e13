import type { KubeObject } from "../kube.ts";

// Loose shapes of the networking.istio.io specs the data plane reads. Objects come from
// whatever a user applied (v1, v1beta1 or v1alpha3 alike), so every field is optional and
// read defensively.

export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

export interface HttpMatchRequest {
  name?: string;
  uri?: StringMatch;
  scheme?: StringMatch;
  method?: StringMatch;
  authority?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
  queryParams?: Record<string, StringMatch>;
  ignoreUriCase?: boolean;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
  gateways?: string[];
  port?: number;
}

export interface Destination {
  host?: string;
  subset?: string;
  port?: { number?: number };
}

export interface HttpRouteDestination {
  destination?: Destination;
  weight?: number;
}

export interface Percent {
  value?: number;
}

export interface HttpFault {
  delay?: { fixedDelay?: string; percentage?: Percent; percent?: number };
  abort?: { httpStatus?: number; percentage?: Percent; percent?: number };
}

export interface HttpRetry {
  attempts?: number;
  perTryTimeout?: string;
  retryOn?: string;
}

export interface HttpRoute {
  name?: string;
  match?: HttpMatchRequest[];
  route?: HttpRouteDestination[];
  fault?: HttpFault;
  timeout?: string;
  retries?: HttpRetry;
  redirect?: { uri?: string; authority?: string; redirectCode?: number };
  directResponse?: { status?: number; body?: { string?: string } };
}

export interface VirtualServiceSpec {
  hosts?: string[];
  gateways?: string[];
  http?: HttpRoute[];
}

export interface GatewayServer {
  port?: { number?: number; name?: string; protocol?: string };
  hosts?: string[];
}

export interface GatewaySpec {
  selector?: Record<string, string>;
  servers?: GatewayServer[];
}

export interface Subset {
  name?: string;
  labels?: Record<string, string>;
}

export interface DestinationRuleSpec {
  host?: string;
  subsets?: Subset[];
}

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
}

export const specOf = <T>(object: KubeObject): T => (object.spec ?? {}) as T;

/** A list field as applied, or empty when it is missing or not a list (no schema stops that). */
export const listOf = <T>(value: readonly T[] | undefined): T[] =>
  Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [];

/** The string entries of a list field. */
export const stringsOf = (value: readonly unknown[] | undefined): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
