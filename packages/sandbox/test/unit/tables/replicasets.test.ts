import assert from "node:assert/strict";
import { test } from "node:test";
import { type ReplicaSet, replicaSetPrinter } from "../../../src/tables/replicasets.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("DESIRED CURRENT READY are numbers, wide adds containers, images and selector", () => {
  const rs: ReplicaSet = {
    metadata: { name: "productpage-v1-6c58956d6b", creationTimestamp: "2025-06-01T11:59:00Z" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "productpage", version: "v1", "pod-template-hash": "6c58956d6b" } },
      template: {
        spec: {
          containers: [
            { name: "productpage", image: "docker.io/istio/examples-bookinfo-productpage-v1:1.20.2" },
            { name: "istio-proxy", image: "docker.io/istio/proxyv2:1.26.0" },
          ],
        },
      },
    },
    status: { replicas: 1, readyReplicas: 0 },
  };
  assert.deepEqual(replicaSetPrinter.cells(rs, NOW), [
    "productpage-v1-6c58956d6b",
    1,
    1,
    0,
    "60s",
    "productpage,istio-proxy",
    "docker.io/istio/examples-bookinfo-productpage-v1:1.20.2,docker.io/istio/proxyv2:1.26.0",
    "app=productpage,pod-template-hash=6c58956d6b,version=v1",
  ]);
  assert.deepEqual(
    replicaSetPrinter.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ["Name", "string", 0],
      ["Desired", "integer", 0],
      ["Current", "integer", 0],
      ["Ready", "integer", 0],
      ["Age", "string", 0],
      ["Containers", "string", 1],
      ["Images", "string", 1],
      ["Selector", "string", 1],
    ],
  );
});

test("an empty selector prints <none> and an invalid one <error>", () => {
  const rs = (selector: ReplicaSet["spec"]): ReplicaSet => ({ metadata: { name: "x" }, spec: selector });
  assert.equal(replicaSetPrinter.cells(rs({ selector: {} }), NOW)[7], "<none>");
  assert.equal(
    replicaSetPrinter.cells(rs({ selector: { matchExpressions: [{ key: "a", operator: "In" }] } }), NOW)[7],
    "<error>",
  );
});
