import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../../../source/model/kube.ts";
import { podPrinter } from "../../../../source/sandbox/tables/pods.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

function pod(phase: string): Pod {
  return {
    metadata: { name: "ratings-v1-5dc79b6bcd-8zbt2", creationTimestamp: "2025-06-01T11:57:00Z" },
    spec: { containers: [{ name: "ratings" }], nodeName: "bookinfo-sandbox" },
    status: {
      phase,
      podIPs: [{ ip: "10.244.0.12" }],
      containerStatuses: [
        {
          name: "ratings",
          ready: phase === "Running",
          restartCount: 0,
          state: { running: { startedAt: "2025-06-01T11:57:05Z" } },
        },
      ],
    },
  };
}

test("cells are the pod row in kubectl's column order", () => {
  assert.deepEqual(podPrinter.cells(pod("Running"), NOW), [
    "ratings-v1-5dc79b6bcd-8zbt2",
    "1/1",
    "Running",
    "0",
    "3m",
    "10.244.0.12",
    "bookinfo-sandbox",
    "<none>",
    "<none>",
  ]);
  assert.equal(podPrinter.cells(pod("Running"), NOW).length, podPrinter.columns.length);
});

test("finished pods carry the Completed row condition, running ones none", () => {
  assert.equal(podPrinter.conditions?.(pod("Running")), undefined);
  assert.deepEqual(podPrinter.conditions?.(pod("Succeeded")), [
    {
      type: "Completed",
      status: "True",
      reason: "Succeeded",
      message: "The pod has completed successfully.",
    },
  ]);
  assert.equal(podPrinter.conditions?.(pod("Failed"))?.[0]?.reason, "Failed");
});
