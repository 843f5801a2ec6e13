// The route kinds of the Gateway API: HTTPRoute and GRPCRoute (standard), TCPRoute, TLSRoute and
// UDPRoute (experimental).

import { arr, bool, enumOf, int32, obj, str } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import {
  backendObjectReference,
  backendRef,
  type Channel,
  duration,
  group,
  headerName,
  hostnames,
  kind,
  objectName,
  parentRefs,
  portNumber,
  preciseHostname,
  routeStatus,
  sectionName,
} from "./common.ts";

const root = (description: string, spec: JSONSchemaProps, specRequired = true): JSONSchemaProps =>
  obj(
    description,
    {
      apiVersion: str("The versioned schema of this representation of the object."),
      kind: str("The REST resource this object represents."),
      metadata: { type: "object" },
      spec,
      status: routeStatus,
    },
    specRequired ? { required: ["spec"] } : {},
  );

const headerValues = (description: string) =>
  arr(
    description,
    obj(
      undefined,
      {
        name: headerName("The header's name, case-insensitive."),
        value: str("The header's value.", { maxLength: 4096, minLength: 1 }),
      },
      { required: ["name", "value"] },
    ),
    { maxItems: 16, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
  );

const headerModifier = (description: string) =>
  obj(description, {
    add: headerValues("Headers added, after any existing values."),
    remove: arr("Headers removed.", { type: "string" }, { maxItems: 16, "x-kubernetes-list-type": "set" }),
    set: headerValues("Headers set, replacing any existing values."),
  });

const requestMirror = obj(
  "Send a copy of each request to another backend; its responses are ignored.",
  {
    backendRef: backendObjectReference("The backend that gets the copies."),
    fraction: obj(
      "The share of requests mirrored, as a fraction.",
      {
        denominator: int32(undefined, { default: 100, minimum: 1 }),
        numerator: int32(undefined, { minimum: 0 }),
      },
      { required: ["numerator"] },
    ),
    percent: int32("The share of requests mirrored, in percent.", { maximum: 100, minimum: 0 }),
  },
  { required: ["backendRef"] },
);

const localObjectReference = obj(
  "An implementation-specific filter.",
  {
    group: group("Group of the referent."),
    kind: kind("Kind of the referent."),
    name: objectName("Name of the referent."),
  },
  { required: ["group", "kind", "name"] },
);

const pathModifier = (description: string) =>
  obj(
    description,
    {
      replaceFullPath: str("The path that replaces the whole request path.", { maxLength: 1024 }),
      replacePrefixMatch: str("What replaces the prefix the rule matched.", { maxLength: 1024 }),
      type: enumOf("ReplaceFullPath or ReplacePrefixMatch.", ["ReplaceFullPath", "ReplacePrefixMatch"]),
    },
    { required: ["type"] },
  );

function httpFilter(channel: Channel): JSONSchemaProps {
  const experimentalTypes = channel === "experimental" ? ["CORS", "ExternalAuth"] : [];
  return obj(
    "A processing step for requests matching the rule.",
    {
      ...(channel === "experimental"
        ? {
            cors: obj("Cross-origin resource sharing for the matched requests.", {
              allowCredentials: bool("Whether credentials may be sent."),
              allowHeaders: arr(undefined, headerName(""), { maxItems: 64, "x-kubernetes-list-type": "set" }),
              allowMethods: arr(
                undefined,
                { type: "string" },
                { maxItems: 9, "x-kubernetes-list-type": "set" },
              ),
              allowOrigins: arr(
                undefined,
                { type: "string", maxLength: 253, minLength: 1 },
                { maxItems: 64, "x-kubernetes-list-type": "set" },
              ),
              exposeHeaders: arr(undefined, headerName(""), {
                maxItems: 64,
                "x-kubernetes-list-type": "set",
              }),
              maxAge: int32("Seconds a preflight may be cached.", { default: 5, minimum: 1 }),
            }),
            externalAuth: obj(
              "Ask an external service whether to let the request through.",
              {
                backendRef: backendObjectReference("The authorization service."),
                protocol: enumOf("HTTP or GRPC.", ["HTTP", "GRPC"]),
              },
              { required: ["backendRef", "protocol"] },
            ),
          }
        : {}),
      extensionRef: localObjectReference,
      requestHeaderModifier: headerModifier("Change the request's headers."),
      requestMirror,
      requestRedirect: obj("Answer with a redirect.", {
        hostname: preciseHostname("The hostname to redirect to."),
        path: pathModifier("The path to redirect to."),
        port: portNumber("The port to redirect to."),
        scheme: enumOf("The scheme to redirect to.", ["http", "https"]),
        statusCode: int32("The redirect's HTTP status.", { default: 302, enum: [301, 302] }),
      }),
      responseHeaderModifier: headerModifier("Change the response's headers."),
      type: enumOf("Which filter this is; only the matching field may be set.", [
        "RequestHeaderModifier",
        "ResponseHeaderModifier",
        "RequestMirror",
        "RequestRedirect",
        "URLRewrite",
        "ExtensionRef",
        ...experimentalTypes,
      ]),
      urlRewrite: obj("Rewrite the request's hostname or path before forwarding.", {
        hostname: preciseHostname("The hostname that replaces the Host header."),
        path: pathModifier("The path rewrite."),
      }),
    },
    {
      required: ["type"],
      "x-kubernetes-validations": [
        {
          message: "filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type",
          rule: "!(!has(self.requestHeaderModifier) && self.type == 'RequestHeaderModifier')",
        },
      ],
    },
  );
}

const httpMatch = obj("A condition a request must meet; all of its parts must hold.", {
  headers: arr(
    "Header matches.",
    obj(
      undefined,
      {
        name: headerName("The header's name, case-insensitive."),
        type: enumOf("Exact or RegularExpression.", ["Exact", "RegularExpression"], { default: "Exact" }),
        value: str("The value to match.", { maxLength: 4096, minLength: 1 }),
      },
      { required: ["name", "value"] },
    ),
    { maxItems: 16, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
  ),
  method: enumOf("The HTTP method.", [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
  ]),
  path: obj(
    "The request path to match.",
    {
      type: enumOf("Exact, PathPrefix or RegularExpression.", ["Exact", "PathPrefix", "RegularExpression"], {
        default: "PathPrefix",
      }),
      value: str("The path to match against.", { default: "/", maxLength: 1024 }),
    },
    {
      default: { type: "PathPrefix", value: "/" },
      "x-kubernetes-validations": [
        {
          message:
            "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
          rule: "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true",
        },
      ],
    },
  ),
  queryParams: arr(
    "Query parameter matches.",
    obj(
      undefined,
      {
        name: str("The parameter's name, case-sensitive.", {
          maxLength: 256,
          minLength: 1,
          pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$",
        }),
        type: enumOf("Exact or RegularExpression.", ["Exact", "RegularExpression"], { default: "Exact" }),
        value: str("The value to match.", { maxLength: 1024, minLength: 1 }),
      },
      { required: ["name", "value"] },
    ),
    { maxItems: 16, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
  ),
});

const sessionPersistence = obj("Keep a client's requests on the same backend.", {
  absoluteTimeout: duration("How long a session lasts at most."),
  cookieConfig: obj("The session cookie.", {
    lifetimeType: enumOf(undefined, ["Permanent", "Session"], { default: "Session" }),
  }),
  idleTimeout: duration("How long a session lasts without requests."),
  sessionName: str("The cookie or header that carries the session.", { maxLength: 128 }),
  type: enumOf("Cookie or Header.", ["Cookie", "Header"], { default: "Cookie" }),
});

function httpRouteRule(channel: Channel): JSONSchemaProps {
  const filters = arr("Processing steps for matching requests.", httpFilter(channel), { maxItems: 16 });
  return obj("Matching conditions, filters and backends.", {
    backendRefs: arr(
      "Where matching requests go, split by weight.",
      backendRef("A backend of the rule.", {
        filters: arr("Processing steps for requests to this backend.", httpFilter(channel), { maxItems: 16 }),
      }),
      { maxItems: 16 },
    ),
    filters,
    matches: arr("Conditions for the rule; any one of them.", httpMatch, {
      default: [{ path: { type: "PathPrefix", value: "/" } }],
      maxItems: 64,
    }),
    name: sectionName("A name for the rule."),
    ...(channel === "experimental"
      ? {
          retry: obj("When and how failed requests are retried.", {
            attempts: { type: "integer", description: "How many retries a request gets." },
            backoff: duration("Minimum time between retries."),
            codes: arr("HTTP statuses that trigger a retry.", {
              type: "integer",
              maximum: 599,
              minimum: 400,
            }),
          }),
          sessionPersistence,
        }
      : {}),
    timeouts: obj("Timeouts for matching requests.", {
      backendRequest: duration("Timeout of one request from the Gateway to a backend."),
      request: duration("Timeout of the whole request, retries included."),
    }),
  });
}

export function httpRouteSchema(channel: Channel): JSONSchemaProps {
  return root(
    "How HTTP requests from a listener (or to a Service) are routed to backends.",
    obj("The desired state of the route.", {
      hostnames,
      parentRefs,
      rules: arr("Rules matching requests and the backends they go to.", httpRouteRule(channel), {
        default: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
        maxItems: 16,
      }),
    }),
  );
}

function grpcFilter(): JSONSchemaProps {
  return obj(
    "A processing step for gRPC requests matching the rule.",
    {
      extensionRef: localObjectReference,
      requestHeaderModifier: headerModifier("Change the request's headers."),
      requestMirror,
      responseHeaderModifier: headerModifier("Change the response's headers."),
      type: enumOf("Which filter this is.", [
        "ResponseHeaderModifier",
        "RequestHeaderModifier",
        "RequestMirror",
        "ExtensionRef",
      ]),
    },
    { required: ["type"] },
  );
}

export function grpcRouteSchema(channel: Channel): JSONSchemaProps {
  const rule = obj("Matching conditions, filters and backends.", {
    backendRefs: arr(
      "Where matching requests go, split by weight.",
      backendRef("A backend of the rule.", { filters: arr(undefined, grpcFilter(), { maxItems: 16 }) }),
      { maxItems: 16 },
    ),
    filters: arr("Processing steps for matching requests.", grpcFilter(), { maxItems: 16 }),
    matches: arr(
      "Conditions for the rule; any one of them.",
      obj(undefined, {
        headers: arr(
          "Header (metadata) matches.",
          obj(
            undefined,
            {
              name: headerName("The header's name."),
              type: enumOf("Exact or RegularExpression.", ["Exact", "RegularExpression"], {
                default: "Exact",
              }),
              value: str("The value to match.", { maxLength: 4096, minLength: 1 }),
            },
            { required: ["name", "value"] },
          ),
          { maxItems: 16, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
        ),
        method: obj("The gRPC service and method.", {
          method: str("The method name.", { maxLength: 1024 }),
          service: str("The fully qualified service name.", { maxLength: 1024 }),
          type: enumOf("Exact or RegularExpression.", ["Exact", "RegularExpression"], { default: "Exact" }),
        }),
      }),
      { maxItems: 64 },
    ),
    name: sectionName("A name for the rule."),
    ...(channel === "experimental" ? { sessionPersistence } : {}),
  });
  return root(
    "How gRPC requests from a listener (or to a Service) are routed to backends.",
    obj("The desired state of the route.", {
      hostnames,
      parentRefs,
      rules: arr("Rules matching requests and the backends they go to.", rule, { maxItems: 16 }),
    }),
  );
}

/** TCPRoute and UDPRoute: connections forwarded to backends. */
export function l4RouteSchema(what: string, withHostnames: boolean): JSONSchemaProps {
  return root(
    `How ${what} from a listener are forwarded to backends.`,
    obj(
      "The desired state of the route.",
      {
        ...(withHostnames ? { hostnames } : {}),
        parentRefs,
        rules: arr(
          "Rules and the backends they forward to.",
          obj(undefined, {
            backendRefs: arr("Where connections go, split by weight.", backendRef("A backend of the rule."), {
              maxItems: 16,
              minItems: 1,
            }),
            name: sectionName("A name for the rule."),
          }),
          { maxItems: 16, minItems: 1 },
        ),
      },
      { required: ["rules"] },
    ),
  );
}
