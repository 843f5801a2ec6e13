import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Node, nodePrinter, nodeRoles, nodeStatus } from "../../../src/tables/nodes.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

const kindNode: Node = {
  metadata: {
    name: "bookinfo-control-plane",
    creationTimestamp: "2025-05-29T09:00:00Z",
    labels: {
      "node-role.kubernetes.io/control-plane": "",
      "kubernetes.io/hostname": "bookinfo-control-plane",
    },
  },
  status: {
    conditions: [
      { type: "MemoryPressure", status: "False" },
      { type: "Ready", status: "True" },
    ],
    addresses: [
      { type: "Hostname", address: "bookinfo-control-plane" },
      { type: "InternalIP", address: "172.18.0.2" },
    ],
    nodeInfo: {
      kubeletVersion: "v1.32.2",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      kernelVersion: "6.8.0-45-generic",
      containerRuntimeVersion: "containerd://2.0.2",
    },
  },
};

test("a kind node prints like kubectl get nodes -o wide", () => {
  assert.deepEqual(nodePrinter.cells(kindNode, NOW), [
    "bookinfo-control-plane",
    "Ready",
    "control-plane",
    "3d3h",
    "v1.32.2",
    "172.18.0.2",
    "<none>",
    "Debian GNU/Linux 12 (bookworm)",
    "6.8.0-45-generic",
    "containerd://2.0.2",
  ]);
  assert.deepEqual(
    nodePrinter.columns.filter((c) => c.priority === 1).map((c) => c.name),
    ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
  );
});

describe("STATUS", () => {
  test("NotReady, Unknown without a Ready condition, and SchedulingDisabled when cordoned", () => {
    assert.equal(
      nodeStatus({ metadata: {}, status: { conditions: [{ type: "Ready", status: "Unknown" }] } }),
      "NotReady",
    );
    assert.equal(nodeStatus({ metadata: {}, status: {} }), "Unknown");
    assert.equal(
      nodeStatus({
        metadata: {},
        spec: { unschedulable: true },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      }),
      "Ready,SchedulingDisabled",
    );
  });
});

describe("ROLES", () => {
  test("collects node-role labels and the legacy role label, sorted, or <none>", () => {
    assert.equal(
      nodeRoles({
        metadata: {
          labels: {
            "node-role.kubernetes.io/worker": "",
            "kubernetes.io/role": "edge",
            "node-role.kubernetes.io/": "x",
          },
        },
      }),
      "edge,worker",
    );
    assert.equal(nodeRoles({ metadata: { labels: { app: "x" } } }), "<none>");
  });
});

test("missing node info prints <unknown> in the wide columns", () => {
  const cells = nodePrinter.cells({ metadata: { name: "n" } } as Node, NOW);
  assert.deepEqual(cells.slice(4), ["", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
});
