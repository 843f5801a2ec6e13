import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { api, caOf, manifest, until } from "@kubectl-bookinfo/sandbox/testing";
import { dump } from "js-yaml";
import type { Container, ContainerStatus, Pod, PodCondition } from "../../source/model/kube.ts";
import { podRow } from "../../source/model/podRow.ts";
import { clusterTestbed, freshNamespace } from "./helpers.ts";

// The product's pod rows (READY, STATUS, RESTARTS, AGE, IP, NODE) against what the real kubectl
// prints for the same pods. kubectl prints the cells of the sandbox's own pod printer, so this
// holds the two printers, written apart, against each other; the pinned states also hold both
// against the cells the API server's printPod gives those statuses.

const bed = clusterTestbed();

/** The columns podRow and `kubectl get pods -o wide` share, in kubectl's order. */
const COLUMNS = ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"] as const;

const productCells = (pod: Pod, now: number): string[] => {
  const row = podRow(pod, now);
  return [row.name, row.ready, row.status, row.restartsText, row.age, row.ip, row.node];
};

/** kubectl's rows, split into cells: columns are at least three spaces apart, cells hold single ones. */
function kubectlRows(output: string): string[][] {
  return output
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("NAME "))
    .map((line) => line.trim().split(/ {2,}/).slice(0, COLUMNS.length));
}

/**
 * Where two rows disagree, column by column. A cell may also read as in `alsoAt`, the same pod a
 * moment earlier or later: only AGE and the "ago" of RESTARTS can differ there.
 */
function differences(kubectl: string[], product: string[], alsoAt?: string[]): string[] {
  const out: string[] = [];
  COLUMNS.forEach((column, i) => {
    if (kubectl[i] === product[i] || (alsoAt && kubectl[i] === alsoAt[i])) return;
    out.push(`${column}: kubectl "${kubectl[i]}", podRow "${product[i]}"`);
  });
  return out;
}

async function listPods(namespace: string): Promise<Map<string, Pod>> {
  const response = await api(bed.sandbox.sandbox, "GET", `/api/v1/namespaces/${namespace}/pods`);
  assert.equal(response.status, 200, response.text);
  const pods = response.json().items as Pod[];
  return new Map(pods.map((p) => [p.metadata.name ?? "", p]));
}

/** Waits for the start of the next wall-clock second: every timestamp is in whole seconds, so
 * every AGE and "ago" turns over then, and a read that starts just after it sees one value. */
async function justAfterASecondTurns(): Promise<void> {
  await sleep(1020 - (Date.now() % 1000));
}

interface Compared {
  pods: Map<string, Pod>;
  kubectl: Map<string, string[]>;
  mismatches: string[];
}

/**
 * `kubectl get pods -o wide` once, between two reads of the objects. Pods that changed between
 * the reads are left out; for the others podRow must give kubectl's cells, with AGE and
 * RESTARTS read at the start or the end of the call.
 */
async function compareAtRest(namespace: string): Promise<Compared> {
  await justAfterASecondTurns();
  const start = Date.now();
  const before = await listPods(namespace);
  const result = await bed.kubectl("-n", namespace, "get", "pods", "-o", "wide");
  const after = await listPods(namespace);
  const end = Date.now();
  assert.equal(result.code, 0, result.stderr);
  const kubectl = new Map(kubectlRows(result.stdout).map((cells) => [cells[0] ?? "", cells]));
  const mismatches: string[] = [];
  for (const [name, cells] of kubectl) {
    const pod = before.get(name);
    if (!pod || pod.metadata.resourceVersion !== after.get(name)?.metadata.resourceVersion) continue;
    const found = differences(cells, productCells(pod, start), productCells(pod, end));
    if (found.length) mismatches.push(`${name}: ${found.join("; ")}`);
  }
  return { pods: before, kubectl, mismatches };
}

interface WatchEvent {
  type: string;
  object: Pod;
  receivedAt: number;
}

/** A watch on the namespace's pods from `resourceVersion`, over HTTPS like any client. */
function watchPods(namespace: string, resourceVersion: string) {
  const sandbox = bed.sandbox.sandbox;
  const events: WatchEvent[] = [];
  const req = request(
    `${sandbox.server}/api/v1/namespaces/${namespace}/pods?watch=1&resourceVersion=${resourceVersion}`,
    { ca: caOf(sandbox), headers: { Authorization: `Bearer ${sandbox.adminToken}` } },
  );
  req.on("response", (res) => {
    let buffer = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const event = JSON.parse(buffer.slice(0, end)) as { type: string; object: Pod };
        if (event.type !== "BOOKMARK") events.push({ ...event, receivedAt: Date.now() });
        buffer = buffer.slice(end + 1);
      }
    });
  });
  req.on("error", () => {});
  req.end();
  return { events, close: () => req.destroy() };
}

const SENTINEL = "watch-sentinel";

/** READY and STATUS of the Bookinfo pods kubectl listed. */
const bookinfoStates = (rows: Map<string, string[]>) =>
  new Set(
    [...rows.values()].filter((cells) => cells[0] !== SENTINEL).map((cells) => `${cells[1]} ${cells[2]}`),
  );

const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
const hasProxy = (p: Pod) => p.spec?.containers?.some((c) => c.name === "istio-proxy") ?? false;

/** Waits until `namespace` holds exactly six ready Bookinfo pods, with or without sidecars. */
function bookinfoSettles(namespace: string, sidecars: boolean): Promise<unknown> {
  return until(
    bed.sandbox.sandbox,
    () => {
      const pods = ([...bed.sandbox.sandbox.store.peek("pods", namespace)] as Pod[]).filter(
        (p) => p.metadata.labels?.app,
      );
      return (
        pods.length === 6 &&
        pods.every((p) => !p.metadata.deletionTimestamp && isReady(p) && hasProxy(p) === sidecars)
      );
    },
    60_000,
  );
}

describe("pod rows against the real kubectl", () => {
  test("every state the kubelet walks Bookinfo through: rollout, injection, restart, deletion", async () => {
    const ns = freshNamespace("rows");
    const ok = async (...args: string[]) => {
      const result = await bed.kubectl(...args);
      assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await ok("create", "namespace", ns);

    // Both watches start from an empty namespace, so each sees every event, in the same order.
    const listed = await api(bed.sandbox.sandbox, "GET", `/api/v1/namespaces/${ns}/pods`);
    const objects = watchPods(ns, listed.json().metadata.resourceVersion);
    const table = bed.kubectl.stream("-n", ns, "get", "pods", "-o", "wide", "--watch");
    const rows = () => kubectlRows(table.output());
    try {
      // Once kubectl printed this pod, it has listed and is watching: every later change reaches
      // both streams as an event. It sits on a node no kubelet runs, so it never changes.
      await ok(
        "-n",
        ns,
        "run",
        SENTINEL,
        "--image=busybox:1.36",
        `--overrides={"spec":{"nodeName":"${OTHER_NODE}"}}`,
      );
      const deadline = Date.now() + 10_000;
      while (!rows().some((cells) => cells[0] === SENTINEL) && Date.now() < deadline) await sleep(50);
      assert.ok(rows().length === 1, `kubectl --watch printed the first pod: ${table.output()}`);

      await ok("-n", ns, "apply", "-f", manifest("bookinfo.yaml"));
      await bookinfoSettles(ns, false);
      const plain = await compareAtRest(ns);
      assert.deepEqual(plain.mismatches, []);
      assert.deepEqual(bookinfoStates(plain.kubectl), new Set(["1/1 Running"]));

      // The tour's inject stage: label, then restart, so every pod comes back with a sidecar.
      await ok("label", "namespace", ns, "istio-injection=enabled");
      await ok("-n", ns, "rollout", "restart", "deployment");
      await bookinfoSettles(ns, true);
      const injected = await compareAtRest(ns);
      assert.deepEqual(injected.mismatches, []);
      assert.deepEqual(bookinfoStates(injected.kubectl), new Set(["2/2 Running"]));

      const [victim] = [...injected.pods.keys()].filter((name) => name.startsWith("productpage-"));
      await ok("-n", ns, "delete", "pod", victim!, "--wait=false");
      await until(bed.sandbox.sandbox, () => !bed.sandbox.sandbox.store.get("pods", ns, victim!), 30_000);
      await bookinfoSettles(ns, true);

      // kubectl prints one row per event: let the two streams agree on how many there were.
      const caughtUp = Date.now() + 10_000;
      let quiet = 0;
      while (quiet < 3 && Date.now() < caughtUp) {
        await sleep(100);
        quiet = rows().length === objects.events.length ? quiet + 1 : 0;
      }
    } finally {
      objects.close();
      await table.stop();
    }

    const printed = rows();
    assert.equal(printed.length, objects.events.length, "kubectl printed a row for every watch event");
    const mismatches: string[] = [];
    const seen = new Set<string>();
    const nth = new Map<string, number>();
    printed.forEach((cells) => {
      const name = cells[0] ?? "";
      const index = nth.get(name) ?? 0;
      nth.set(name, index + 1);
      const event = objects.events.filter((e) => e.object.metadata.name === name)[index];
      if (!event) {
        mismatches.push(`${name}: kubectl printed row ${index + 1}, the watch had no such event`);
        return;
      }
      if (name !== SENTINEL) seen.add(`${cells[1]} ${cells[2]}`);
      // The server formats a watch row as it sends the event, a moment before we read it.
      const product = productCells(event.object, event.receivedAt);
      const found = differences(cells, product, productCells(event.object, event.receivedAt - 1000));
      if (found.length) mismatches.push(`${name} (${event.type} #${index + 1}): ${found.join("; ")}`);
    });
    assert.deepEqual(mismatches, []);

    // The comparison is only as good as the states it met.
    for (const state of [
      "0/1 Pending",
      "0/1 ContainerCreating",
      "0/1 Running",
      "1/1 Running",
      "0/2 Pending",
      "0/2 Init:0/1",
      "0/2 PodInitializing",
      "0/2 Running",
      "1/2 Running",
      "2/2 Running",
      "1/1 Terminating",
      "2/2 Terminating",
      "0/1 Completed",
      "0/1 Error",
      "0/2 Completed",
    ]) {
      assert.ok(seen.has(state), `kubectl never printed "${state}"; it printed ${[...seen].join(", ")}`);
    }
  });

  test("states pinned through the status subresource print as the API server's printPod prints them", async () => {
    const ns = freshNamespace("pinned");
    const ok = async (...args: string[]) => {
      const result = await bed.kubectl(...args);
      assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await ok("create", "namespace", ns);

    const file = join(bed.sandbox.dir, `${ns}.yaml`);
    writeFileSync(file, PINNED.map((c) => dump(podManifest(c))).join("---\n"));
    await ok("-n", ns, "create", "-f", file);

    await Promise.all(
      PINNED.filter((c) => c.status).map(async (c) => {
        const response = await api(
          bed.sandbox.sandbox,
          "PATCH",
          `/api/v1/namespaces/${ns}/pods/${c.name}/status`,
          { body: JSON.stringify({ status: c.status }), contentType: "application/merge-patch+json" },
        );
        assert.equal(response.status, 200, `${c.name}: ${response.text}`);
      }),
    );
    const deleted = PINNED.filter((c) => c.deleted).map((c) => c.name);
    await ok("-n", ns, "delete", "pod", ...deleted, "--wait=false");
    await until(bed.sandbox.sandbox, () =>
      [...bed.sandbox.sandbox.store.peek("pods", ns)].some(
        (p) =>
          p.metadata.name === "scheduling-gated" &&
          (p as Pod).status?.conditions?.some((c) => c.reason === "SchedulingGated"),
      ),
    );

    const compared = await compareAtRest(ns);
    assert.deepEqual(compared.mismatches, [], "podRow reads each pinned pod as kubectl prints it");

    const wrong: string[] = [];
    for (const c of PINNED) {
      const cells = compared.kubectl.get(c.name);
      if (!cells) {
        wrong.push(`${c.name}: kubectl did not list it`);
        continue;
      }
      const [, ready, status, restarts, age, ip, node] = cells;
      const expectedRestarts = c.expect.restarts ?? "0";
      const restartsMatch =
        typeof expectedRestarts === "string"
          ? restarts === expectedRestarts
          : expectedRestarts.test(restarts ?? "");
      if (ready !== c.expect.ready || status !== c.expect.status || !restartsMatch) {
        wrong.push(
          `${c.name}: kubectl printed "${ready} ${status} ${restarts}", printPod gives "${c.expect.ready} ${c.expect.status} ${expectedRestarts}"`,
        );
      }
      if (!/^\d+s$/.test(age ?? "")) wrong.push(`${c.name}: AGE "${age}" for a pod made seconds ago`);
      if (node !== (c.nodeName === null ? "<none>" : OTHER_NODE)) wrong.push(`${c.name}: NODE "${node}"`);
      if (ip !== ((c.status?.podIP as string | undefined) ?? "<none>")) wrong.push(`${c.name}: IP "${ip}"`);
    }
    assert.deepEqual(wrong, []);
  });
});

// ---- Pinned states -------------------------------------------------------------------------

/** A node name the sandbox's kubelet does not own, so it leaves these pods' status alone. */
const OTHER_NODE = "pinned-node";

interface PinnedCase {
  name: string;
  initContainers?: Container[];
  containers?: Container[];
  /** null leaves the pod unscheduled. */
  nodeName?: null;
  schedulingGates?: { name: string }[];
  /** Merged into the status after creation; none keeps what the API server set. */
  status?: Record<string, unknown>;
  /** Deleted after the status is written (the pods stay: no kubelet finishes them). */
  deleted?: boolean;
  /** What printPod (pkg/printers/internalversion/printers.go) makes of it. */
  expect: { ready: string; status: string; restarts?: string | RegExp };
}

function podManifest(c: PinnedCase) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: c.name },
    spec: {
      ...(c.nodeName === null ? {} : { nodeName: OTHER_NODE }),
      ...(c.schedulingGates ? { schedulingGates: c.schedulingGates } : {}),
      ...(c.initContainers ? { initContainers: c.initContainers } : {}),
      containers: c.containers ?? [app],
    },
  };
}

// Whole seconds, as the API server writes timestamps.
const at = (secondsAgo: number) =>
  new Date(Math.floor(Date.now() / 1000) * 1000 - secondsAgo * 1000).toISOString().replace(".000Z", "Z");

const app: Container = { name: "app", image: "docker.io/istio/examples-bookinfo-details-v1:1.20.3" };
const helper: Container = { name: "helper", image: "busybox:1.36" };
const initA: Container = { name: "init-a", image: "busybox:1.36" };
const initB: Container = { name: "init-b", image: "busybox:1.36" };
const nativeProxy: Container = {
  name: "istio-proxy",
  image: "docker.io/istio/proxyv2:1.24.0",
  restartPolicy: "Always",
};
const istioInit: Container = { name: "istio-init", image: "docker.io/istio/proxyv2:1.24.0" };
const classicProxy: Container = { name: "istio-proxy", image: "docker.io/istio/proxyv2:1.24.0" };

interface StateOptions {
  ready?: boolean;
  started?: boolean;
  restarts?: number;
  /** When the last run ended, in seconds ago; null for a last state without finishedAt. */
  lastFinished?: number | null;
}

function status(name: string, state: ContainerStatus["state"], o: StateOptions = {}): ContainerStatus {
  const lastState =
    o.lastFinished === undefined
      ? {}
      : {
          terminated: {
            exitCode: 1,
            reason: "Error",
            ...(o.lastFinished === null
              ? {}
              : { finishedAt: at(o.lastFinished), startedAt: at(o.lastFinished + 5) }),
          },
        };
  return {
    name,
    ready: o.ready ?? false,
    restartCount: o.restarts ?? 0,
    image: "docker.io/library/busybox:1.36",
    imageID: "",
    state,
    lastState,
    ...(o.started !== undefined ? { started: o.started } : {}),
  } as ContainerStatus;
}
const running = (name: string, o: StateOptions = {}) =>
  status(name, { running: { startedAt: at(60) } }, { ready: true, started: true, ...o });
const waiting = (name: string, reason: string, o: StateOptions = {}) =>
  status(name, { waiting: { reason } }, o);
const terminated = (
  name: string,
  t: { exitCode: number; reason?: string; signal?: number },
  o: StateOptions = {},
) => status(name, { terminated: { ...t, startedAt: at(30), finishedAt: at(20) } }, o);
const done = (name: string) =>
  terminated(name, { exitCode: 0, reason: "Completed" }, { ready: true, started: false });

function conditions(c: { initialized: boolean; ready: boolean }): PodCondition[] {
  const condition = (type: string, value: boolean): PodCondition => ({
    type,
    status: value ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: at(60),
  });
  return [
    condition("PodReadyToStartContainers", true),
    condition("Initialized", c.initialized),
    condition("Ready", c.ready),
    condition("ContainersReady", c.ready),
    condition("PodScheduled", true),
  ];
}

const pending = (init: ContainerStatus[], apps: ContainerStatus[], initialized = false) => ({
  phase: "Pending",
  conditions: conditions({ initialized, ready: false }),
  ...(init.length ? { initContainerStatuses: init } : {}),
  containerStatuses: apps,
});
const runningPod = (init: ContainerStatus[], apps: ContainerStatus[], ready = true) => ({
  phase: "Running",
  podIP: "10.244.7.7",
  podIPs: [{ ip: "10.244.7.7" }],
  conditions: conditions({ initialized: true, ready }),
  ...(init.length ? { initContainerStatuses: init } : {}),
  containerStatuses: apps,
});
const finished = (
  phase: "Succeeded" | "Failed",
  apps: ContainerStatus[],
  extra: Record<string, unknown> = {},
) => ({
  phase,
  conditions: conditions({ initialized: true, ready: false }),
  containerStatuses: apps,
  ...extra,
});

const FORTY_FIVE_SECONDS_AGO = /^3 \((4[5-9]|5\d)s ago\)$/;
const THREE_HOURS = 3 * 3600 + 5 * 60 + 30;
const TWO_DAYS = 2 * 86_400 + 600;

const PINNED: PinnedCase[] = [
  // The API server sets phase Pending on create; nothing else has written a status yet.
  { name: "pending", expect: { ready: "0/1", status: "Pending" } },
  {
    name: "scheduling-gated",
    nodeName: null,
    schedulingGates: [{ name: "example.com/hold" }],
    expect: { ready: "0/1", status: "SchedulingGated" },
  },

  // Init containers.
  {
    name: "init-error",
    initContainers: [initA, initB],
    status: pending(
      [terminated("init-a", { exitCode: 1, reason: "Error" }), waiting("init-b", "PodInitializing")],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:Error" },
  },
  {
    name: "init-exit-code",
    initContainers: [initA, initB],
    status: pending(
      [terminated("init-a", { exitCode: 2 }), waiting("init-b", "PodInitializing")],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:ExitCode:2" },
  },
  {
    name: "init-signal",
    initContainers: [initA, initB],
    status: pending(
      [terminated("init-a", { exitCode: 137, signal: 9 }), waiting("init-b", "PodInitializing")],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:Signal:9" },
  },
  {
    name: "init-crash-loop",
    initContainers: [initA, initB],
    status: pending(
      [
        waiting("init-a", "CrashLoopBackOff", { restarts: 3, lastFinished: 45 }),
        waiting("init-b", "PodInitializing"),
      ],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:CrashLoopBackOff", restarts: FORTY_FIVE_SECONDS_AGO },
  },
  {
    name: "init-image-pull",
    initContainers: [initA, initB],
    status: pending(
      [waiting("init-a", "ImagePullBackOff"), waiting("init-b", "PodInitializing")],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:ImagePullBackOff" },
  },
  {
    name: "init-0-of-2",
    initContainers: [initA, initB],
    status: pending(
      [running("init-a", { ready: false }), waiting("init-b", "PodInitializing")],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:0/2" },
  },
  {
    name: "init-1-of-2",
    initContainers: [initA, initB],
    status: pending(
      [done("init-a"), running("init-b", { ready: false })],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/1", status: "Init:1/2" },
  },
  {
    name: "pod-initializing",
    initContainers: [initA, initB],
    status: pending([done("init-a"), done("init-b")], [waiting("app", "PodInitializing")], true),
    expect: { ready: "0/1", status: "PodInitializing" },
  },
  {
    // The kubelet already reports the pod Initialized, so the app's restarts are the ones shown.
    name: "initialized-past-a-failed-init",
    initContainers: [initA],
    status: runningPod(
      [terminated("init-a", { exitCode: 1, reason: "Error" }, { restarts: 2, lastFinished: TWO_DAYS })],
      [running("app", { restarts: 1, lastFinished: THREE_HOURS })],
    ),
    expect: { ready: "1/1", status: "Init:Error", restarts: "1 (3h5m ago)" },
  },
  {
    // printPod asks the first Initialized condition; a later one does not count.
    name: "first-initialized-condition-wins",
    initContainers: [initA],
    status: {
      ...runningPod(
        [terminated("init-a", { exitCode: 1, reason: "Error" }, { restarts: 2, lastFinished: TWO_DAYS })],
        [running("app")],
      ),
      conditions: [
        ...conditions({ initialized: false, ready: false }),
        { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: at(30) },
      ],
    },
    expect: { ready: "0/1", status: "Init:Error", restarts: "2 (2d ago)" },
  },

  // App containers.
  {
    name: "container-creating",
    status: pending([], [waiting("app", "ContainerCreating")]),
    expect: { ready: "0/1", status: "ContainerCreating" },
  },
  {
    name: "err-image-pull",
    status: pending([], [waiting("app", "ErrImagePull")]),
    expect: { ready: "0/1", status: "ErrImagePull" },
  },
  {
    name: "image-pull-backoff",
    status: pending([], [waiting("app", "ImagePullBackOff")]),
    expect: { ready: "0/1", status: "ImagePullBackOff" },
  },
  {
    name: "create-config-error",
    status: pending([], [waiting("app", "CreateContainerConfigError")]),
    expect: { ready: "0/1", status: "CreateContainerConfigError" },
  },
  {
    name: "crash-loop",
    status: runningPod([], [waiting("app", "CrashLoopBackOff", { restarts: 3, lastFinished: 45 })], false),
    expect: { ready: "0/1", status: "CrashLoopBackOff", restarts: FORTY_FIVE_SECONDS_AGO },
  },
  {
    name: "restarted-without-finish-time",
    status: runningPod([], [running("app", { restarts: 4, lastFinished: null })]),
    expect: { ready: "1/1", status: "Running", restarts: "4" },
  },
  {
    // The first container's state is the one shown; the restarts of all add up.
    name: "first-container-wins",
    containers: [app, helper],
    status: runningPod(
      [],
      [
        waiting("app", "ErrImagePull"),
        waiting("helper", "CrashLoopBackOff", { restarts: 1, lastFinished: THREE_HOURS }),
      ],
      false,
    ),
    expect: { ready: "0/2", status: "ErrImagePull", restarts: "1 (3h5m ago)" },
  },
  {
    name: "completed",
    status: finished("Succeeded", [terminated("app", { exitCode: 0, reason: "Completed" })]),
    expect: { ready: "0/1", status: "Completed" },
  },
  {
    name: "error",
    status: finished("Failed", [terminated("app", { exitCode: 1, reason: "Error" })]),
    expect: { ready: "0/1", status: "Error" },
  },
  {
    name: "exit-code",
    status: finished("Failed", [terminated("app", { exitCode: 3 })]),
    expect: { ready: "0/1", status: "ExitCode:3" },
  },
  {
    name: "signal",
    status: finished("Failed", [terminated("app", { exitCode: 137, signal: 9 })]),
    expect: { ready: "0/1", status: "Signal:9" },
  },
  {
    name: "not-ready",
    containers: [app, helper],
    status: runningPod(
      [],
      [terminated("app", { exitCode: 0, reason: "Completed" }), running("helper")],
      false,
    ),
    expect: { ready: "1/2", status: "NotReady" },
  },
  {
    name: "completed-next-to-running",
    containers: [app, helper],
    status: runningPod(
      [],
      [terminated("app", { exitCode: 0, reason: "Completed" }), running("helper")],
      true,
    ),
    expect: { ready: "1/2", status: "Running" },
  },
  {
    name: "evicted",
    status: {
      phase: "Failed",
      reason: "Evicted",
      message: "The node was low on resource: memory.",
      conditions: [],
    },
    expect: { ready: "0/1", status: "Evicted" },
  },
  {
    // Once the kubelet reports the killed container, its reason is what shows.
    name: "evicted-container-reported",
    status: finished("Failed", [terminated("app", { exitCode: 137, reason: "ContainerStatusUnknown" })], {
      reason: "Evicted",
      message: "The node was low on resource: memory.",
    }),
    expect: { ready: "0/1", status: "ContainerStatusUnknown" },
  },
  {
    name: "phase-unknown",
    status: { phase: "Unknown", conditions: [] },
    expect: { ready: "0/1", status: "Unknown" },
  },
  {
    name: "legacy-pod-ip",
    status: { ...runningPod([], [running("app")]), podIPs: undefined },
    expect: { ready: "1/1", status: "Running" },
  },

  // Deletion.
  {
    name: "terminating",
    status: runningPod([], [running("app")]),
    deleted: true,
    expect: { ready: "1/1", status: "Terminating" },
  },
  {
    name: "unknown",
    status: {
      ...runningPod([], [running("app")]),
      reason: "NodeLost",
      message: `Node ${OTHER_NODE} which was running pod unknown is unresponsive`,
    },
    deleted: true,
    expect: { ready: "1/1", status: "Unknown" },
  },
  {
    name: "deleted-after-success",
    status: finished("Succeeded", [terminated("app", { exitCode: 0, reason: "Completed" })]),
    deleted: true,
    expect: { ready: "0/1", status: "Completed" },
  },

  // Native sidecars (restartable init containers) count in READY once started.
  {
    name: "sidecar-ready",
    initContainers: [nativeProxy],
    status: runningPod([running("istio-proxy")], [running("app")]),
    expect: { ready: "2/2", status: "Running" },
  },
  {
    name: "sidecar-started-not-ready",
    initContainers: [nativeProxy],
    status: runningPod([running("istio-proxy", { ready: false })], [running("app")], false),
    expect: { ready: "1/2", status: "Running" },
  },
  {
    name: "sidecar-not-started",
    initContainers: [nativeProxy],
    status: pending(
      [running("istio-proxy", { ready: false, started: false })],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "0/2", status: "Init:0/1" },
  },
  {
    name: "sidecar-then-init",
    initContainers: [nativeProxy, initB],
    status: pending(
      [running("istio-proxy", { restarts: 1, lastFinished: TWO_DAYS }), running("init-b", { ready: false })],
      [waiting("app", "PodInitializing")],
    ),
    expect: { ready: "1/2", status: "Init:1/2", restarts: "1 (2d ago)" },
  },
  {
    // Once initialized, a sidecar's restarts add to the app's, with the latest of either.
    name: "sidecar-restarts",
    initContainers: [nativeProxy],
    status: runningPod(
      [running("istio-proxy", { restarts: 2, lastFinished: TWO_DAYS })],
      [running("app", { restarts: 1, lastFinished: 45 })],
    ),
    expect: { ready: "2/2", status: "Running", restarts: FORTY_FIVE_SECONDS_AGO },
  },

  // The classic sidecar: istio-init, then istio-proxy next to the app.
  {
    name: "classic-sidecar",
    initContainers: [istioInit],
    containers: [app, classicProxy],
    status: runningPod([done("istio-init")], [running("app"), running("istio-proxy")]),
    expect: { ready: "2/2", status: "Running" },
  },
  {
    name: "classic-sidecar-not-ready",
    initContainers: [istioInit],
    containers: [app, classicProxy],
    status: runningPod(
      [done("istio-init")],
      [running("app"), running("istio-proxy", { ready: false })],
      false,
    ),
    expect: { ready: "1/2", status: "Running" },
  },
];
