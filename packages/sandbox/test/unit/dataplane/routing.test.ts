import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Decks } from "../../../src/dataplane/balancer.ts";
import type { SimRequest } from "../../../src/dataplane/http.ts";
import { watchMesh } from "../../../src/dataplane/meshView.ts";
import {
  type Decision,
  type RoutingContext,
  routeFromGateway,
  routeFromSidecar,
} from "../../../src/dataplane/routing.ts";
import type { Pod } from "../../../src/kube.ts";
import type { Store } from "../../../src/store/store.ts";
import {
  addBookinfo,
  addIngressGateway,
  allDestinationRules,
  allV1,
  destinationRule,
  gateway,
  gatewayVirtualService,
  newStore,
  POD_NAMES,
  pod,
  seededRandom,
  toSubset,
  virtualService,
} from "./fixtures.ts";

const PORT = 31380;
const NS = "default";
const VS = "virtualservices.networking.istio.io";
const GW = "gateways.networking.istio.io";
const DR = "destinationrules.networking.istio.io";

const get = (path: string, headers: Record<string, string> = {}): SimRequest => ({
  method: "GET",
  path,
  headers: { host: "127.0.0.1:31380", ...headers },
  body: "",
});

function setup(options: { sidecars?: boolean; gateway?: boolean } = {}) {
  const store = newStore();
  addIngressGateway(store, PORT);
  addBookinfo(store, NS, options.sidecars ?? true);
  if (options.gateway ?? true) {
    store.create(GW, gateway(NS));
    store.create(VS, gatewayVirtualService(NS));
  }
  const view = watchMesh(store);
  const random = seededRandom(7);
  const ctx = (): RoutingContext => ({ index: view.current(), decks, random });
  const decks = new Decks(random);
  return { store, ctx, view };
}

const podOf = (store: Store, name: string): Pod =>
  [...store.peek("pods")].find((p) => p.metadata.name === name) as Pod;

function target(d: Decision): string {
  if (d.kind === "reply") return `${d.response.status} ${d.response.body}`;
  return d.pod?.metadata.name ?? "(fault only)";
}

function reviewsFrom(
  setupResult: ReturnType<typeof setup>,
  headers: Record<string, string> = {},
  n = 1,
): string[] {
  const { store, ctx } = setupResult;
  const productpage = podOf(store, POD_NAMES.productpage);
  const reviews = ctx().index.services.get("reviews.default.svc.cluster.local")!;
  return Array.from({ length: n }, () =>
    target(routeFromSidecar(ctx(), productpage, reviews, get("/reviews/0", headers), 9080)),
  );
}

const versions = (names: string[]) =>
  names.reduce<Record<string, number>>((acc, n) => {
    const v = /reviews-(v\d)/.exec(n)?.[1] ?? n;
    acc[v] = (acc[v] ?? 0) + 1;
    return acc;
  }, {});

describe("whether the gateway listens", () => {
  test("only while a Gateway selects the ingress pods on the Service port or its target port", () => {
    const { store, view } = setup({ gateway: false });
    assert.equal(view.current().gatewayListens(PORT), false);
    store.create(GW, gateway(NS, 80));
    assert.equal(view.current().gatewayListens(PORT), true, "port 80 is translated to 8080");
    store.remove(GW, NS, "bookinfo-gateway");
    store.create(GW, gateway(NS, 8080));
    assert.equal(view.current().gatewayListens(PORT), true);
    store.remove(GW, NS, "bookinfo-gateway");
    store.create(GW, gateway(NS, 443));
    assert.equal(view.current().gatewayListens(PORT), false, "a server on another port opens nothing here");
    store.remove(GW, NS, "bookinfo-gateway");
    store.create(GW, gateway(NS, 8080, { istio: "ingress" }));
    assert.equal(view.current().gatewayListens(PORT), false, "the Helm gateway's label selects no pod here");
    assert.equal(view.current().gatewayListens(PORT + 7), false, "no Service owns that node port");
  });

  test("a Gateway in any namespace selects the gateway pods; without ready gateway pods nothing listens", () => {
    const { store, view } = setup({ gateway: false });
    store.create("namespaces", { metadata: { name: "elsewhere" } });
    store.create(GW, gateway("elsewhere"));
    assert.equal(view.current().gatewayListens(PORT), true);
    const gw = [...store.peek("pods", "istio-system")][0] as Pod;
    const notReady = structuredClone(gw);
    notReady.status!.conditions = [{ type: "Ready", status: "False" }];
    store.update("pods", notReady);
    assert.equal(view.current().gatewayListens(PORT), false);
  });
});

describe("gateway routing", () => {
  test("the bookinfo VirtualService sends its five paths to productpage and 404s the rest", () => {
    const { ctx } = setup();
    for (const path of [
      "/productpage",
      "/productpage?u=test",
      "/login",
      "/logout",
      "/static/x.css",
      "/api/v1/products/0",
    ]) {
      assert.equal(target(routeFromGateway(ctx(), PORT, get(path))), POD_NAMES.productpage, path);
    }
    for (const path of ["/", "/nosuchpath", "/health", "/productpage/extra"]) {
      assert.equal(target(routeFromGateway(ctx(), PORT, get(path))), "404 ", path);
    }
  });

  test("a Gateway without a bound VirtualService answers 404; a VirtualService bound elsewhere does not count", () => {
    const { store, ctx } = setup({ gateway: false });
    store.create(GW, gateway(NS));
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), "404 ");
    const elsewhere = gatewayVirtualService("other");
    store.create("namespaces", { metadata: { name: "other" } });
    store.create(VS, elsewhere);
    assert.equal(
      target(routeFromGateway(ctx(), PORT, get("/productpage"))),
      "404 ",
      "short gateway name is other/bookinfo-gateway",
    );
  });

  test("hosts: the Gateway server and the VirtualService must both accept the Host header", () => {
    const { store, ctx } = setup({ gateway: false });
    const gw = gateway(NS);
    gw.spec.servers[0]!.hosts = ["bookinfo.example"];
    store.create(GW, gw);
    const vs = gatewayVirtualService(NS);
    (vs.spec as { hosts: string[] }).hosts = ["bookinfo.example"];
    store.create(VS, vs);
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), "404 ");
    const ok = routeFromGateway(ctx(), PORT, get("/productpage", { host: "bookinfo.example:31380" }));
    assert.equal(target(ok), POD_NAMES.productpage);
  });

  test("productpage without ready pods: 503 no healthy upstream", () => {
    const { store, ctx } = setup();
    store.remove("pods", NS, POD_NAMES.productpage);
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), "503 no healthy upstream");
    store.create(
      "pods",
      pod(NS, POD_NAMES.productpage, "productpage", "v1", { ready: false, sidecar: true }),
    );
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), "503 no healthy upstream");
  });

  test("mesh rules do not apply at the gateway, but DestinationRule subsets do", () => {
    const { store, ctx } = setup();
    allV1(store, NS);
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), POD_NAMES.productpage);
    const vs = gatewayVirtualService(NS);
    store.remove(VS, NS, "bookinfo");
    (vs.spec as { http: { route: unknown[] }[] }).http[0]!.route = [toSubset("productpage", "v1")];
    store.create(VS, vs);
    assert.equal(
      target(routeFromGateway(ctx(), PORT, get("/productpage"))),
      "503 ",
      "subset without a DestinationRule",
    );
    store.create(DR, destinationRule(NS, "productpage", ["v1"]));
    assert.equal(target(routeFromGateway(ctx(), PORT, get("/productpage"))), POD_NAMES.productpage);
  });
});

describe("sidecar routing", () => {
  test("without rules a Service balances over all its ready pods, every version", () => {
    const s = setup();
    const mix = versions(reviewsFrom(s, {}, 90));
    assert.deepEqual(mix, { v1: 30, v2: 30, v3: 30 });
  });

  test("all-v1 before the DestinationRules: 503 for the missing subset; with them, only v1", () => {
    const s = setup();
    allV1(s.store, NS);
    assert.deepEqual(reviewsFrom(s, {}, 3), ["503 ", "503 ", "503 "]);
    allDestinationRules(s.store, NS);
    assert.deepEqual(versions(reviewsFrom(s, {}, 60)), { v1: 60 });
  });

  test("the jason rule: end-user jason goes to v2, everyone else to v1", () => {
    const s = setup();
    allDestinationRules(s.store, NS);
    s.store.create(
      VS,
      virtualService(NS, "reviews", [
        { match: [{ headers: { "end-user": { exact: "jason" } } }], route: [toSubset("reviews", "v2")] },
        { route: [toSubset("reviews", "v1")] },
      ]),
    );
    assert.deepEqual(versions(reviewsFrom(s, { "end-user": "jason" }, 20)), { v2: 20 });
    assert.deepEqual(versions(reviewsFrom(s, {}, 20)), { v1: 20 });
    assert.deepEqual(versions(reviewsFrom(s, { "end-user": "jasonx" }, 5)), { v1: 5 });
  });

  test("50/50 weights between v1 and v3", () => {
    const s = setup();
    allDestinationRules(s.store, NS);
    s.store.create(
      VS,
      virtualService(NS, "reviews", [
        { route: [toSubset("reviews", "v1", 50), toSubset("reviews", "v3", 50)] },
      ]),
    );
    const mix = versions(reviewsFrom(s, {}, 200));
    assert.equal(mix.v2, undefined);
    assert.ok(mix.v1! >= 80 && mix.v1! <= 120, JSON.stringify(mix));
  });

  test("a subset whose pods are gone: no healthy upstream; an unmatched rule list: 404", () => {
    const s = setup();
    allDestinationRules(s.store, NS);
    allV1(s.store, NS);
    s.store.remove("pods", NS, POD_NAMES["reviews-v1"]);
    assert.deepEqual(reviewsFrom(s), ["503 no healthy upstream"]);
    s.store.remove(VS, NS, "reviews");
    s.store.create(
      VS,
      virtualService(NS, "reviews", [
        { match: [{ headers: { "end-user": { exact: "jason" } } }], route: [toSubset("reviews", "v2")] },
      ]),
    );
    assert.deepEqual(reviewsFrom(s), ["404 "]);
  });

  test("a VirtualService bound only to a gateway is not a mesh rule; one naming mesh is", () => {
    const s = setup();
    allDestinationRules(s.store, NS);
    s.store.create(
      VS,
      virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v1")] }], {
        gateways: ["bookinfo-gateway"],
      }),
    );
    assert.deepEqual(Object.keys(versions(reviewsFrom(s, {}, 9))).sort(), ["v1", "v2", "v3"]);
    s.store.remove(VS, NS, "reviews");
    s.store.create(
      VS,
      virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v1")] }], {
        gateways: ["mesh", "bookinfo-gateway"],
      }),
    );
    assert.deepEqual(versions(reviewsFrom(s, {}, 9)), { v1: 9 });
  });

  test("the DestinationRule in the caller's namespace wins over the service's", () => {
    const s = setup();
    allV1(s.store, NS);
    s.store.create("namespaces", { metadata: { name: "client" } });
    const other = destinationRule("client", "reviews.default.svc.cluster.local", ["v1"]);
    (other.spec as { subsets: { labels: Record<string, string> }[] }).subsets[0]!.labels = { version: "v3" };
    s.store.create(DR, other);
    allDestinationRules(s.store, NS);
    const client = pod("client", "sleep-1", "sleep", "v1", { sidecar: true });
    s.store.create("pods", client);
    const reviews = s.ctx().index.services.get("reviews.default.svc.cluster.local")!;
    const fromClient = target(
      routeFromSidecar(s.ctx(), podOf(s.store, "sleep-1"), reviews, get("/reviews/0"), 9080),
    );
    assert.equal(fromClient, POD_NAMES["reviews-v3"]);
    assert.deepEqual(reviewsFrom(s), [POD_NAMES["reviews-v1"]]);
  });

  test("fault rules carry their delay and abort with the decision", () => {
    const s = setup();
    allDestinationRules(s.store, NS);
    s.store.create(
      VS,
      virtualService(NS, "reviews", [
        {
          fault: { delay: { fixedDelay: "7s", percentage: { value: 100 } } },
          route: [toSubset("reviews", "v1")],
        },
      ]),
    );
    const productpage = podOf(s.store, POD_NAMES.productpage);
    const reviews = s.ctx().index.services.get("reviews.default.svc.cluster.local")!;
    const d = routeFromSidecar(s.ctx(), productpage, reviews, get("/reviews/0"), 9080);
    assert.equal(d.kind, "forward");
    assert.deepEqual(d.kind === "forward" && d.fault, { delayMs: 7000, abortStatus: undefined });
  });

  test("nonsense in applied objects is ignored rather than fatal", () => {
    const s = setup();
    s.store.create(GW, { metadata: { name: "odd", namespace: NS }, spec: { selector: "x", servers: 5 } });
    s.store.create(VS, {
      metadata: { name: "reviews", namespace: NS },
      spec: { hosts: ["reviews", 7], http: "nonsense" },
    });
    s.store.create(VS, {
      metadata: { name: "ratings", namespace: NS },
      spec: {
        hosts: ["ratings"],
        http: [
          null,
          { match: [{ uri: { exact: 5 } }, { headers: "x" }], route: [{ destination: { host: 9 } }] },
        ],
      },
    });
    s.store.create(DR, {
      metadata: { name: "details", namespace: NS },
      spec: { host: 3, subsets: { v1: {} } },
    });
    assert.equal(s.ctx().index.gatewayListens(PORT), true);
    assert.deepEqual(reviewsFrom(s), ["404 "]);
    const productpage = podOf(s.store, POD_NAMES.productpage);
    const ratings = s.ctx().index.services.get("ratings.default.svc.cluster.local")!;
    const call = (headers: Record<string, string>) =>
      target(routeFromSidecar(s.ctx(), productpage, ratings, get("/ratings/0", headers), 9080));
    assert.equal(call({}), "404 ", "neither odd match entry matches");
    s.store.remove(VS, NS, "ratings");
    s.store.create(VS, {
      metadata: { name: "ratings", namespace: NS },
      spec: { hosts: ["ratings"], http: [{ route: [{ destination: { host: 9 } }] }] },
    });
    assert.equal(call({}), "503 ", "a destination without a usable host is a missing cluster");
  });

  test("a fault applies before the router: an abort wins over a missing subset", () => {
    const s = setup();
    s.store.create(
      VS,
      virtualService(NS, "reviews", [
        {
          fault: { abort: { httpStatus: 418, percentage: { value: 100 } } },
          route: [toSubset("reviews", "v9")],
        },
      ]),
    );
    const productpage = podOf(s.store, POD_NAMES.productpage);
    const reviews = s.ctx().index.services.get("reviews.default.svc.cluster.local")!;
    const d = routeFromSidecar(s.ctx(), productpage, reviews, get("/reviews/0"), 9080);
    assert.ok(d.kind === "forward" && d.pod === undefined && d.fault.abortStatus === 418);
    assert.equal(d.kind === "forward" && d.unroutable?.status, 503);
  });

  test("redirect and directResponse rules answer at the proxy", () => {
    const s = setup({ gateway: false });
    s.store.create(GW, gateway(NS));
    s.store.create(VS, {
      metadata: { name: "edge", namespace: NS },
      spec: {
        hosts: ["*"],
        gateways: ["bookinfo-gateway"],
        http: [
          { match: [{ uri: { exact: "/" } }], redirect: { uri: "/productpage" } },
          { match: [{ uri: { exact: "/ping" } }], directResponse: { status: 200, body: { string: "pong" } } },
        ],
      },
    });
    const redirect = routeFromGateway(s.ctx(), PORT, get("/?u=normal"));
    assert.ok(redirect.kind === "reply");
    assert.equal(redirect.response.status, 301);
    assert.equal(redirect.response.headers.location, "http://127.0.0.1:31380/productpage?u=normal");
    assert.equal(target(routeFromGateway(s.ctx(), PORT, get("/ping"))), "200 pong");
  });
});
