import assert from "node:assert/strict";
import { test } from "node:test";
import { type Event, eventPrinter } from "../../../src/tables/events.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("a core/v1 event: LAST SEEN, TYPE, REASON, OBJECT and MESSAGE, then the wide columns", () => {
  const event: Event = {
    metadata: { name: "productpage-v1-6c58956d6b-x2k9q.17f3a", creationTimestamp: "2025-06-01T11:58:00Z" },
    involvedObject: {
      kind: "Pod",
      name: "productpage-v1-6c58956d6b-x2k9q",
      fieldPath: "spec.containers{istio-proxy}",
    },
    reason: "Unhealthy",
    message: "Readiness probe failed: HTTP probe failed with statuscode: 503\n",
    type: "Warning",
    source: { component: "kubelet", host: "bookinfo-sandbox" },
    firstTimestamp: "2025-06-01T11:58:00Z",
    lastTimestamp: "2025-06-01T11:59:40Z",
    count: 4,
  };
  assert.deepEqual(eventPrinter.cells(event, NOW), [
    "20s",
    "Warning",
    "Unhealthy",
    "pod/productpage-v1-6c58956d6b-x2k9q",
    "spec.containers{istio-proxy}",
    "kubelet, bookinfo-sandbox",
    "Readiness probe failed: HTTP probe failed with statuscode: 503",
    "2m",
    4,
    "productpage-v1-6c58956d6b-x2k9q.17f3a",
  ]);
  assert.deepEqual(
    eventPrinter.columns.filter((c) => c.priority === 0).map((c) => c.name),
    ["Last Seen", "Type", "Reason", "Object", "Message"],
  );
});

test("an events.k8s.io style event uses eventTime, series and the reporting controller", () => {
  const event: Event = {
    metadata: { name: "e2" },
    involvedObject: { kind: "Deployment" },
    reason: "ScalingReplicaSet",
    type: "Normal",
    reportingComponent: "deployment-controller",
    eventTime: "2025-06-01T11:00:00.000000Z",
    series: { count: 7, lastObservedTime: "2025-06-01T11:59:00.000000Z" },
  };
  const cells = eventPrinter.cells(event, NOW);
  assert.equal(cells[0], "60s");
  assert.equal(cells[3], "deployment");
  assert.equal(cells[5], "deployment-controller");
  assert.equal(cells[7], "60m");
  assert.equal(cells[8], 7);
});

test("a singleton event without count counts as 1, and last seen falls back to first seen", () => {
  const cells = eventPrinter.cells(
    { metadata: { name: "e3" }, firstTimestamp: "2025-06-01T11:59:00Z" } as Event,
    NOW,
  );
  assert.equal(cells[0], "60s");
  assert.equal(cells[8], 1);
});
