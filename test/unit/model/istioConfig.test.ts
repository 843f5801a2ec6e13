import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  appliesToMesh,
  boundToGateway,
  describeMatch,
  destinationRulesFor,
  httpRoutes,
  isIstioNetworking,
  localServiceName,
  virtualServicesFor,
} from "../../../source/model/istioConfig.ts";
import type { KubeObject } from "../../../source/model/kube.ts";
import { istioDestinationRules, istioGatewayFile, reviewsVirtualService } from "../tutorial/fixtures.ts";

describe("istioConfig", () => {
  test("localServiceName accepts the forms Istio resolves to a Service of the namespace", () => {
    assert.equal(localServiceName("reviews", "bookinfo"), "reviews");
    assert.equal(localServiceName("reviews.bookinfo", "bookinfo"), "reviews");
    assert.equal(localServiceName("reviews.bookinfo.svc", "bookinfo"), "reviews");
    assert.equal(localServiceName("reviews.bookinfo.svc.cluster.local", "bookinfo"), "reviews");
    assert.equal(localServiceName("reviews.other.svc.cluster.local", "bookinfo"), null);
    assert.equal(localServiceName("www.googleapis.com", "bookinfo"), null);
    assert.equal(localServiceName("*", "bookinfo"), null);
    assert.equal(localServiceName("", "bookinfo"), null);
  });

  test("only networking.istio.io objects (or list items without apiVersion) count", () => {
    assert.ok(isIstioNetworking({ apiVersion: "networking.istio.io/v1beta1", metadata: {} }));
    assert.ok(isIstioNetworking({ metadata: {} }));
    assert.ok(!isIstioNetworking({ apiVersion: "gateway.networking.k8s.io/v1", metadata: {} }));
  });

  test("the ingress VirtualService is bound to its Gateway and not to the mesh", () => {
    const vs = istioGatewayFile("networking.istio.io/v1alpha3")[1]!;
    assert.ok(boundToGateway(vs, "bookinfo-gateway", "bookinfo"));
    assert.ok(!boundToGateway(vs, "bookinfo-gateway-2", "bookinfo"));
    assert.ok(!appliesToMesh(vs));
    assert.deepEqual(virtualServicesFor([vs], "productpage", "bookinfo"), []);
    assert.ok(appliesToMesh(reviewsVirtualService([])));
    const both: KubeObject = {
      metadata: { name: "x" },
      spec: { hosts: ["reviews"], gateways: ["mesh", "gw"] },
    };
    assert.ok(appliesToMesh(both));
  });

  test("httpRoutes reads routes loosely: missing fields, odd types and empty matches", () => {
    const vs: KubeObject = {
      metadata: { name: "reviews" },
      spec: {
        http: [
          { match: [], route: [{ destination: { host: "reviews", subset: "" }, weight: "50" }] },
          { name: "default", route: [{ destination: { host: "reviews", subset: "v1" }, weight: 100 }] },
          "garbage",
        ],
      },
    };
    assert.deepEqual(httpRoutes(vs), [
      { route: [{ host: "reviews" }] },
      { name: "default", route: [{ host: "reviews", subset: "v1", weight: 100 }] },
      { route: [] },
    ]);
    assert.deepEqual(httpRoutes({ metadata: {} }), []);
  });

  test("destinationRulesFor matches by host, not by name", () => {
    const drs = istioDestinationRules("networking.istio.io/v1");
    const renamed = { ...drs[1]!, metadata: { ...drs[1]!.metadata, name: "reviews-rule" } };
    assert.deepEqual(
      destinationRulesFor([renamed], "reviews", "bookinfo").map((d) => d.metadata.name),
      ["reviews-rule"],
    );
  });

  test("describeMatch", () => {
    assert.equal(describeMatch({ headers: { "end-user": { exact: "jason" } } }), "end-user exact jason");
    assert.equal(describeMatch({ uri: { prefix: "/static" } }), "uri prefix /static");
    assert.equal(describeMatch({ queryParams: {} }), "queryParams");
    assert.equal(describeMatch({}), "any request");
  });
});
