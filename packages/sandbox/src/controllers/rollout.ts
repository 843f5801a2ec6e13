import type { KubeObject, ObjectMeta, PodSpec } from "../kube.ts";
import type { LabelSelector } from "./labelSelector.ts";
import { canonicalJson } from "./templateHash.ts";

// The arithmetic of Kubernetes' deployment controller (pkg/controller/deployment), kept pure so
// rollouts can be reasoned about and tested without a store.

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    strategy?: {
      type?: string;
      rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
    };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
  };
  status?: DeploymentStatus;
}

export interface ReplicaSet extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    replicas?: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
  };
}

export const HASH_LABEL = "pod-template-hash";
export const REVISION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

export const desiredReplicas = (d: Deployment): number => d.spec?.replicas ?? 1;
export const specReplicas = (rs: ReplicaSet): number => rs.spec?.replicas ?? 0;
const sum = (sets: ReplicaSet[], pick: (rs: ReplicaSet) => number | undefined) =>
  sets.reduce((total, rs) => total + (pick(rs) ?? 0), 0);

export const revisionOf = (rs: ReplicaSet): number => Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;

const isRolling = (d: Deployment) => (d.spec?.strategy?.type ?? "RollingUpdate") === "RollingUpdate";

function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const percent = /^(\d+)%$/.exec(value ?? "");
  if (!percent) return Number(value) || 0;
  const exact = (Number(percent[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge rounds up, maxUnavailable down; both zero would deadlock, so unavailable becomes 1. */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  if (!isRolling(d)) return { surge: 0, unavailable: 0 };
  const rolling = d.spec?.strategy?.rollingUpdate;
  const total = desiredReplicas(d);
  const surge = scaledValue(rolling?.maxSurge ?? "25%", total, true);
  let unavailable = scaledValue(rolling?.maxUnavailable ?? "25%", total, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRolling(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

export const maxSurge = (d: Deployment): number => fenceposts(d).surge;

/** How many replicas the new ReplicaSet may have now without exceeding replicas + maxSurge. */
export function newReplicaSetReplicas(
  d: Deployment,
  all: ReplicaSet[],
  newRS: ReplicaSet | undefined,
): number {
  const desired = desiredReplicas(d);
  if (!isRolling(d)) return desired;
  const current = newRS ? specReplicas(newRS) : 0;
  const total = sum(all, (rs) => rs.spec?.replicas);
  const ceiling = desired + maxSurge(d);
  if (total >= ceiling) return current;
  return current + Math.min(ceiling - total, Math.max(0, desired - current));
}

/** The template a ReplicaSet was made from equals the deployment's, ignoring the hash label. */
export function sameTemplate(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  const strip = (t: PodTemplate | undefined) => {
    const copy = structuredClone(t ?? {});
    const labels = copy.metadata?.labels;
    if (labels) delete labels[HASH_LABEL];
    return canonicalJson(copy);
  };
  return strip(a) === strip(b);
}

export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = status.conditions?.find((c) => c.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export const condition = (type: string, status: string, reason: string, message: string, now: string) => ({
  type,
  status,
  lastUpdateTime: now,
  lastTransitionTime: now,
  reason,
  message,
});

export function isComplete(d: Deployment, status: DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

function madeProgress(before: DeploymentStatus, after: DeploymentStatus): boolean {
  const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
  const oldAfter = (after.replicas ?? 0) - (after.updatedReplicas ?? 0);
  return (
    (after.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
    oldAfter < oldBefore ||
    (after.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
    (after.availableReplicas ?? 0) > (before.availableReplicas ?? 0)
  );
}

/** Drops zero counts: the API omits them (omitempty), and `kubectl get -o yaml` shows that. */
function compact(status: DeploymentStatus): DeploymentStatus {
  const out: DeploymentStatus = {};
  for (const [key, value] of Object.entries(status) as [keyof DeploymentStatus, unknown][]) {
    if (value !== 0 && value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * The status `kubectl rollout status` reads: counts from the ReplicaSets, Available from
 * minimum availability, Progressing from what changed since `current` (the status as last
 * written, with any condition this sync has already recorded).
 */
export function deploymentStatus(
  d: Deployment,
  current: DeploymentStatus,
  all: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  now: string,
): DeploymentStatus {
  const available = sum(all, (rs) => rs.status?.availableReplicas);
  const next: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sum(all, (rs) => rs.status?.replicas),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sum(all, (rs) => rs.spec?.replicas) - available),
    conditions: structuredClone(current.conditions ?? []),
    collisionCount: current.collisionCount,
  };
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(
      next,
      condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now),
    );
  } else {
    setCondition(
      next,
      condition(
        "Available",
        "False",
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        now,
      ),
    );
  }

  const progressing = current.conditions?.find((c) => c.type === "Progressing");
  const finished = next.replicas === next.updatedReplicas && progressing?.reason === "NewReplicaSetAvailable";
  if (d.spec?.progressDeadlineSeconds !== undefined && !finished) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (isComplete(d, next)) {
      setCondition(
        next,
        condition(
          "Progressing",
          "True",
          "NewReplicaSetAvailable",
          `${subject} has successfully progressed.`,
          now,
        ),
      );
    } else if (madeProgress(current, next)) {
      const updated = condition(
        "Progressing",
        "True",
        "ReplicaSetUpdated",
        `${subject} is progressing.`,
        now,
      );
      // Unlike other conditions, Progressing refreshes lastUpdateTime on every bit of progress.
      if (progressing?.status === "True") updated.lastTransitionTime = progressing.lastTransitionTime ?? now;
      next.conditions = [...(next.conditions ?? []).filter((c) => c.type !== "Progressing"), updated];
    }
  }
  return compact(next);
}
