import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { humanReadableJoin } from "../../src/gatewayapi/istio/classes.ts";
import { hostMatches, hostnamesOverlap } from "../../src/gatewayapi/istio/hostnames.ts";
import { GatewayApiModel } from "../../src/gatewayapi/istio/model.ts";
import {
  type BackendLookup,
  convertRoute,
  modifiedPath,
  parseDuration,
  type RouteRule,
  ruleMatches,
  sortRules,
} from "../../src/gatewayapi/istio/rules.ts";
import { gatewayStatus, setConditions } from "../../src/gatewayapi/istio/status.ts";
import { type HttpRouteSpec, named } from "../../src/gatewayapi/istio/types.ts";
import type { KubeObject } from "../../src/kube.ts";

// The pure parts of Istio's Gateway API handling: route precedence and matching, the filters'
// path arithmetic, backend resolution errors, listener attachment and Gateway status wording.

const everything: BackendLookup = { serviceExists: () => true, granted: () => false };

function route(
  name: string,
  spec: HttpRouteSpec,
  created = "2025-01-01T00:00:00Z",
  namespace = "default",
): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name, namespace, creationTimestamp: created },
    spec,
  };
}

const rulesOf = (object: KubeObject, lookup = everything) =>
  convertRoute(named<HttpRouteSpec>(object), lookup);
const get = (path: string, headers: Record<string, string> = {}) => ({ method: "GET", path, headers });
const path = (type: string, value: string) => ({ path: { type, value } });
const backend = (name: string, weight?: number) => ({
  name,
  port: 9080,
  ...(weight === undefined ? {} : { weight }),
});

describe("HTTPRoute rules", () => {
  test("sort exact before prefix before regex, longer before shorter, then by method, headers and query", () => {
    const r = rulesOf(
      route("r", {
        rules: [
          { matches: [path("PathPrefix", "/")], backendRefs: [backend("root")] },
          { matches: [path("RegularExpression", "/p.*")], backendRefs: [backend("regex")] },
          { matches: [path("PathPrefix", "/static")], backendRefs: [backend("prefix")] },
          { matches: [path("Exact", "/productpage")], backendRefs: [backend("exact")] },
          {
            matches: [{ ...path("PathPrefix", "/static"), headers: [{ name: "x", value: "1" }] }],
            backendRefs: [backend("prefix-header")],
          },
          {
            matches: [{ ...path("PathPrefix", "/static"), method: "GET" }],
            backendRefs: [backend("prefix-get")],
          },
        ],
      }),
    );
    const order = sortRules(r.rules).map((x) => x.action.backends[0]!.name);
    assert.deepEqual(order, ["exact", "prefix-get", "prefix-header", "prefix", "root", "regex"]);
  });

  test("on a tie, the older route's rule comes first, then list order", () => {
    const older = rulesOf(
      route(
        "b",
        { rules: [{ matches: [path("PathPrefix", "/a")], backendRefs: [backend("older")] }] },
        "2025-01-01T00:00:00Z",
      ),
    );
    const newer = rulesOf(
      route(
        "a",
        { rules: [{ matches: [path("PathPrefix", "/a")], backendRefs: [backend("newer")] }] },
        "2025-01-02T00:00:00Z",
      ),
    );
    const sorted = sortRules([...older.rules, ...newer.rules]);
    assert.equal(sorted[0]!.action.backends[0]!.name, "older");
  });

  test("PathPrefix matches whole segments and ignores a trailing slash; regexes match the whole path", () => {
    const [prefix] = rulesOf(
      route("r", { rules: [{ matches: [path("PathPrefix", "/static/")], backendRefs: [backend("s")] }] }),
    ).rules as [RouteRule];
    assert.ok(ruleMatches(prefix, get("/static")));
    assert.ok(ruleMatches(prefix, get("/static/css/app.css?v=1")));
    assert.ok(!ruleMatches(prefix, get("/staticfiles")));
    const [regex] = rulesOf(
      route("r", {
        rules: [{ matches: [path("RegularExpression", "/books/[0-9]+")], backendRefs: [backend("b")] }],
      }),
    ).rules as [RouteRule];
    assert.ok(ruleMatches(regex, get("/books/12")));
    assert.ok(!ruleMatches(regex, get("/books/12/reviews")));
  });

  test("header matches ignore the name's case; query matches read the first value", () => {
    const [rule] = rulesOf(
      route("r", {
        rules: [
          {
            matches: [
              {
                ...path("PathPrefix", "/"),
                headers: [{ name: "End-User", value: "jason" }],
                queryParams: [{ name: "u", type: "RegularExpression", value: "norm.*" }],
              },
            ],
            backendRefs: [backend("x")],
          },
        ],
      }),
    ).rules as [RouteRule];
    assert.ok(ruleMatches(rule, get("/productpage?u=normal", { "end-user": "jason" })));
    assert.ok(!ruleMatches(rule, get("/productpage?u=test", { "end-user": "jason" })));
    assert.ok(!ruleMatches(rule, get("/productpage?u=normal", { "end-user": "Jason" })));
  });

  test("zero weights are dropped, and a rule whose weights add up to zero answers 500", () => {
    const [some] = rulesOf(route("r", { rules: [{ backendRefs: [backend("a", 0), backend("b", 3)] }] }))
      .rules as [RouteRule];
    assert.deepEqual(
      some.action.backends.map((b) => [b.name, b.weight]),
      [["b", 3]],
    );
    const [none] = rulesOf(route("r", { rules: [{ backendRefs: [backend("a", 0)] }] })).rules as [RouteRule];
    assert.equal(none.action.directStatus, 500);
    const [empty] = rulesOf(route("r", { rules: [{}] })).rules as [RouteRule];
    assert.equal(empty.action.directStatus, 500);
  });

  test("backends Istio cannot resolve are kept, marked invalid, and reported", () => {
    const lookup: BackendLookup = { serviceExists: (_ns, name) => name !== "gone", granted: () => false };
    const converted = rulesOf(
      route("r", {
        rules: [
          { backendRefs: [backend("gone")] },
          { backendRefs: [{ name: "p", namespace: "other", port: 9080 }] },
        ],
      }),
      lookup,
    );
    assert.deepEqual(converted.error, {
      reason: "BackendNotFound",
      message:
        'backend(gone.default.svc.cluster.local) not found; backendRef p/other not accessible to a HTTPRoute in namespace "default" (missing a ReferenceGrant?)',
    });
    assert.ok(converted.rules.every((r) => r.action.backends[0]!.invalid));
  });

  test("an unsupported filter or a Service backend without a port keeps the whole route out", () => {
    const filter = rulesOf(
      route("r", { rules: [{ filters: [{ type: "ExtensionRef" }], backendRefs: [backend("a")] }] }),
    );
    assert.deepEqual(filter, {
      rules: [],
      error: { reason: "InvalidFilter", message: 'unsupported filter type "ExtensionRef"' },
    });
    const port = rulesOf(route("r", { rules: [{ backendRefs: [{ name: "a" }] }] }));
    assert.deepEqual(port.error, { reason: "InvalidDestination", message: "port is required in backendRef" });
  });

  test("path modifiers: a full replacement keeps the query; a prefix replacement keeps the rest", () => {
    const [rule] = rulesOf(
      route("r", { rules: [{ matches: [path("PathPrefix", "/shop")], backendRefs: [backend("a")] }] }),
    ).rules as [RouteRule];
    assert.equal(
      modifiedPath({ type: "ReplaceFullPath", replaceFullPath: "/productpage" }, rule.match, "/shop/x?u=1"),
      "/productpage?u=1",
    );
    assert.equal(
      modifiedPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/store" }, rule.match, "/shop/x"),
      "/store/x",
    );
    assert.equal(
      modifiedPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/" }, rule.match, "/shop/x"),
      "/x",
    );
    assert.equal(
      modifiedPath({ type: "ReplacePrefixMatch", replacePrefixMatch: "/" }, rule.match, "/shop"),
      "/",
    );
  });

  test("durations as the Gateway API writes them", () => {
    assert.equal(parseDuration("10s"), 10_000);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("0.5s"), undefined);
  });
});

describe("hostnames", () => {
  test("listener and route hostnames overlap both ways; requests match wildcards below the suffix", () => {
    assert.ok(hostnamesOverlap("*", "bookinfo.example.com"));
    assert.ok(hostnamesOverlap("*.example.com", "bookinfo.example.com"));
    assert.ok(hostnamesOverlap("bookinfo.example.com", "*.example.com"));
    assert.ok(hostnamesOverlap("*.example.com", "*.shop.example.com"));
    assert.ok(!hostnamesOverlap("*.example.com", "example.com"));
    assert.ok(hostMatches("*.example.com", "a.b.example.com"));
    assert.ok(!hostMatches("*.example.com", "example.com"));
  });

  test("Istio joins service names as English lists", () => {
    assert.equal(humanReadableJoin(["a"]), "a");
    assert.equal(humanReadableJoin(["a", "b"]), "a and b");
    assert.equal(humanReadableJoin(["a", "b", "c"]), "a, b, and c");
  });
});

const istioClass: KubeObject = {
  metadata: { name: "istio" },
  spec: { controllerName: "istio.io/gateway-controller" },
};
const waypointClass: KubeObject = {
  metadata: { name: "istio-waypoint" },
  spec: { controllerName: "istio.io/mesh-controller" },
};

function gateway(name: string, className: string, listeners: object[]): KubeObject {
  return {
    metadata: { name, namespace: "default", creationTimestamp: "2025-01-01T00:00:00Z", generation: 1 },
    spec: { gatewayClassName: className, listeners },
  };
}

function model(objects: { gateways: KubeObject[]; routes?: KubeObject[]; services?: KubeObject[] }) {
  return new GatewayApiModel({
    gatewayClasses: [istioClass, waypointClass],
    gateways: objects.gateways,
    httpRoutes: objects.routes ?? [],
    services: objects.services ?? [],
    namespaces: [{ metadata: { name: "default" } }],
    referenceGrants: [],
    ambient: true,
  });
}

describe("route attachment", () => {
  test("a hostname no listener takes is NoMatchingListenerHostname; a route accepted by two listeners says so", () => {
    const m = model({
      gateways: [
        gateway("gw", "istio", [
          { name: "a", port: 80, protocol: "HTTP", hostname: "*.example.com" },
          { name: "b", port: 8080, protocol: "HTTP", hostname: "*.example.com" },
        ]),
      ],
      routes: [
        route("off", { parentRefs: [{ name: "gw" }], hostnames: ["bookinfo.test"] }),
        route("both", { parentRefs: [{ name: "gw" }], hostnames: ["shop.example.com"] }),
      ],
    });
    const off = m.routes.find((r) => r.name === "off")!;
    assert.deepEqual(off.parents[0]!.denied, {
      reason: "NoMatchingListenerHostname",
      message:
        'no hostnames matched parent hostname "*.example.com"; no hostnames matched parent hostname "*.example.com"',
    });
    const both = m.routes.find((r) => r.name === "both")!;
    assert.equal(both.parents[0]!.accepted, 2);
    assert.deepEqual(m.gateway("default", "gw")!.attachedRoutes, [1, 1]);
    // At the gateway, only the matching host gets the route's rules.
    const gw = m.gateway("default", "gw")!;
    assert.ok(m.rulesFor(gw, 80, "shop.example.com"));
    assert.equal(m.rulesFor(gw, 80, "other.example.com"), undefined);
  });

  test("listener protocols Istio does not serve are refused with its hints", () => {
    const m = model({ gateways: [gateway("gw", "istio", [{ name: "l", port: 80, protocol: "http" }])] });
    assert.deepEqual(m.gateway("default", "gw")!.listeners[0]!.conditions.Accepted, {
      status: "False",
      reason: "UnsupportedProtocol",
      message: 'protocol "http" is unsupported. hint: "HTTP" (uppercase) may be supported',
    });
  });
});

describe("Gateway status", () => {
  const gw = () =>
    model({
      gateways: [gateway("bookinfo-gateway", "istio", [{ name: "http", port: 80, protocol: "HTTP" }])],
    }).gateway("default", "bookinfo-gateway")!;
  const service = (type: string, ingress?: object[]): KubeObject => ({
    metadata: { name: "bookinfo-gateway-istio", namespace: "default" },
    spec: {
      type,
      clusterIP: "10.96.0.20",
      clusterIPs: ["10.96.0.20"],
      ports: [{ port: 15021 }, { port: 80 }],
    },
    status: { loadBalancer: ingress ? { ingress } : {} },
  });

  test("before its Service exists: AddressNotUsable", () => {
    const s = gatewayStatus(gw(), { service: undefined, readyPods: 0 });
    assert.deepEqual(s.conditions.Programmed, {
      status: "False",
      reason: "AddressNotUsable",
      message:
        'Failed to assign to any requested addresses: hostname "bookinfo-gateway-istio.default.svc.cluster.local" not found',
    });
    assert.equal(s.addresses, undefined);
  });

  test("with no ready proxy, and with the load balancer's address still pending: AddressNotAssigned", () => {
    const none = gatewayStatus(gw(), { service: service("LoadBalancer"), readyPods: 0 });
    assert.equal(none.conditions.Programmed!.reason, "AddressNotAssigned");
    assert.match(
      none.conditions.Programmed!.message,
      /no instances found for hostname "bookinfo-gateway-istio\.default\.svc\.cluster\.local"$/,
    );
    const pending = gatewayStatus(gw(), { service: service("LoadBalancer"), readyPods: 1 });
    assert.deepEqual(pending.conditions.Programmed, {
      status: "False",
      reason: "AddressNotAssigned",
      message:
        'Assigned to service(s) bookinfo-gateway-istio.default.svc.cluster.local:80, but failed to assign to all requested addresses: address pending for hostname "bookinfo-gateway-istio.default.svc.cluster.local"',
    });
  });

  test("programmed with the load balancer's IP, or the Service's hostname when it is ClusterIP", () => {
    const lb = gatewayStatus(gw(), { service: service("LoadBalancer", [{ ip: "127.0.0.1" }]), readyPods: 1 });
    assert.equal(lb.conditions.Programmed!.status, "True");
    assert.deepEqual(lb.addresses, [{ type: "IPAddress", value: "127.0.0.1" }]);
    const internal = gatewayStatus(gw(), { service: service("ClusterIP"), readyPods: 1 });
    assert.deepEqual(internal.addresses, [
      { type: "Hostname", value: "bookinfo-gateway-istio.default.svc.cluster.local" },
    ]);
  });

  test("a waypoint reports both its cluster IP and its hostname", () => {
    const wp = model({
      gateways: [gateway("waypoint", "istio-waypoint", [{ name: "mesh", port: 15008, protocol: "HBONE" }])],
    }).gateway("default", "waypoint")!;
    const svc: KubeObject = {
      metadata: { name: "waypoint", namespace: "default" },
      spec: { type: "ClusterIP", clusterIP: "10.96.0.30", ports: [{ port: 15021 }, { port: 15008 }] },
    };
    const s = gatewayStatus(wp, { service: svc, readyPods: 1 });
    assert.equal(
      s.conditions.Programmed!.message,
      "Resource programmed, assigned to service(s) waypoint.default.svc.cluster.local:15008",
    );
    assert.deepEqual(s.addresses, [
      { type: "IPAddress", value: "10.96.0.30" },
      { type: "Hostname", value: "waypoint.default.svc.cluster.local" },
    ]);
  });

  test("a condition keeps its transition time while its status stays the same", () => {
    const first = setConditions(
      undefined,
      { Programmed: { status: "False", reason: "A", message: "a" } },
      1,
      "t1",
    );
    const same = setConditions(
      first,
      { Programmed: { status: "False", reason: "B", message: "b" } },
      1,
      "t2",
    );
    assert.equal(same[0]!.lastTransitionTime, "t1");
    const flipped = setConditions(
      same,
      { Programmed: { status: "True", reason: "C", message: "c" } },
      2,
      "t3",
    );
    assert.deepEqual(flipped[0], {
      type: "Programmed",
      status: "True",
      observedGeneration: 2,
      lastTransitionTime: "t3",
      reason: "C",
      message: "c",
    });
  });
});
