import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { loadAll } from "js-yaml";
import { gatewayApiBundle } from "../../src/gatewayapi/bundle.ts";
import { gatewayApiBundleYaml } from "../../src/gatewayapi/yaml.ts";
import type { KubeObject } from "../../src/kube.ts";

interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; shortNames?: string[]; categories: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns: { name: string; jsonPath: string }[];
    }[];
  };
}

const crds = (channel: "standard" | "experimental") =>
  gatewayApiBundle(channel).filter((o): o is Crd => o.kind === "CustomResourceDefinition");

describe("the Gateway API bundle", () => {
  test("the files users apply are the bundle, up to date", () => {
    for (const channel of ["standard", "experimental"] as const) {
      const path = new URL(`../../crds/gateway-api-${channel}.yaml`, import.meta.url);
      const text = readFileSync(path, "utf8");
      const refresh = `run packages/sandbox/scripts/write-gateway-api-crds.ts to refresh ${channel}`;
      // The files are formatted by the repository's formatter, so compare what they hold.
      assert.deepEqual(loadAll(text), loadAll(gatewayApiBundleYaml(channel)), refresh);
      assert.deepEqual(loadAll(text), gatewayApiBundle(channel), refresh);
      assert.match(text, new RegExp(`^# Gateway API v1\\.4\\.0, ${channel} channel`));
    }
  });

  test("standard has the standard kinds, in their versions, v1 stored", () => {
    const versions = Object.fromEntries(
      crds("standard").map((c) => [c.metadata.name, c.spec.versions.map((v) => [v.name, v.storage])]),
    );
    assert.deepEqual(versions, {
      "backendtlspolicies.gateway.networking.k8s.io": [["v1", true]],
      "gatewayclasses.gateway.networking.k8s.io": [
        ["v1", true],
        ["v1beta1", false],
      ],
      "gateways.gateway.networking.k8s.io": [
        ["v1", true],
        ["v1beta1", false],
      ],
      "grpcroutes.gateway.networking.k8s.io": [["v1", true]],
      "httproutes.gateway.networking.k8s.io": [
        ["v1", true],
        ["v1beta1", false],
      ],
      "referencegrants.gateway.networking.k8s.io": [["v1beta1", true]],
    });
    for (const crd of crds("standard")) {
      assert.equal(crd.metadata.annotations?.["gateway.networking.k8s.io/channel"], "standard");
      assert.equal(crd.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"], "v1.4.0");
      assert.ok(crd.metadata.annotations?.["api-approved.kubernetes.io"]);
      assert.deepEqual(crd.spec.names.categories, ["gateway-api"]);
    }
  });

  test("experimental adds the alpha routes and the x-k8s.io kinds", () => {
    const standard = new Set(crds("standard").map((c) => c.metadata.name));
    const added = crds("experimental")
      .map((c) => c.metadata.name ?? "")
      .filter((name) => !standard.has(name));
    assert.deepEqual(added.sort(), [
      "tcproutes.gateway.networking.k8s.io",
      "tlsroutes.gateway.networking.k8s.io",
      "udproutes.gateway.networking.k8s.io",
      "xbackendtrafficpolicies.gateway.networking.x-k8s.io",
      "xlistenersets.gateway.networking.x-k8s.io",
      "xmeshes.gateway.networking.x-k8s.io",
    ]);
  });

  test("kubectl's columns for Gateway, GatewayClass and HTTPRoute", () => {
    const columns = (name: string) =>
      crds("standard")
        .find((c) => c.metadata.name === name)
        ?.spec.versions[0]?.additionalPrinterColumns.map((c) => [c.name, c.jsonPath]);
    assert.deepEqual(columns("gateways.gateway.networking.k8s.io"), [
      ["Class", ".spec.gatewayClassName"],
      ["Address", ".status.addresses[*].value"],
      ["Programmed", '.status.conditions[?(@.type=="Programmed")].status'],
      ["Age", ".metadata.creationTimestamp"],
    ]);
    assert.deepEqual(columns("gatewayclasses.gateway.networking.k8s.io"), [
      ["Controller", ".spec.controllerName"],
      ["Accepted", '.status.conditions[?(@.type=="Accepted")].status'],
      ["Age", ".metadata.creationTimestamp"],
      ["Description", ".spec.description"],
    ]);
    assert.deepEqual(columns("httproutes.gateway.networking.k8s.io"), [
      ["Hostnames", ".spec.hostnames"],
      ["Age", ".metadata.creationTimestamp"],
    ]);
  });

  test("carries the safe-upgrades policy and its binding first", () => {
    const [policy, binding] = gatewayApiBundle("standard");
    assert.equal(policy?.kind, "ValidatingAdmissionPolicy");
    assert.equal(binding?.kind, "ValidatingAdmissionPolicyBinding");
    assert.equal(policy?.metadata.name, "safe-upgrades.gateway.networking.k8s.io");
    assert.equal(
      (binding?.spec as { policyName: string } | undefined)?.policyName,
      "safe-upgrades.gateway.networking.k8s.io",
    );
  });
});
