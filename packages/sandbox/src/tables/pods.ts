// `kubectl get pods` as the API server prints it (pkg/printers/internalversion printPod): READY
// counts app containers plus sidecars (restartable init containers), STATUS is the phase unless
// an init container, a container or deletion says more, RESTARTS adds "(45s ago)" for the
// latest restart. Written against the server's rules, not against any client's idea of them.

import { age, parseKubeTime } from "../age.ts";
import type { Container, ContainerStatus, Pod } from "../kube.ts";
import {
  type ColumnDefinition,
  column,
  type KindPrinter,
  nameColumn,
  type TableRowCondition,
  WIDE,
} from "./table.ts";

const NONE = "<none>";
// node.NodeUnreachablePodReason: set on pods of a node that stopped reporting.
const NODE_LOST = "NodeLost";

export const podColumns: ColumnDefinition[] = [
  nameColumn,
  column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
  column("Status", "The aggregate status of the containers in this pod."),
  column(
    "Restarts",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  column(
    "Age",
    "CreationTimestamp is a timestamp representing the server time when this object was created.",
  ),
  column("IP", "podIP address allocated to the pod. Routable at least within the cluster.", WIDE),
  column("Node", "NodeName indicates in which node this pod is scheduled.", WIDE),
  column(
    "Nominated Node",
    "nominatedNodeName is set only when this pod preempts other pods on the node.",
    WIDE,
  ),
  column("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness.", WIDE),
];

// The server marks finished pods on the row itself; clients such as `kubectl get -w` can use it.
const succeeded: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const failed: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

export const podPrinter: KindPrinter = {
  columns: podColumns,
  cells: (object, now) => podCells(object as Pod, now),
  conditions(object) {
    const phase = (object as Pod).status?.phase;
    if (phase === "Succeeded") return succeeded;
    if (phase === "Failed") return failed;
    return undefined;
  },
};

/** One restart tally: how many, and when the latest ended (epoch ms, 0 for never). */
interface Restarts {
  count: number;
  latest: number;
}

export function podCells(pod: Pod, now: number): string[] {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const initSpecs = new Map<string, Container>((spec.initContainers ?? []).map((c) => [c.name, c]));
  const sidecar = (name: string) => initSpecs.get(name)?.restartPolicy === "Always";

  let total = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === "Always") total++;
  let ready = 0;
  let reason = status.reason || status.phase || "";
  if (status.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated"))
    reason = "SchedulingGated";

  const all: Restarts = { count: 0, latest: 0 };
  const sidecars: Restarts = { count: 0, latest: 0 };
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [index, c] of initStatuses.entries()) {
    tally(all, c);
    if (sidecar(c.name)) tally(sidecars, c);
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar(c.name) && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${index}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  let restarts = all;
  // The first Initialized condition decides (isPodInitializedConditionTrue), even if a later one says True.
  const initialized = status.conditions?.find((c) => c.type === "Initialized")?.status === "True";
  if (!initializing || initialized) {
    restarts = { ...sidecars };
    let running = false;
    const statuses = status.containerStatuses ?? [];
    // Backwards, so the first container's state is the one that shows.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      tally(restarts, c);
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated)
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        running = true;
        ready++;
      }
    }
    if (reason === "Completed" && running) {
      reason = status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
        ? "Running"
        : "NotReady";
    }
  }

  const terminal = status.phase === "Succeeded" || status.phase === "Failed";
  if (pod.metadata.deletionTimestamp && status.reason === NODE_LOST) reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && !terminal) reason = "Terminating";

  const restartsCell =
    restarts.count !== 0 && restarts.latest > 0
      ? `${restarts.count} (${age(new Date(restarts.latest).toISOString(), now)} ago)`
      : String(restarts.count);

  return [
    pod.metadata.name ?? "",
    `${ready}/${total}`,
    reason,
    restartsCell,
    age(pod.metadata.creationTimestamp, now),
    // The server converts a v1 status with only podIP into podIPs before printing.
    status.podIPs?.[0]?.ip || status.podIP || NONE,
    spec.nodeName || NONE,
    status.nominatedNodeName || NONE,
    readinessGates(pod),
  ];
}

function tally(into: Restarts, c: ContainerStatus): void {
  into.count += c.restartCount ?? 0;
  const finished = parseKubeTime(c.lastState?.terminated?.finishedAt);
  if (finished !== undefined && finished > into.latest) into.latest = finished;
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return NONE;
  const conditions = pod.status?.conditions ?? [];
  const met = gates.filter(
    (g) => conditions.find((c) => c.type === g.conditionType)?.status === "True",
  ).length;
  return `${met}/${gates.length}`;
}
