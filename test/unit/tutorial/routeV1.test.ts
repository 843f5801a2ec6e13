import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import type { Sample, Snapshot } from "../../../source/model/snapshot.ts";
import { missingSubsets, routeV1 } from "../../../source/tutorial/stages/routeV1.ts";
import {
  bookinfo,
  failed,
  fixText,
  istioDestinationRules,
  istioGatewayFile,
  istioVirtualServicesV1,
  manifest,
  ok,
  recordingContext,
  reviewsVirtualService,
  served,
  snapshot,
} from "./fixtures.ts";

const v1Pages = (n: number): Sample[] => Array.from({ length: n }, () => ok("v1"));

function routed(
  destinationRules: KubeObject[],
  virtualServices: KubeObject[],
  samples: Sample[] = v1Pages(10),
): Snapshot {
  // The ingress VirtualService is always there by this stage; it has no subset and must not matter.
  const ingress = istioGatewayFile("networking.istio.io/v1")[1]!;
  return snapshot({
    ...bookinfo(),
    destinationRules,
    virtualServices: [ingress, ...virtualServices],
    samples,
  });
}

describe("route-v1 check", () => {
  const sources: [string, () => [KubeObject[], KubeObject[]]][] = [
    ["our manifests", () => [manifest("destination-rule-all.yaml"), manifest("virtual-service-all-v1.yaml")]],
    [
      "Istio's current v1 files",
      () => [
        istioDestinationRules("networking.istio.io/v1"),
        istioVirtualServicesV1("networking.istio.io/v1"),
      ],
    ],
    [
      "Istio's v1alpha3 files",
      () => [
        istioDestinationRules("networking.istio.io/v1alpha3"),
        istioVirtualServicesV1("networking.istio.io/v1alpha3"),
      ],
    ],
  ];
  for (const [name, objects] of sources) {
    test(`done with ${name} once the recent pages are all v1`, () => {
      const [drs, vss] = objects();
      assert.deepEqual(routeV1.check(routed(drs, vss)), {
        state: "done",
        detail: "10 of 10 recent pages v1",
      });
    });
  }

  test("pending while the pages converge, counting the last 10 pages that showed a version", () => {
    const samples = [ok("v3"), ok("v2"), ok("v3"), ...v1Pages(6), failed(503), ok("v2"), ok("v1"), ok("v1")];
    const check = routeV1.check(
      routed(
        istioDestinationRules("networking.istio.io/v1"),
        istioVirtualServicesV1("networking.istio.io/v1"),
        samples,
      ),
    );
    assert.deepEqual(check, { state: "pending", detail: "8 of 10 recent pages v1" });
  });

  test("pending with the rules in place but no page sampled", () => {
    const check = routeV1.check(
      routed(
        istioDestinationRules("networking.istio.io/v1"),
        istioVirtualServicesV1("networking.istio.io/v1"),
        [],
      ),
    );
    assert.equal(check.state, "pending");
    assert.match(check.detail, /no page sampled/);
  });

  test("pending when nothing is applied, counting both kinds", () => {
    const check = routeV1.check(routed([], []));
    assert.equal(check.state, "pending");
    assert.equal(check.detail, "0 of 4 DestinationRules with subset v1; 0 of 4 VirtualServices to v1");
  });

  test("pending with the DestinationRules but not the VirtualServices yet", () => {
    const check = routeV1.check(routed(istioDestinationRules("networking.istio.io/v1"), []));
    assert.equal(check.detail, "4 of 4 DestinationRules with subset v1; 0 of 4 VirtualServices to v1");
  });

  test("pending when reviews is routed by a VirtualService that is none of the tutorial's states", () => {
    const vss = istioVirtualServicesV1("networking.istio.io/v1").filter((v) => v.metadata.name !== "reviews");
    // Istio's virtual-service-reviews-jason-v2-v3.yaml: jason to v2, everyone else to v3.
    const jasonV2V3 = reviewsVirtualService([
      {
        match: [{ headers: { "end-user": { exact: "jason" } } }],
        route: [{ destination: { host: "reviews", subset: "v2" } }],
      },
      { route: [{ destination: { host: "reviews", subset: "v3" } }] },
    ]);
    const check = routeV1.check(routed(istioDestinationRules("networking.istio.io/v1"), [...vss, jasonV2V3]));
    assert.equal(check.state, "pending");
    assert.match(check.detail, /3 of 4 VirtualServices to v1; routing reviews to v2 and v3/);
  });

  test("passed once a later stage's routing holds (reviews-test-v2: the traffic-management lesson moved on)", () => {
    const vss = istioVirtualServicesV1("networking.istio.io/v1").filter((v) => v.metadata.name !== "reviews");
    const testV2 = reviewsVirtualService([
      {
        match: [{ headers: { "end-user": { exact: "jason" } } }],
        route: [{ destination: { host: "reviews", subset: "v2" } }],
      },
      { route: [{ destination: { host: "reviews", subset: "v1" } }] },
    ]);
    const check = routeV1.check(routed(istioDestinationRules("networking.istio.io/v1"), [...vss, testV2]));
    assert.equal(check.state, "done");
    assert.equal(check.detail, "passed (the routing is at route-jason now)");
  });

  test("failed when a route names a subset no DestinationRule defines (VirtualServices applied first)", () => {
    const check = routeV1.check(routed([], istioVirtualServicesV1("networking.istio.io/v1alpha3")));
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      "VirtualService productpage routes to subset v1 but no DestinationRule defines it: apply destination-rule-all.yaml first",
    );
    assert.equal(
      fixText(check.fix),
      "kubectl -n bookinfo apply -f samples/bookinfo/networking/destination-rule-all.yaml",
    );
  });

  test("failed when the DestinationRule exists but lacks that subset", () => {
    const drs = istioDestinationRules("networking.istio.io/v1").map((dr) =>
      dr.metadata.name === "reviews"
        ? { ...dr, spec: { host: "reviews", subsets: [{ name: "v2", labels: { version: "v2" } }] } }
        : dr,
    );
    const check = routeV1.check(routed(drs, istioVirtualServicesV1("networking.istio.io/v1")));
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      "VirtualService reviews routes to subset v1 but DestinationRule reviews does not define it: apply destination-rule-all.yaml first",
    );
  });

  test("hosts written as FQDNs resolve to the namespace's Services", () => {
    const fqdn = (host: string) => `${host}.bookinfo.svc.cluster.local`;
    const drs = istioDestinationRules("networking.istio.io/v1").map((dr) => ({
      ...dr,
      spec: { ...(dr.spec as object), host: fqdn(dr.metadata.name!) },
    }));
    const vss = istioVirtualServicesV1("networking.istio.io/v1").map((vs) =>
      served({
        apiVersion: vs.apiVersion!,
        kind: "VirtualService",
        metadata: { name: vs.metadata.name! },
        spec: {
          hosts: [fqdn(vs.metadata.name!)],
          http: [{ route: [{ destination: { host: vs.metadata.name!, subset: "v1" } }] }],
        },
      }),
    );
    assert.equal(routeV1.check(routed(drs, vss)).state, "done");
  });

  test("a subset route to a host in another namespace is not judged from here", () => {
    const external = reviewsVirtualService([
      { route: [{ destination: { host: "reviews.other.svc.cluster.local", subset: "canary" } }] },
    ]);
    assert.deepEqual(missingSubsets(snapshot({ virtualServices: [external] })), []);
  });

  test("applies the DestinationRules before the VirtualServices", async () => {
    const { calls, context } = recordingContext(snapshot());
    await routeV1.apply(context);
    assert.deepEqual(calls, [
      ["applyManifest", "destination-rule-all.yaml"],
      ["applyManifest", "virtual-service-all-v1.yaml"],
    ]);
    assert.deepEqual(routeV1.manifests, ["destination-rule-all.yaml", "virtual-service-all-v1.yaml"]);
  });

  test("commands in the same order, with the real namespace", () => {
    const commands = routeV1.commands(snapshot());
    assert.equal(
      commands[0],
      "kubectl -n bookinfo apply -f samples/bookinfo/networking/destination-rule-all.yaml",
    );
    assert.equal(
      commands[1],
      "kubectl -n bookinfo apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml",
    );
  });

  test("pages another namespace's Bookinfo rendered never count as this namespace's v1", () => {
    const [rules, routes] = [manifest("destination-rule-all.yaml"), manifest("virtual-service-all-v1.yaml")];
    const elsewhere = Array.from({ length: 10 }, () => ({
      ...ok("v1"),
      reviewsPod: "reviews-v1-5b667bcbf8-other",
    }));
    const check = routeV1.check(routed(rules, routes, elsewhere));
    assert.deepEqual(check, {
      state: "pending",
      detail: "10 of 10 recent pages come from another namespace's Bookinfo, not this one's",
    });
    const own = elsewhere.map((s) => ({ ...s, reviewsPod: "reviews-v1-7d9f8c6b5-x2k9q" }));
    assert.equal(routeV1.check(routed(rules, routes, own)).state, "done");
  });
});
