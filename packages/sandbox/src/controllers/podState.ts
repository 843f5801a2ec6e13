import type { KubeObject, OwnerReference, Pod, PodCondition } from "../kube.ts";

export const controllerRef = (object: KubeObject): OwnerReference | undefined =>
  object.metadata.ownerReferences?.find((ref) => ref.controller);

export const isOwnedBy = (object: KubeObject, owner: KubeObject): boolean =>
  controllerRef(object)?.uid === owner.metadata.uid;

export const podCondition = (pod: Pod, type: string): PodCondition | undefined =>
  pod.status?.conditions?.find((c) => c.type === type);

export const isPodReady = (pod: Pod): boolean => podCondition(pod, "Ready")?.status === "True";

export const isTerminal = (pod: Pod): boolean =>
  pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";

/** Counted by ReplicaSets and Deployments: neither finished nor on its way out. */
export const isPodActive = (pod: Pod): boolean => !pod.metadata.deletionTimestamp && !isTerminal(pod);

/**
 * Available as the ReplicaSet controller means it: Ready for at least minReadySeconds.
 * Returns the seconds still to wait when the pod is Ready but not yet long enough.
 */
export function availability(
  pod: Pod,
  minReadySeconds: number,
  now: Date,
): { available: boolean; wait?: number } {
  const ready = podCondition(pod, "Ready");
  if (ready?.status !== "True") return { available: false };
  if (minReadySeconds <= 0) return { available: true };
  const since = Date.parse(ready.lastTransitionTime ?? "");
  if (Number.isNaN(since)) return { available: true };
  const left = minReadySeconds - (now.getTime() - since) / 1000;
  return left <= 0 ? { available: true } : { available: false, wait: left };
}
