import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  istiodVersion,
  istioInfoFrom,
  istioVersionFromImage,
  networkingVersionOf,
} from "../../../source/cluster/istio.ts";
import type { KubeObject } from "../../../source/model/kube.ts";

const group = (...versions: string[]) => ({
  name: "networking.istio.io",
  versions: versions.map((version) => ({ groupVersion: `networking.istio.io/${version}`, version })),
});

const istiod = (name: string, image: string, container = "discovery"): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "istio-system", labels: { app: "istiod" } },
  spec: { template: { spec: { containers: [{ name: container, image }] } } },
});

describe("networkingVersionOf", () => {
  test("prefers v1, then v1beta1, then v1alpha3, whatever the server lists first", () => {
    assert.equal(networkingVersionOf(group("v1alpha3", "v1beta1", "v1")), "v1");
    assert.equal(networkingVersionOf(group("v1alpha3", "v1beta1")), "v1beta1");
    assert.equal(networkingVersionOf(group("v1alpha3")), "v1alpha3");
  });
  test("null when the group is not served or serves nothing we write", () => {
    assert.equal(networkingVersionOf(null), null);
    assert.equal(networkingVersionOf(group("v2alpha1")), null);
  });
});

describe("istioVersionFromImage", () => {
  const cases: [string | undefined, string | null][] = [
    ["docker.io/istio/pilot:1.28.1", "1.28.1"],
    ["docker.io/istio/pilot:1.28.1-distroless", "1.28.1"],
    ["gcr.io/istio-release/pilot:1.22.0", "1.22.0"],
    ["registry.istio.io/release/pilot:1.27.3-distroless", "1.27.3"],
    ["localhost:5000/istio/pilot:1.20.2", "1.20.2"],
    ["docker.io/istio/pilot:1.28.1@sha256:0123abcd", "1.28.1"],
    ["localhost:5000/istio/pilot", null],
    ["docker.io/istio/pilot@sha256:0123abcd", null],
    [undefined, null],
  ];
  for (const [image, version] of cases)
    test(`${image} -> ${version}`, () => assert.equal(istioVersionFromImage(image), version));
});

describe("istiodVersion", () => {
  test("the default istiod wins over revisions", () => {
    const deployments = [
      istiod("istiod-canary", "docker.io/istio/pilot:1.29.0"),
      istiod("istiod", "docker.io/istio/pilot:1.28.1"),
    ];
    assert.equal(istiodVersion(deployments), "1.28.1");
  });
  test("a revision alone (istiod-<rev>) gives its version", () => {
    assert.equal(
      istiodVersion([istiod("istiod-1-27-3", "docker.io/istio/pilot:1.27.3-distroless")]),
      "1.27.3",
    );
  });
  test("reads the discovery container, not a sidecar next to it", () => {
    const deployment = istiod("istiod", "docker.io/istio/pilot:1.28.1");
    (deployment.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.unshift({
      name: "proxy",
      image: "docker.io/istio/proxyv2:9.9.9",
    });
    assert.equal(istiodVersion([deployment]), "1.28.1");
  });
  test("null without istiod", () => assert.equal(istiodVersion([]), null));
});

describe("istioInfoFrom", () => {
  test("installed: API served and istiod present", () => {
    assert.deepEqual(
      istioInfoFrom({
        networkingGroup: group("v1", "v1beta1", "v1alpha3"),
        istiodDeployments: [istiod("istiod", "docker.io/istio/pilot:1.28.1")],
        ztunnel: false,
      }),
      { installed: true, version: "1.28.1", networkingVersion: "v1", ambient: false },
    );
  });
  test("not installed: nothing served", () => {
    assert.deepEqual(
      istioInfoFrom({
        networkingGroup: null,
        istiodDeployments: [],
        ztunnel: false,
      }),
      { installed: false, version: null, networkingVersion: null, ambient: false },
    );
  });
  test("CRDs left behind without istiod is not an installed Istio", () => {
    const info = istioInfoFrom({
      networkingGroup: group("v1"),
      istiodDeployments: [],
      ztunnel: false,
    });
    assert.equal(info.installed, false);
    assert.equal(info.networkingVersion, "v1");
  });
  test("a context that may not look into istio-system trusts the served API", () => {
    const info = istioInfoFrom({
      networkingGroup: group("v1beta1"),
      istiodDeployments: undefined,
      ztunnel: false,
    });
    assert.deepEqual(info, { installed: true, version: null, networkingVersion: "v1beta1", ambient: false });
  });
  test("an old Istio serving only v1alpha3 and v1beta1", () => {
    const info = istioInfoFrom({
      networkingGroup: group("v1alpha3", "v1beta1"),
      istiodDeployments: [istiod("istiod", "docker.io/istio/pilot:1.20.8")],
      ztunnel: true,
    });
    assert.deepEqual(info, {
      installed: true,
      version: "1.20.8",
      networkingVersion: "v1beta1",
      ambient: true,
    });
  });
});
