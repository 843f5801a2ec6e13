import assert from "node:assert/strict";
import { test } from "node:test";
import { type Deployment, deploymentPrinter } from "../../../src/tables/deployments.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

const reviews: Deployment = {
  metadata: { name: "reviews-v2", creationTimestamp: "2025-06-01T11:50:00Z" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { version: "v2", app: "reviews" } },
    template: {
      spec: {
        containers: [{ name: "reviews", image: "docker.io/istio/examples-bookinfo-reviews-v2:1.20.2" }],
      },
    },
  },
  status: { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
};

test("READY is ready/desired, and the wide columns list containers, images and selector", () => {
  assert.deepEqual(deploymentPrinter.cells(reviews, NOW), [
    "reviews-v2",
    "1/1",
    1,
    1,
    "10m",
    "reviews",
    "docker.io/istio/examples-bookinfo-reviews-v2:1.20.2",
    "app=reviews,version=v2",
  ]);
  assert.deepEqual(
    deploymentPrinter.columns.map((c) => c.name),
    ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"],
  );
  assert.deepEqual(
    deploymentPrinter.columns.filter((c) => c.priority === 1).map((c) => c.name),
    ["Containers", "Images", "Selector"],
  );
});

test("a fresh deployment with no status reads 0/N and zero counts", () => {
  const fresh: Deployment = { metadata: { name: "details-v1" }, spec: { replicas: 3 } };
  assert.deepEqual(deploymentPrinter.cells(fresh, NOW).slice(0, 5), ["details-v1", "0/3", 0, 0, "<unknown>"]);
});

test("selector expressions print in selector syntax", () => {
  const d: Deployment = {
    metadata: { name: "x" },
    spec: {
      selector: {
        matchLabels: { app: "reviews" },
        matchExpressions: [{ key: "version", operator: "In", values: ["v3", "v1"] }],
      },
    },
  };
  assert.equal(deploymentPrinter.cells(d, NOW)[7], "app=reviews,version in (v1,v3)");
});
