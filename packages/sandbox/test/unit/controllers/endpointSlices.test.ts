import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sliceContents } from "../../../src/controllers/endpointSlices.ts";
import type { Pod } from "../../../src/kube.ts";

// What the endpointslice controller puts in slices, from a Service and its pods.

const service = {
  metadata: { name: "web", namespace: "demo" },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "web" }] },
};

function pod(
  name: string,
  ip: string | undefined,
  options: { ready?: boolean; deleting?: boolean; port?: number; phase?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: "demo",
      uid: `uid-${name}`,
      labels: { app: "web" },
      ...(options.deleting ? { deletionTimestamp: "2025-06-01T12:00:00Z" } : {}),
    },
    spec: {
      nodeName: "node-1",
      containers: [{ name: "web", ports: [{ name: "web", containerPort: options.port ?? 8080 }] }],
    },
    status: {
      phase: options.phase ?? "Running",
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
    },
  } as Pod;
}

describe("EndpointSlice contents", () => {
  it("lists ready, unready and terminating pods with their conditions, by address", () => {
    const [slice] = sliceContents(service, [
      pod("c", "10.0.0.30", { deleting: true }),
      pod("a", "10.0.0.4"),
      pod("b", "10.0.0.12", { ready: false }),
      pod("pending", undefined),
      pod("done", "10.0.0.99", { phase: "Succeeded" }),
    ]);
    assert.deepEqual(slice?.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    assert.deepEqual(
      slice?.endpoints.map((e) => [e.addresses[0], e.conditions, e.targetRef.name, e.nodeName]),
      [
        ["10.0.0.4", { ready: true, serving: true, terminating: false }, "a", "node-1"],
        ["10.0.0.12", { ready: false, serving: false, terminating: false }, "b", "node-1"],
        ["10.0.0.30", { ready: false, serving: true, terminating: true }, "c", "node-1"],
      ],
    );
  });

  it("one slice per port mapping, and none over 100 endpoints", () => {
    const pods = Array.from({ length: 150 }, (_, i) =>
      pod(`p${i}`, `10.0.${Math.floor(i / 200)}.${(i % 200) + 2}`),
    );
    pods.push(pod("other-port", "10.0.9.9", { port: 9090 }));
    const slices = sliceContents(service, pods);
    assert.deepEqual(
      slices.map((s) => [s.ports[0]?.port, s.endpoints.length]),
      [
        [8080, 100],
        [8080, 50],
        [9090, 1],
      ],
    );
  });
});
