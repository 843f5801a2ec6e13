// Specs of networking.istio.io's kinds, written from Istio's API reference: field names, types,
// oneofs, enums and required fields as Istio's generated CRDs declare them.

import {
  arr,
  atMostOneOf,
  bool,
  double,
  enumOf,
  int32,
  intOrString,
  map,
  obj,
  preserved,
  str,
  stringMap,
  strings,
  uint32,
} from "../../schema/build.ts";
import type { JSONSchemaProps } from "../../schema/types.ts";
import {
  clientTlsSettings,
  destination,
  duration,
  exportTo,
  headers,
  int32OrNull,
  percent,
  portSelector,
  stringMatch,
  workloadSelector,
} from "./common.ts";

const httpMatch = obj(undefined, {
  authority: stringMatch("Matches the HTTP authority (Host) header."),
  gateways: strings("Gateways the match applies to; overrides the service's gateways."),
  headers: map("Header matches; header names are lower case.", stringMatch()),
  ignoreUriCase: bool("Match the URI case-insensitively."),
  method: stringMatch("Matches the HTTP method."),
  name: str("A name for the match, kept in the route's name for debugging."),
  port: uint32("Matches requests to this port of the host."),
  queryParams: map("Query parameter matches.", stringMatch()),
  scheme: stringMatch("Matches the URI scheme."),
  sourceLabels: stringMap("Matches requests from workloads with these labels."),
  sourceNamespace: str("Matches requests from workloads in this namespace."),
  statPrefix: str("A prefix for the statistics Envoy emits for this route."),
  uri: stringMatch("Matches the request path: exact, prefix or regex."),
  withoutHeaders: map("Header matches that must not hold.", stringMatch()),
});

const httpRouteDestination = obj(
  undefined,
  {
    destination: destination("Where the request goes."),
    headers,
    weight: int32("The share of traffic this destination gets, relative to the others."),
  },
  { required: ["destination"] },
);

const routeDestination = obj(
  undefined,
  {
    destination: destination("Where the connection goes."),
    weight: int32("The share of traffic this destination gets, relative to the others."),
  },
  { required: ["destination"] },
);

const httpRoute = obj(undefined, {
  corsPolicy: obj("Cross-origin resource sharing (CORS) policy.", {
    allowCredentials: bool("Whether the actual request may use credentials.", { nullable: true }),
    allowHeaders: strings("Headers the request may use."),
    allowMethods: strings("Methods the request may use."),
    allowOrigin: strings(),
    allowOrigins: arr("Origins allowed, as string matches.", stringMatch()),
    exposeHeaders: strings("Headers the browser may read."),
    maxAge: duration("How long a preflight's result may be cached."),
    unmatchedPreflights: enumOf("What happens to preflights that match no allowed origin.", [
      "UNSPECIFIED",
      "FORWARD",
      "IGNORE",
    ]),
  }),
  delegate: obj("Another VirtualService that defines this route's rules.", {
    name: str("Name of the delegate VirtualService."),
    namespace: str("Namespace of the delegate VirtualService."),
  }),
  directResponse: obj(
    "Answer the request directly instead of forwarding it.",
    {
      body: obj(
        "The response body.",
        { bytes: str("Base64-encoded bytes.", { format: "binary" }), string: str() },
        atMostOneOf("string", "bytes"),
      ),
      status: uint32("The HTTP status to answer with."),
    },
    { required: ["status"] },
  ),
  fault: obj("Faults injected into the client side of the traffic.", {
    abort: obj(
      "Answer some requests with an error instead of forwarding them.",
      {
        grpcStatus: str("The gRPC status to answer with."),
        http2Error: str(),
        httpStatus: int32("The HTTP status to answer with."),
        percentage: percent("Share of requests to abort."),
      },
      atMostOneOf("httpStatus", "grpcStatus", "http2Error"),
    ),
    delay: obj(
      "Delay some requests before forwarding them.",
      {
        exponentialDelay: duration(),
        fixedDelay: duration("The delay before forwarding."),
        percent: int32("Share of requests to delay (0-100); prefer percentage."),
        percentage: percent("Share of requests to delay."),
      },
      atMostOneOf("fixedDelay", "exponentialDelay"),
    ),
  }),
  headers,
  match: arr("Conditions a request must meet for the rule to apply; any one of them.", httpMatch),
  mirror: destination("Also send a copy of each request here."),
  mirror_percent: uint32(undefined, { nullable: true }),
  mirrorPercent: uint32(undefined, { nullable: true }),
  mirrorPercentage: percent("Share of requests mirrored."),
  mirrors: arr(
    "Destinations that get copies of the requests.",
    obj(
      undefined,
      { destination: destination("Where the copies go."), percentage: percent("Share of requests copied.") },
      { required: ["destination"] },
    ),
  ),
  name: str("A name for the route, for debugging."),
  redirect: obj(
    "Answer with a redirect instead of forwarding.",
    {
      authority: str("The host to redirect to."),
      derivePort: enumOf("Where the redirect's port comes from.", [
        "FROM_PROTOCOL_DEFAULT",
        "FROM_REQUEST_PORT",
      ]),
      port: uint32("The port to redirect to."),
      redirectCode: uint32("The redirect's HTTP status."),
      scheme: str("The scheme to redirect to."),
      uri: str("The path to redirect to."),
    },
    atMostOneOf("port", "derivePort"),
  ),
  retries: obj("How failed requests are retried.", {
    attempts: int32("How many retries a request gets."),
    backoff: duration("Minimum time between retries."),
    perTryTimeout: duration("Timeout of each attempt."),
    retryIgnorePreviousHosts: bool("Retry on other hosts than those already tried.", { nullable: true }),
    retryOn: str("Conditions that trigger a retry, comma-separated (5xx, connect-failure, ...)."),
    retryRemoteLocalities: bool("Retry in other localities too.", { nullable: true }),
  }),
  rewrite: obj("Rewrite the path or authority before forwarding.", {
    authority: str("The new authority (Host)."),
    uri: str("The new path, or the new prefix for a prefix match."),
    uriRegexRewrite: obj("Rewrite the path with a regular expression.", {
      match: str("An RE2 regular expression."),
      rewrite: str("What replaces the matched parts."),
    }),
  }),
  route: arr("Where matching requests go, with weights.", httpRouteDestination),
  timeout: duration("Timeout of the whole request; none by default."),
});

const l4Match = (withSni: boolean) =>
  obj(
    undefined,
    {
      destinationSubnets: strings("Destination IPs or subnets."),
      gateways: strings("Gateways the match applies to."),
      port: uint32("Port of the host."),
      ...(withSni ? { sniHosts: strings("SNI names to match.") } : {}),
      sourceLabels: stringMap("Labels of the source workloads."),
      sourceNamespace: str("Namespace of the source workloads."),
      ...(withSni ? {} : { sourceSubnet: str() }),
    },
    withSni ? { required: ["sniHosts"] } : {},
  );

export const virtualServiceSpec: JSONSchemaProps = obj(
  "Routing rules for traffic to some hosts: matching, splitting, retries, faults and more.",
  {
    exportTo,
    gateways: strings("Gateways and sidecars ('mesh') the routes apply to."),
    hosts: strings("The hosts the routes are for: DNS names, wildcards or service short names."),
    http: arr("Ordered rules for HTTP traffic; the first match wins.", httpRoute),
    tcp: arr(
      "Ordered rules for opaque TCP traffic.",
      obj(undefined, {
        match: arr("Conditions for the rule.", l4Match(false)),
        route: arr("Where connections go.", routeDestination),
      }),
    ),
    tls: arr(
      "Ordered rules for TLS and HTTPS traffic that passes through unterminated.",
      obj(
        undefined,
        {
          match: arr("Conditions for the rule.", l4Match(true)),
          route: arr("Where connections go.", routeDestination),
        },
        { required: ["match"] },
      ),
    ),
  },
);

const loadBalancer = obj(
  "How requests are spread over the endpoints.",
  {
    consistentHash: obj("Session affinity by a hash of the request.", {
      httpCookie: obj("Hash by a cookie.", {
        name: str(),
        path: str(),
        ttl: str(),
        attributes: arr(undefined, obj(undefined, { name: str(), value: str() })),
      }),
      httpHeaderName: str("Hash by this header."),
      httpQueryParameterName: str("Hash by this query parameter."),
      maglev: obj(undefined, { tableSize: intOrString() }),
      minimumRingSize: intOrString(),
      ringHash: obj(undefined, { minimumRingSize: intOrString() }),
      useSourceIp: bool("Hash by the source IP."),
    }),
    localityLbSetting: preserved("Locality-aware load balancing."),
    simple: enumOf("A standard algorithm.", [
      "UNSPECIFIED",
      "RANDOM",
      "PASSTHROUGH",
      "ROUND_ROBIN",
      "LEAST_REQUEST",
      "LEAST_CONN",
    ]),
    warmup: preserved("Slow start for new endpoints."),
    warmupDurationSecs: str("How long a new endpoint takes to get its full share."),
  },
  atMostOneOf("simple", "consistentHash"),
);

const connectionPool = obj("Limits on connections and requests to the upstream.", {
  http: obj("HTTP connection pool settings.", {
    h2UpgradePolicy: enumOf("Whether HTTP/1.1 connections are upgraded to HTTP/2.", [
      "DEFAULT",
      "DO_NOT_UPGRADE",
      "UPGRADE",
    ]),
    http1MaxPendingRequests: int32("Maximum requests waiting for a connection."),
    http2MaxRequests: int32("Maximum active requests."),
    idleTimeout: duration("How long a connection may stay idle."),
    maxConcurrentStreams: int32("Maximum concurrent streams per HTTP/2 connection."),
    maxRequestsPerConnection: int32("Maximum requests per connection."),
    maxRetries: int32("Maximum concurrent retries."),
    useClientProtocol: bool("Keep the client's HTTP protocol."),
  }),
  tcp: obj("TCP connection pool settings.", {
    connectTimeout: duration("TCP connect timeout."),
    idleTimeout: duration("How long a connection may stay idle."),
    maxConnectionDuration: duration("Maximum lifetime of a connection."),
    maxConnections: int32("Maximum connections to a host."),
    tcpKeepalive: obj("TCP keepalive.", { interval: duration(), probes: uint32(), time: duration() }),
  }),
});

const outlierDetection = obj("Ejects endpoints that keep failing.", {
  baseEjectionTime: duration("Minimum ejection time."),
  consecutive5xxErrors: uint32("5xx responses in a row that eject an endpoint.", { nullable: true }),
  consecutiveErrors: int32(),
  consecutiveGatewayErrors: uint32("Gateway errors (502, 503, 504) in a row that eject an endpoint.", {
    nullable: true,
  }),
  consecutiveLocalOriginFailures: uint32(undefined, { nullable: true }),
  interval: duration("How often endpoints are analysed."),
  maxEjectionPercent: int32("At most this share of endpoints is ejected."),
  minHealthPercent: int32("Below this share of healthy endpoints, ejection stops."),
  splitExternalLocalOriginErrors: bool(),
});

const portTrafficPolicy = obj(undefined, {
  connectionPool,
  loadBalancer,
  outlierDetection,
  port: portSelector("The port these settings are for."),
  tls: clientTlsSettings,
});

const trafficPolicy = obj("Load balancing, connection pool, outlier detection and TLS for the host.", {
  connectionPool,
  loadBalancer,
  outlierDetection,
  portLevelSettings: arr("Settings for individual ports.", portTrafficPolicy, { maxItems: 4096 }),
  proxyProtocol: obj("Send the PROXY protocol header upstream.", {
    version: enumOf(undefined, ["V1", "V2"]),
  }),
  retryBudget: obj(undefined, { minRetryConcurrency: uint32(), percent: double() }),
  tls: clientTlsSettings,
  tunnel: obj(
    "Tunnel the connection through a proxy.",
    { protocol: str(), targetHost: str(), targetPort: uint32() },
    { required: ["targetHost", "targetPort"] },
  ),
});

export const destinationRuleSpec: JSONSchemaProps = obj(
  "Policies for traffic to a service once routing has chosen it, and its named subsets.",
  {
    exportTo,
    host: str("The service the rule is for, by its name in the service registry."),
    subsets: arr(
      "Named groups of the service's endpoints, by labels, each with its own policy if needed.",
      obj(
        undefined,
        {
          labels: stringMap("Labels the subset's endpoints have."),
          name: str("The subset's name, as routes refer to it."),
          trafficPolicy,
        },
        { required: ["name"] },
      ),
    ),
    trafficPolicy,
    workloadSelector: obj("Which workloads the rule applies to, when not to all.", {
      matchLabels: stringMap(),
    }),
  },
  { required: ["host"] },
);

const serverTls = obj("TLS settings of the server.", {
  caCertificates: str(),
  caCrl: str(),
  cipherSuites: strings(),
  credentialName: str("A Secret holding the server certificate and key."),
  credentialNames: strings(undefined, { maxItems: 2 }),
  httpsRedirect: bool("Redirect plain HTTP requests to HTTPS."),
  maxProtocolVersion: enumOf(undefined, ["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]),
  minProtocolVersion: enumOf(undefined, ["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"]),
  mode: enumOf("How the server handles TLS.", [
    "PASSTHROUGH",
    "SIMPLE",
    "MUTUAL",
    "AUTO_PASSTHROUGH",
    "ISTIO_MUTUAL",
    "OPTIONAL_MUTUAL",
  ]),
  privateKey: str(),
  serverCertificate: str(),
  subjectAltNames: strings(),
  tlsCertificates: arr(
    undefined,
    obj(undefined, { caCertificates: str(), privateKey: str(), serverCertificate: str() }),
    { maxItems: 2 },
  ),
  verifyCertificateHash: strings(),
  verifyCertificateSpki: strings(),
});

const gatewayPort = obj(
  "The port the server listens on.",
  {
    name: str("The port's name."),
    number: uint32("The port number."),
    protocol: str("HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP or TLS."),
    targetPort: uint32(),
  },
  { required: ["number", "protocol", "name"] },
);

export const gatewaySpec: JSONSchemaProps = obj(
  "A load balancer at the edge of the mesh: the ports, protocols and hosts it serves.",
  {
    selector: stringMap("Labels of the gateway pods this configuration applies to."),
    servers: arr(
      "The servers the gateway exposes.",
      obj(
        undefined,
        {
          bind: str("The address or Unix socket to bind to."),
          defaultEndpoint: str(),
          hosts: strings(
            "Hosts the server serves, optionally prefixed with the namespace of their VirtualServices.",
          ),
          name: str("A name for the server."),
          port: gatewayPort,
          tls: serverTls,
        },
        { required: ["port", "hosts"] },
      ),
    ),
  },
);

const workloadEntry = (description?: string) =>
  obj(description, {
    address: str("The endpoint's IP address or DNS name.", { maxLength: 256 }),
    labels: stringMap("The endpoint's labels."),
    locality: str("Where the endpoint runs (region/zone/subzone).", { maxLength: 2048 }),
    network: str("The network the endpoint is on.", { maxLength: 2048 }),
    ports: map("Port names of the service to ports of the endpoint.", uint32()),
    serviceAccount: str("The service account of the endpoint's workload.", { maxLength: 253 }),
    weight: uint32("The endpoint's load balancing weight."),
  });

export const serviceEntrySpec: JSONSchemaProps = obj(
  "Adds a service to Istio's registry: external APIs, VMs or services of another registry.",
  {
    addresses: strings("Virtual IPs of the service."),
    endpoints: arr("The service's endpoints, when not selected by workloadSelector.", workloadEntry(), {
      maxItems: 4096,
    }),
    exportTo,
    hosts: strings("The service's host names.", { maxItems: 256, minItems: 1 }),
    location: enumOf("Whether the service is outside the mesh or part of it.", [
      "MESH_EXTERNAL",
      "MESH_INTERNAL",
    ]),
    ports: arr(
      "The service's ports.",
      obj(
        undefined,
        {
          name: str("The port's name."),
          number: uint32("The port number.", { maximum: 65535, minimum: 1 }),
          protocol: str("The port's protocol."),
          targetPort: uint32("The port on the endpoints.", { maximum: 65535, minimum: 1 }),
        },
        { required: ["number", "name"] },
      ),
      { maxItems: 256 },
    ),
    resolution: enumOf("How the service's endpoints are found.", [
      "NONE",
      "STATIC",
      "DNS",
      "DNS_ROUND_ROBIN",
      "DYNAMIC_DNS",
    ]),
    subjectAltNames: strings("Subject alternative names the endpoints' certificates carry."),
    workloadSelector: obj("Pods or WorkloadEntries selected as endpoints.", { labels: stringMap() }),
  },
  { required: ["hosts"] },
);

const sidecarPort = obj("The port of the listener.", {
  name: str(),
  number: uint32(),
  protocol: str(),
  targetPort: uint32(),
});

export const sidecarSpec: JSONSchemaProps = obj(
  "Narrows what a workload's sidecar accepts and which services it can reach.",
  {
    egress: arr(
      "Outbound listeners: the hosts the workloads may reach.",
      obj(
        undefined,
        {
          bind: str(),
          captureMode: enumOf(undefined, ["DEFAULT", "IPTABLES", "NONE"]),
          hosts: strings("namespace/host entries the workloads may reach."),
          port: sidecarPort,
        },
        { required: ["hosts"] },
      ),
    ),
    inboundConnectionPool: preserved("Connection pool settings for all inbound connections."),
    ingress: arr(
      "Inbound listeners.",
      obj(
        undefined,
        {
          bind: str(),
          captureMode: enumOf(undefined, ["DEFAULT", "IPTABLES", "NONE"]),
          connectionPool: preserved(),
          defaultEndpoint: str(),
          port: sidecarPort,
          tls: preserved(),
        },
        { required: ["port"] },
      ),
    ),
    outboundTrafficPolicy: obj("What happens to traffic to unknown destinations.", {
      egressProxy: destination(),
      mode: enumOf(undefined, ["REGISTRY_ONLY", "ALLOW_ANY"]),
    }),
    workloadSelector: workloadSelector(),
  },
);

export const workloadEntrySpec: JSONSchemaProps = workloadEntry(
  "A workload outside Kubernetes (a VM, a bare-metal server) as an endpoint of mesh services.",
);

export const workloadGroupSpec: JSONSchemaProps = obj(
  "A template for WorkloadEntries of a group of VMs, with their health checks.",
  {
    metadata: obj("Labels and annotations of the WorkloadEntries.", {
      annotations: stringMap(),
      labels: stringMap(),
    }),
    probe: preserved("How the workloads' health is checked."),
    template: workloadEntry("Fields the WorkloadEntries get."),
  },
  { required: ["template"] },
);

export const envoyFilterSpec: JSONSchemaProps = obj(
  "Patches applied to the Envoy configuration Istio generates.",
  {
    configPatches: arr(
      "The patches, in order.",
      obj(undefined, {
        applyTo: enumOf("What kind of Envoy object the patch applies to.", [
          "INVALID",
          "LISTENER",
          "FILTER_CHAIN",
          "NETWORK_FILTER",
          "HTTP_FILTER",
          "ROUTE_CONFIGURATION",
          "VIRTUAL_HOST",
          "HTTP_ROUTE",
          "CLUSTER",
          "EXTENSION_CONFIG",
          "BOOTSTRAP",
          "LISTENER_FILTER",
        ]),
        match: preserved("Which objects the patch applies to."),
        patch: obj("The patch.", {
          filterClass: enumOf(undefined, ["UNSPECIFIED", "AUTHN", "AUTHZ", "STATS"]),
          operation: enumOf(undefined, [
            "INVALID",
            "MERGE",
            "ADD",
            "REMOVE",
            "INSERT_BEFORE",
            "INSERT_AFTER",
            "INSERT_FIRST",
            "REPLACE",
          ]),
          value: preserved("The Envoy configuration to merge, add or insert."),
        }),
      }),
    ),
    priority: int32("Order among EnvoyFilters in the same context."),
    targetRefs: arr(undefined, preserved(), { maxItems: 16 }),
    workloadSelector: workloadSelector(),
  },
);

export const proxyConfigSpec: JSONSchemaProps = obj("Per-workload settings of the Istio proxy.", {
  concurrency: int32OrNull("Worker threads of the proxy."),
  environmentVariables: stringMap("Extra environment variables of the proxy.", { maxProperties: 5000 }),
  image: obj("The proxy image's variant.", { imageType: str("debug, distroless or default.") }),
  selector: obj("Which workloads the settings apply to.", { matchLabels: stringMap() }),
});
