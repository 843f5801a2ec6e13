import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type {
  Container,
  ContainerState,
  ContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from "../../../source/model/kube.ts";
import { podRow } from "../../../source/model/podRow.ts";

// Each fixture is a pod status the kubelet really produces; the expected READY / STATUS /
// RESTARTS are what `kubectl get pods` prints for it.

const NOW = Date.parse("2025-06-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace(".000Z", "Z");

interface PodFixture {
  containers?: Container[];
  initContainers?: Container[];
  status?: PodStatus;
  deletionTimestamp?: string;
  nodeName?: string;
}

function pod({
  containers = [{ name: "app" }],
  initContainers,
  status,
  deletionTimestamp,
  nodeName,
}: PodFixture): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "productpage-v1-6c58956d6b-x2k9q",
      namespace: "default",
      creationTimestamp: ago(330),
      ...(deletionTimestamp ? { deletionTimestamp } : {}),
    },
    spec: { containers, ...(initContainers ? { initContainers } : {}), ...(nodeName ? { nodeName } : {}) },
    ...(status ? { status } : {}),
  };
}

function cs(name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { name, ready: false, restartCount: 0, state, ...extra };
}
const running = (name: string, ready: boolean, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { running: { startedAt: ago(300) } }, { ready, started: true, ...extra });
const waiting = (name: string, reason: string, extra: Partial<ContainerStatus> = {}) =>
  cs(name, { waiting: { reason } }, extra);
const terminated = (name: string, exitCode: number, reason?: string, signal?: number) =>
  cs(name, { terminated: { exitCode, ...(reason ? { reason } : {}), ...(signal ? { signal } : {}) } });
const restartedAgo = (seconds: number) => ({
  lastState: { terminated: { exitCode: 1, finishedAt: ago(seconds) } },
});

const condition = (type: string, status: "True" | "False", reason?: string): PodCondition => ({
  type,
  status,
  ...(reason ? { reason } : {}),
});
const readyConditions = [condition("Initialized", "True"), condition("Ready", "True")];

const istioInit: Container = { name: "istio-init" };
const nativeProxy: Container = { name: "istio-proxy", restartPolicy: "Always" };
const classic = [{ name: "productpage" }, { name: "istio-proxy" }];

function expectRow(p: Pod, ready: string, status: string, restartsText = "0") {
  const row = podRow(p, NOW);
  assert.deepEqual(
    { ready: row.ready, status: row.status, restartsText: row.restartsText },
    { ready, status, restartsText },
  );
}

describe("podRow: the Bookinfo lifecycle with a classic sidecar", () => {
  test("istio-init running: Init:0/1", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Pending",
        conditions: [condition("Initialized", "False"), condition("Ready", "False")],
        initContainerStatuses: [running("istio-init", false)],
        containerStatuses: [
          waiting("productpage", "PodInitializing"),
          waiting("istio-proxy", "PodInitializing"),
        ],
      },
    });
    expectRow(p, "0/2", "Init:0/1");
  });

  test("istio-init not started yet still reads Init:0/1", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Pending",
        initContainerStatuses: [waiting("istio-init", "PodInitializing")],
        containerStatuses: [
          waiting("productpage", "PodInitializing"),
          waiting("istio-proxy", "PodInitializing"),
        ],
      },
    });
    expectRow(p, "0/2", "Init:0/1");
  });

  test("istio-init done, containers not created yet: PodInitializing", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Pending",
        conditions: [condition("Initialized", "True"), condition("Ready", "False")],
        initContainerStatuses: [terminated("istio-init", 0, "Completed")],
        containerStatuses: [
          waiting("productpage", "PodInitializing"),
          waiting("istio-proxy", "PodInitializing"),
        ],
      },
    });
    expectRow(p, "0/2", "PodInitializing");
  });

  test("both containers ready: 2/2 Running", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Running",
        conditions: readyConditions,
        initContainerStatuses: [terminated("istio-init", 0, "Completed")],
        containerStatuses: [running("productpage", true), running("istio-proxy", true)],
      },
    });
    expectRow(p, "2/2", "Running");
    assert.equal(podRow(p, NOW).sidecar, true);
  });

  test("istio-proxy not ready yet: 1/2 Running", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Running",
        conditions: [condition("Initialized", "True"), condition("Ready", "False")],
        initContainerStatuses: [terminated("istio-init", 0, "Completed")],
        containerStatuses: [running("productpage", true), running("istio-proxy", false)],
      },
    });
    expectRow(p, "1/2", "Running");
  });

  test("app crashing: CrashLoopBackOff with the last restart's age", () => {
    const p = pod({
      initContainers: [istioInit],
      containers: classic,
      status: {
        phase: "Running",
        conditions: [condition("Initialized", "True"), condition("Ready", "False")],
        initContainerStatuses: [terminated("istio-init", 0, "Completed")],
        containerStatuses: [
          waiting("productpage", "CrashLoopBackOff", { restartCount: 3, ...restartedAgo(45) }),
          running("istio-proxy", true),
        ],
      },
    });
    expectRow(p, "1/2", "CrashLoopBackOff", "3 (45s ago)");
    assert.equal(podRow(p, NOW).restarts, 3);
  });

  test("deleted while running: Terminating", () => {
    const p = pod({
      containers: classic,
      deletionTimestamp: ago(5),
      status: {
        phase: "Running",
        conditions: readyConditions,
        containerStatuses: [running("productpage", true), running("istio-proxy", true)],
      },
    });
    expectRow(p, "2/2", "Terminating");
  });

  test("deleted while pending: Terminating", () => {
    expectRow(pod({ deletionTimestamp: ago(5), status: { phase: "Pending" } }), "0/1", "Terminating");
  });
});

describe("podRow: native sidecars (restartable init containers)", () => {
  const initContainers = [istioInit, nativeProxy];

  test("istio-proxy started and ready, app ready: 2/2 Running", () => {
    const p = pod({
      initContainers,
      containers: [{ name: "reviews" }],
      status: {
        phase: "Running",
        conditions: readyConditions,
        initContainerStatuses: [terminated("istio-init", 0, "Completed"), running("istio-proxy", true)],
        containerStatuses: [running("reviews", true)],
      },
    });
    expectRow(p, "2/2", "Running");
    assert.equal(podRow(p, NOW).sidecar, true);
  });

  test("istio-proxy running but not started: Init:1/2, counted in the total", () => {
    const p = pod({
      initContainers,
      containers: [{ name: "reviews" }],
      status: {
        phase: "Pending",
        conditions: [condition("Initialized", "False")],
        initContainerStatuses: [
          terminated("istio-init", 0, "Completed"),
          running("istio-proxy", false, { started: false }),
        ],
        containerStatuses: [waiting("reviews", "PodInitializing")],
      },
    });
    expectRow(p, "0/2", "Init:1/2");
  });

  test("sidecar restarts count after initialisation, with the newest restart's age", () => {
    const p = pod({
      initContainers,
      containers: [{ name: "reviews" }],
      status: {
        phase: "Running",
        conditions: readyConditions,
        initContainerStatuses: [
          { ...terminated("istio-init", 0, "Completed"), restartCount: 1, ...restartedAgo(600) },
          running("istio-proxy", true, { restartCount: 2, ...restartedAgo(90) }),
        ],
        containerStatuses: [running("reviews", true, { restartCount: 1, ...restartedAgo(30) })],
      },
    });
    // istio-init's restart is no longer shown once the pod is initialised.
    expectRow(p, "2/2", "Running", "3 (30s ago)");
  });

  test("two restartable init containers, started and ready, plus one app container", () => {
    const p = pod({
      initContainers: [
        { name: "a", restartPolicy: "Always" },
        { name: "b", restartPolicy: "Always" },
      ],
      status: {
        phase: "Running",
        conditions: [condition("Initialized", "True")],
        initContainerStatuses: [
          running("a", false, { restartCount: 3, ...restartedAgo(10) }),
          running("b", false),
        ],
        containerStatuses: [running("app", true, { restartCount: 4, ...restartedAgo(20) })],
      },
    });
    expectRow(p, "1/3", "Running", "7 (10s ago)");
  });

  test("a non-restartable init container named istio-proxy is not a sidecar", () => {
    const p = pod({ initContainers: [{ name: "istio-proxy" }], status: { phase: "Pending" } });
    assert.equal(podRow(p, NOW).sidecar, false);
    assert.equal(podRow(pod({ status: { phase: "Running" } }), NOW).sidecar, false);
  });
});

describe("podRow: init container failures", () => {
  const initPod = (initStatus: ContainerStatus) =>
    pod({
      initContainers: [istioInit],
      status: {
        phase: "Pending",
        initContainerStatuses: [initStatus],
        containerStatuses: [waiting("app", "PodInitializing")],
      },
    });

  test("terminated with a reason: Init:<reason>", () => {
    expectRow(initPod(terminated("istio-init", 1, "Error")), "0/1", "Init:Error");
  });
  test("waiting with a reason: Init:<reason>", () => {
    expectRow(
      initPod(waiting("istio-init", "CrashLoopBackOff", { restartCount: 4, ...restartedAgo(150) })),
      "0/1",
      "Init:CrashLoopBackOff",
      "4 (2m30s ago)",
    );
    expectRow(initPod(waiting("istio-init", "ImagePullBackOff")), "0/1", "Init:ImagePullBackOff");
  });
  test("terminated without a reason: Init:ExitCode:N, or Init:Signal:N when signalled", () => {
    expectRow(initPod(terminated("istio-init", 2)), "0/1", "Init:ExitCode:2");
    expectRow(initPod(terminated("istio-init", 137, undefined, 9)), "0/1", "Init:Signal:9");
  });

  test("while initialising only init restarts count", () => {
    const p = pod({
      initContainers: [{ name: "first" }, { name: "second" }],
      status: {
        phase: "Pending",
        initContainerStatuses: [
          { ...terminated("first", 0), restartCount: 2, ...restartedAgo(120) },
          running("second", false, { restartCount: 3, ...restartedAgo(10) }),
        ],
        containerStatuses: [waiting("app", "PodInitializing", { restartCount: 7, ...restartedAgo(1) })],
      },
    });
    expectRow(p, "0/1", "Init:1/2", "5 (10s ago)");
  });

  test("statuses for init containers the spec does not name still count by position", () => {
    const p = pod({
      initContainers: [{ name: "init1" }, { name: "sidecar1", restartPolicy: "Always" }],
      containers: [{ name: "container1" }],
      status: {
        phase: "Running",
        initContainerStatuses: [{ name: "initinvalid" }, { name: "init1" }, { name: "sidecar1" }],
        containerStatuses: [{ name: "containerinvalid" }, { name: "container1" }],
      },
    });
    expectRow(p, "0/2", "Init:0/2");
  });
});

describe("podRow: container states", () => {
  test("ContainerCreating, ImagePullBackOff and ErrImagePull come from the waiting reason", () => {
    for (const reason of ["ContainerCreating", "ImagePullBackOff", "ErrImagePull"]) {
      expectRow(
        pod({ status: { phase: "Pending", containerStatuses: [waiting("app", reason)] } }),
        "0/1",
        reason,
      );
    }
  });

  test("the first container's state wins over later ones", () => {
    const p = pod({
      containers: [{ name: "a" }, { name: "b" }],
      status: {
        phase: "Running",
        containerStatuses: [
          waiting("a", "ContainerWaitingReason", { restartCount: 3 }),
          cs("b", { terminated: { exitCode: 1, reason: "ContainerTerminatedReason" } }, { restartCount: 3 }),
        ],
      },
    });
    expectRow(p, "0/2", "ContainerWaitingReason", "6");
  });

  test("a finished pod: Completed, and Error for a failed one", () => {
    expectRow(
      pod({ status: { phase: "Succeeded", containerStatuses: [terminated("app", 0, "Completed")] } }),
      "0/1",
      "Completed",
    );
    expectRow(
      pod({ status: { phase: "Failed", containerStatuses: [terminated("app", 1, "Error")] } }),
      "0/1",
      "Error",
    );
  });

  test("terminated without a reason: Signal:N or ExitCode:N", () => {
    expectRow(
      pod({ status: { phase: "Failed", containerStatuses: [terminated("app", 137, undefined, 9)] } }),
      "0/1",
      "Signal:9",
    );
    expectRow(
      pod({ status: { phase: "Failed", containerStatuses: [terminated("app", 3)] } }),
      "0/1",
      "ExitCode:3",
    );
  });

  test("a deleted pod that already finished keeps its final status", () => {
    const p = pod({
      deletionTimestamp: ago(3),
      status: { phase: "Succeeded", containerStatuses: [terminated("app", 0, "Completed")] },
    });
    expectRow(p, "0/1", "Completed");
  });

  test("one container completed beside a running one: NotReady without the Ready condition", () => {
    const status = (conditions: PodCondition[]): PodStatus => ({
      phase: "Running",
      conditions,
      containerStatuses: [
        { ...terminated("job", 0, "Completed"), ready: true, restartCount: 3 },
        running("server", true, { restartCount: 3 }),
      ],
    });
    const containers = [{ name: "job" }, { name: "server" }];
    expectRow(pod({ containers, status: status([]) }), "1/2", "NotReady", "6");
    expectRow(pod({ containers, status: status([condition("Ready", "True")]) }), "1/2", "Running", "6");
  });

  test("ready alone is not running: the phase stays the status", () => {
    const p = pod({
      containers: [{ name: "a" }, { name: "b" }],
      status: { phase: "Running", containerStatuses: [running("a", true), { name: "b", ready: true }] },
    });
    expectRow(p, "1/2", "Running");
  });

  test("the pod reason replaces the phase (Evicted)", () => {
    expectRow(pod({ status: { phase: "Failed", reason: "Evicted" } }), "0/1", "Evicted");
  });

  test("a deleted pod on a lost node: Unknown", () => {
    const p = pod({
      deletionTimestamp: ago(60),
      status: { phase: "Running", reason: "NodeLost", containerStatuses: [running("app", true)] },
    });
    expectRow(p, "1/1", "Unknown");
  });

  test("a scheduling gate shows SchedulingGated", () => {
    const p = pod({
      status: { phase: "Pending", conditions: [condition("PodScheduled", "False", "SchedulingGated")] },
    });
    expectRow(p, "0/1", "SchedulingGated");
  });

  test("a pending pod without statuses shows its phase", () => {
    expectRow(pod({ status: { phase: "Pending" } }), "0/1", "Pending");
  });
});

describe("podRow: restarts", () => {
  test("uses the newest restart among all containers", () => {
    const p = pod({
      containers: [{ name: "a" }, { name: "b" }],
      status: {
        phase: "Running",
        containerStatuses: [
          running("a", true, { restartCount: 6, ...restartedAgo(5 * 86400) }),
          running("b", true, { restartCount: 3, ...restartedAgo(20 * 86400) }),
        ],
      },
    });
    expectRow(p, "2/2", "Running", "9 (5d ago)");
  });

  test("without a recorded termination, only the count is shown", () => {
    expectRow(
      pod({ status: { phase: "Running", containerStatuses: [running("app", true, { restartCount: 2 })] } }),
      "1/1",
      "Running",
      "2",
    );
  });
});

describe("podRow: the other fields", () => {
  test("name, age, IP and node", () => {
    const p = pod({
      nodeName: "bookinfo-sandbox",
      status: { phase: "Running", podIPs: [{ ip: "10.244.0.7" }, { ip: "fd00::7" }], podIP: "10.244.0.7" },
    });
    const row = podRow(p, NOW);
    assert.equal(row.name, "productpage-v1-6c58956d6b-x2k9q");
    assert.equal(row.age, "5m30s");
    assert.equal(row.ip, "10.244.0.7");
    assert.equal(row.node, "bookinfo-sandbox");
  });

  test("the legacy podIP is used when podIPs is absent, and <none> when there is no address", () => {
    assert.equal(podRow(pod({ status: { phase: "Running", podIP: "10.244.0.9" } }), NOW).ip, "10.244.0.9");
    const bare = podRow(pod({ status: { phase: "Pending" } }), NOW);
    assert.equal(bare.ip, "<none>");
    assert.equal(bare.node, "<none>");
  });

  test("a pod without creationTimestamp has an <unknown> age", () => {
    const p = pod({});
    delete p.metadata.creationTimestamp;
    assert.equal(podRow(p, NOW).age, "<unknown>");
  });
});
