import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from "../kube.ts";
import { imageID, normalizeImage } from "./images.ts";

export const HOST_IP = "127.0.0.1";

/** What the simulated container runtime knows about one container of a pod. */
export interface ContainerRun {
  spec: Container;
  state: "waiting" | "running" | "terminated";
  containerID?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  ready: boolean;
  started: boolean;
  /** Wall-clock ms at which a running container passes its readiness check. */
  readyAt?: number;
}

/** One pod as the kubelet is running it; the pod's status is rendered from this alone. */
export interface PodRun {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  startTime: string;
  hostNetwork: boolean;
  sandboxReady: boolean;
  podIP?: string;
  init: ContainerRun[];
  app: ContainerRun[];
  stopping: boolean;
  stopped: boolean;
  announcedReady: boolean;
  cancel?: () => void;
  /** The last status written, for announcing a pod that was removed under us. */
  lastPod?: Pod;
}

const KUBELET_CONDITIONS = new Set([
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
]);

export function newRun(pod: Pod, key: string, startTime: string): PodRun {
  const containerRun = (spec: Container): ContainerRun => ({
    spec,
    state: "waiting",
    ready: false,
    started: false,
  });
  return {
    key,
    uid: pod.metadata.uid ?? "",
    namespace: pod.metadata.namespace ?? "",
    name: pod.metadata.name ?? "",
    startTime,
    hostNetwork: pod.spec?.hostNetwork === true,
    sandboxReady: false,
    init: (pod.spec?.initContainers ?? []).map(containerRun),
    app: (pod.spec?.containers ?? []).map(containerRun),
    stopping: false,
    stopped: false,
    announcedReady: false,
  };
}

/** Pending until every app container runs; once killed, Succeeded only if all exited 0. */
export function phaseOf(run: PodRun): string {
  if (run.stopped) return run.app.every((c) => c.exitCode === 0) ? "Succeeded" : "Failed";
  const initialized = run.init.every((c) => c.state === "terminated" && c.exitCode === 0);
  return initialized && run.app.length > 0 && run.app.every((c) => c.state === "running")
    ? "Running"
    : "Pending";
}

function containerStatus(c: ContainerRun, defaultWaiting: string): ContainerStatus {
  const created = c.containerID !== undefined;
  const status: ContainerStatus = {
    name: c.spec.name,
    state: {},
    lastState: {},
    ready: c.ready,
    restartCount: 0,
    image: created ? normalizeImage(c.spec.image ?? "") : (c.spec.image ?? ""),
    imageID: created ? imageID(c.spec.image ?? "") : "",
    ...(created ? { containerID: c.containerID } : {}),
    started: c.started,
  };
  if (c.state === "waiting") status.state = { waiting: { reason: c.reason ?? defaultWaiting } };
  else if (c.state === "running") status.state = { running: { startedAt: c.startedAt } };
  else {
    status.state = {
      terminated: {
        exitCode: c.exitCode ?? 0,
        reason: c.reason,
        ...(c.message ? { message: c.message } : {}),
        ...(c.startedAt ? { startedAt: c.startedAt } : {}),
        ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
        ...(c.containerID ? { containerID: c.containerID } : {}),
      },
    };
  }
  return status;
}

function conditions(pod: Pod, run: PodRun, phase: string, now: string): PodCondition[] {
  const previous = pod.status?.conditions ?? [];
  const make = (type: string, status: boolean, reason?: string, message?: string): PodCondition => {
    const value = status ? "True" : "False";
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status: value,
      lastProbeTime: null,
      lastTransitionTime: before?.status === value ? (before.lastTransitionTime ?? now) : now,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const list = (names: string[]) => `[${names.join(" ")}]`;

  const incomplete = run.init
    .filter((c) => !(c.state === "terminated" && c.exitCode === 0))
    .map((c) => c.spec.name);
  let initialized: PodCondition;
  if (!run.init.length) initialized = make("Initialized", true);
  else if (phase === "Succeeded") initialized = make("Initialized", true, "PodCompleted");
  else if (incomplete.length) {
    initialized = make(
      "Initialized",
      false,
      "ContainersNotInitialized",
      `containers with incomplete status: ${list(incomplete)}`,
    );
  } else initialized = make("Initialized", true);

  const unready = run.app.filter((c) => !c.ready).map((c) => c.spec.name);
  const readiness = (type: string) => {
    if (phase === "Succeeded") return make(type, false, "PodCompleted");
    if (unready.length)
      return make(type, false, "ContainersNotReady", `containers with unready status: ${list(unready)}`);
    return make(type, true);
  };

  const scheduled = previous.find((c) => c.type === "PodScheduled") ?? make("PodScheduled", true);
  return [
    ...previous.filter((c) => !KUBELET_CONDITIONS.has(c.type)),
    make("PodReadyToStartContainers", run.sandboxReady),
    initialized,
    readiness("Ready"),
    readiness("ContainersReady"),
    scheduled,
  ];
}

type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/**
 * The pod's QoS class as the kubelet reports it (after admission, so an injected sidecar's
 * requests make a pod Burstable even though the app asked for nothing).
 */
export function qosClass(pod: Pod): string {
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const { requests = {}, limits = {} } = (c.resources ?? {}) as Resources;
    for (const name of ["cpu", "memory"]) {
      if (requests[name] !== undefined || limits[name] !== undefined) any = true;
      const request = requests[name] ?? limits[name];
      if (limits[name] === undefined || String(request) !== String(limits[name])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The status a kubelet would report for `pod` given what its runtime is doing (`run`). */
export function renderStatus(pod: Pod, run: PodRun, now: string): PodStatus {
  const phase = phaseOf(run);
  const { qosClass: _qos, ...rest } = pod.status ?? {};
  const kept: Record<string, unknown> = {};
  // Fields other writers own (nominatedNodeName, resize, ...) pass through untouched.
  for (const [field, value] of Object.entries(rest)) {
    if (!OWNED_FIELDS.has(field)) kept[field] = value;
  }
  const waitingReason = run.init.length ? "PodInitializing" : "ContainerCreating";
  return {
    phase,
    conditions: conditions(pod, run, phase, now),
    ...kept,
    hostIP: HOST_IP,
    hostIPs: [{ ip: HOST_IP }],
    ...(run.podIP ? { podIP: run.podIP, podIPs: [{ ip: run.podIP }] } : {}),
    startTime: run.startTime,
    ...(run.init.length
      ? { initContainerStatuses: run.init.map((c) => containerStatus(c, "PodInitializing")) }
      : {}),
    containerStatuses: run.app.map((c) => containerStatus(c, waitingReason)),
    qosClass: qosClass(pod),
  };
}

const OWNED_FIELDS = new Set([
  "phase",
  "conditions",
  "hostIP",
  "hostIPs",
  "podIP",
  "podIPs",
  "startTime",
  "initContainerStatuses",
  "containerStatuses",
  "reason",
  "message",
]);
