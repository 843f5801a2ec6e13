import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../../../src/kube.ts";
import { podPrinter } from "../../../src/tables/pods.ts";

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

test("wide cells: first pod IP, node, nominated node and readiness gates met", () => {
  const p = pod("Running");
  p.spec!.readinessGates = [{ conditionType: "a" }, { conditionType: "b" }, { conditionType: "c" }];
  p.status!.nominatedNodeName = "node1";
  p.status!.conditions = [
    { type: "a", status: "False" },
    { type: "b", status: "True" },
  ];
  assert.deepEqual(podPrinter.cells(p, NOW).slice(5), ["10.244.0.12", "bookinfo-sandbox", "node1", "1/3"]);
});

test("missing wide values print <none>", () => {
  const p: Pod = {
    metadata: { name: "x" },
    spec: { containers: [{ name: "x" }] },
    status: { phase: "Pending" },
  };
  assert.deepEqual(podPrinter.cells(p, NOW).slice(5), ["<none>", "<none>", "<none>", "<none>"]);
});

test("columns carry the server's names, and IP onward only shows with -o wide", () => {
  assert.deepEqual(
    podPrinter.columns.map((c) => [c.name, c.priority]),
    [
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ],
  );
  assert.equal(podPrinter.columns[0]?.format, "name");
});

test("a native sidecar counts in READY once started, and its restarts show with their age", () => {
  const p: Pod = {
    metadata: { name: "reviews-v1-x", creationTimestamp: "2025-06-01T11:50:00Z" },
    spec: {
      initContainers: [{ name: "istio-init" }, { name: "istio-proxy", restartPolicy: "Always" }],
      containers: [{ name: "reviews" }],
    },
    status: {
      phase: "Running",
      conditions: [
        { type: "Initialized", status: "True" },
        { type: "Ready", status: "True" },
      ],
      initContainerStatuses: [
        { name: "istio-init", state: { terminated: { exitCode: 0, reason: "Completed" } } },
        {
          name: "istio-proxy",
          started: true,
          ready: true,
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1, finishedAt: "2025-06-01T11:59:15Z" } },
        },
      ],
      containerStatuses: [{ name: "reviews", ready: true, state: { running: {} } }],
    },
  };
  assert.deepEqual(podPrinter.cells(p, NOW).slice(1, 5), ["2/2", "Running", "1 (45s ago)", "10m"]);
});

test("init containers: waiting, failed, and the count while they run", () => {
  const base = (initContainerStatuses: NonNullable<Pod["status"]>["initContainerStatuses"]): Pod => ({
    metadata: { name: "p" },
    spec: { initContainers: [{ name: "a" }, { name: "b" }], containers: [{ name: "c" }] },
    status: { phase: "Pending", initContainerStatuses },
  });
  const status = (p: Pod) => podPrinter.cells(p, NOW)[2];
  assert.equal(status(base([{ name: "a", state: { waiting: { reason: "PodInitializing" } } }])), "Init:0/2");
  assert.equal(
    status(
      base([
        { name: "a", state: { terminated: { exitCode: 0 } } },
        { name: "b", state: { running: {} } },
      ]),
    ),
    "Init:1/2",
  );
  assert.equal(
    status(base([{ name: "a", state: { waiting: { reason: "ImagePullBackOff" } } }])),
    "Init:ImagePullBackOff",
  );
  assert.equal(status(base([{ name: "a", state: { terminated: { exitCode: 3 } } }])), "Init:ExitCode:3");
  assert.equal(
    status(base([{ name: "a", state: { terminated: { exitCode: 137, signal: 9 } } }])),
    "Init:Signal:9",
  );
  assert.equal(
    status(base([{ name: "a", state: { terminated: { exitCode: 1, reason: "Error" } } }])),
    "Init:Error",
  );
});

test("deletion: Terminating unless finished, Unknown on a lost node", () => {
  const p = pod("Running");
  p.metadata.deletionTimestamp = "2025-06-01T12:00:00Z";
  assert.equal(podPrinter.cells(p, NOW)[2], "Terminating");
  p.status!.reason = "NodeLost";
  assert.equal(podPrinter.cells(p, NOW)[2], "Unknown");
  const done = pod("Succeeded");
  done.metadata.deletionTimestamp = "2025-06-01T12:00:00Z";
  assert.equal(podPrinter.cells(done, NOW)[2], "Succeeded");
});

test("a failed init container counts only while the first Initialized condition is not True", () => {
  const p = (conditions: { type: string; status: string }[]): Pod => ({
    metadata: { name: "p" },
    spec: { initContainers: [{ name: "a" }], containers: [{ name: "c" }] },
    status: {
      phase: "Running",
      conditions,
      initContainerStatuses: [
        { name: "a", restartCount: 2, state: { terminated: { exitCode: 1, reason: "Error" } } },
      ],
      containerStatuses: [{ name: "c", ready: true, restartCount: 1, state: { running: {} } }],
    },
  });
  const cells = (pod: Pod) => podPrinter.cells(pod, NOW).slice(1, 4);
  // Initialized: the app's readiness and restarts show, under the init container's failure.
  assert.deepEqual(cells(p([{ type: "Initialized", status: "True" }])), ["1/1", "Init:Error", "1"]);
  // Only the first condition of a type is read, as the server's helper does.
  assert.deepEqual(
    cells(
      p([
        { type: "Initialized", status: "False" },
        { type: "Initialized", status: "True" },
      ]),
    ),
    ["0/1", "Init:Error", "2"],
  );
});
