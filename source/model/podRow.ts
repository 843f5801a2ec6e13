// A pod as one row of `kubectl get pods`. READY, STATUS and RESTARTS follow the API server's
// pod printer (kubectl 1.32 era) rule for rule, because the tour promises that what it shows is
// exactly what the person would see with kubectl, including the odd cases (Init:1/2,
// NotReady, "Unknown" for pods on a lost node).

import { age, parseKubeTime } from "./age.ts";
import type { Container, ContainerStatus, Pod, PodCondition } from "./kube.ts";

export interface PodRow {
  name: string;
  /** READY as kubectl prints it, e.g. "2/2". */
  ready: string;
  /** STATUS as kubectl prints it, e.g. "Running", "Init:0/1", "CrashLoopBackOff". */
  status: string;
  /** The number RESTARTS starts with. */
  restarts: number;
  /** RESTARTS as kubectl prints it: "0" or "3 (45s ago)". */
  restartsText: string;
  age: string;
  /** "<none>" until the pod has an address, as in `kubectl get pods -o wide`. */
  ip: string;
  /** "<none>" until the pod is scheduled. */
  node: string;
  /** Whether the pod carries an Istio sidecar (classic or native). */
  sidecar: boolean;
}

const NONE = "<none>";
const ISTIO_PROXY = "istio-proxy";
// The node lifecycle controller sets this pod reason when the pod's node stops reporting.
const NODE_LOST = "NodeLost";

export function podRow(pod: Pod, now: number): PodRow {
  const summary = summarize(pod);
  return {
    name: pod.metadata.name ?? "",
    ready: `${summary.ready}/${summary.total}`,
    status: summary.status,
    restarts: summary.restarts,
    restartsText:
      summary.restarts !== 0 && summary.lastRestart
        ? `${summary.restarts} (${age(summary.lastRestart.stamp, now)} ago)`
        : String(summary.restarts),
    age: age(pod.metadata.creationTimestamp, now),
    ip: podIP(pod) || NONE,
    node: pod.spec?.nodeName || NONE,
    sidecar: hasIstioSidecar(pod),
  };
}

interface Moment {
  ms: number;
  stamp: string;
}

interface Summary {
  ready: number;
  total: number;
  status: string;
  restarts: number;
  lastRestart: Moment | undefined;
}

function summarize(pod: Pod): Summary {
  const status = pod.status ?? {};
  const initContainers = pod.spec?.initContainers ?? [];
  const initSpecs = new Map(initContainers.map((c) => [c.name, c]));
  const conditions = status.conditions ?? [];

  // Native sidecars (restartable init containers) run alongside the app, so they count in READY.
  const total = (pod.spec?.containers?.length ?? 0) + initContainers.filter(isRestartable).length;
  let ready = 0;
  let reason = status.reason || status.phase || "";
  if (conditions.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  let restarts = 0;
  let lastRestart: Moment | undefined;
  let sidecarRestarts = 0;
  let sidecarLastRestart: Moment | undefined;
  let initializing = false;

  const initStatuses = status.initContainerStatuses ?? [];
  for (const [index, container] of initStatuses.entries()) {
    const restartable = isRestartable(initSpecs.get(container.name));
    restarts += container.restartCount ?? 0;
    lastRestart = later(lastRestart, container);
    if (restartable) {
      sidecarRestarts += container.restartCount ?? 0;
      sidecarLastRestart = later(sidecarLastRestart, container);
    }

    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && container.started === true) {
      if (container.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = `Init:${terminatedReason(terminated)}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${index}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  // While an init container is still in the way, only init restarts are shown; kubectl also
  // looks past it when the kubelet already reports the pod Initialized.
  if (!initializing || conditionIsTrue(conditions, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    // Walked from the last container to the first, so the first container's state wins.
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i]!;
      restarts += container.restartCount ?? 0;
      lastRestart = later(lastRestart, container);
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminatedReason(terminated);
      } else if (container.ready && container.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A finished container next to running ones does not make the whole pod "Completed".
    if (reason === "Completed" && hasRunning) {
      const podReady = conditions.some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletionTimestamp) {
    if (status.reason === NODE_LOST) reason = "Unknown";
    else if (status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  }

  return { ready, total, status: reason, restarts, lastRestart };
}

function terminatedReason(terminated: { reason?: string; signal?: number; exitCode?: number }): string {
  if (terminated.reason) return terminated.reason;
  if (terminated.signal) return `Signal:${terminated.signal}`;
  return `ExitCode:${terminated.exitCode ?? 0}`;
}

function later(current: Moment | undefined, container: ContainerStatus): Moment | undefined {
  const stamp = container.lastState?.terminated?.finishedAt;
  const ms = parseKubeTime(stamp);
  if (ms === undefined || stamp === undefined) return current;
  return current === undefined || current.ms < ms ? { ms, stamp } : current;
}

function isRestartable(container: Container | undefined): boolean {
  return container?.restartPolicy === "Always";
}

function conditionIsTrue(conditions: PodCondition[], type: string): boolean {
  // The first condition of a type decides, as in the Go helpers.
  return conditions.find((c) => c.type === type)?.status === "True";
}

function podIP(pod: Pod): string | undefined {
  // The API server's internal form fills podIPs from the legacy podIP field.
  return pod.status?.podIPs?.[0]?.ip || pod.status?.podIP;
}

function hasIstioSidecar(pod: Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  return (
    spec.containers?.some((c) => c.name === ISTIO_PROXY) ||
    (spec.initContainers ?? []).some((c) => c.name === ISTIO_PROXY && isRestartable(c))
  );
}
