import type { KubeObject, OwnerReference, Pod } from "../kube.ts";
import { CONTROLLER_MANAGER, KEY, objectKey, PODS, REPLICA_SETS, splitKey } from "./kinds.ts";
import { selectorMatches } from "./labelSelector.ts";
import { availability, controllerRef, isPodActive, isPodReady } from "./podState.ts";
import type { ReplicaSet } from "./rollout.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

// A ReplicaSet controller creates at most this many pods per pass, as Kubernetes' slow-start
// batches do; the pods' own events bring it back for the rest.
const BURST = 500;

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders pods the way the ReplicaSet controller picks victims when scaling down: unscheduled
 * before scheduled, pending before running, not ready before ready, newest first.
 */
export function deletionOrder(a: Pod, b: Pod): number {
  const scheduled = Number(Boolean(a.spec?.nodeName)) - Number(Boolean(b.spec?.nodeName));
  if (scheduled) return scheduled;
  const phase =
    (PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0) - (PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0);
  if (phase) return phase;
  const ready = Number(isPodReady(a)) - Number(isPodReady(b));
  if (ready) return ready;
  return (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "");
}

/** ReplicaSet -> pods: keeps spec.replicas active pods from the template and reports how they are. */
export function startReplicaSetController(rt: Runtime): void {
  const queue = rt.queue("replicaset", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.replicaSets) queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.pods) {
      const owner = controllerRef(event.object) ?? (event.previous && controllerRef(event.previous));
      if (owner?.kind === "ReplicaSet") queue.add(objectKey(metadata.namespace, owner.name));
      else if (!owner && event.type !== "DELETED") {
        for (const rs of store.peek(KEY.replicaSets, metadata.namespace)) {
          queue.add(objectKey(rs.metadata.namespace, rs.metadata.name));
        }
      }
    }
  });
  for (const rs of store.peek(KEY.replicaSets)) queue.add(objectKey(rs.metadata.namespace, rs.metadata.name));

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = store.get(KEY.replicaSets, namespace, name) as ReplicaSet | undefined;
    if (!rs) return;
    if (!rs.metadata.deletionTimestamp) {
      const active = podsOf(rs).filter(isPodActive);
      const diff = active.length - (rs.spec?.replicas ?? 0);
      if (diff < 0) {
        for (let i = 0; i < Math.min(-diff, BURST); i++) {
          const pod = objects.create(PODS, namespace, podFromTemplate(rs), CONTROLLER_MANAGER);
          recorded(rs, "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        }
      } else if (diff > 0) {
        for (const pod of active.sort(deletionOrder).slice(0, diff)) {
          objects.delete(PODS, namespace, pod.metadata.name ?? "", {
            preconditions: { uid: pod.metadata.uid },
          });
          recorded(rs, "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        }
      }
    }
    writeStatus(rs, podsOf(rs).filter(isPodActive));
  }

  function recorded(rs: ReplicaSet, reason: string, message: string): void {
    rt.events.record(
      { ...rs, apiVersion: "apps/v1", kind: "ReplicaSet" },
      { type: "Normal", reason, message },
      { component: "replicaset-controller" },
    );
  }

  /** The pods this ReplicaSet controls, adopting orphans its selector matches. */
  function podsOf(rs: ReplicaSet): Pod[] {
    const pods: Pod[] = [];
    for (const pod of store.peek(KEY.pods, rs.metadata.namespace) as Iterable<Pod>) {
      const ref = controllerRef(pod);
      if (ref?.uid === rs.metadata.uid) pods.push(pod);
      else if (
        !ref &&
        !rs.metadata.deletionTimestamp &&
        isPodActive(pod) &&
        selectorMatches(rs.spec?.selector, pod.metadata.labels)
      ) {
        const adopted = structuredClone(pod);
        adopted.metadata.ownerReferences = [...(pod.metadata.ownerReferences ?? []), ownerRef(rs)];
        pods.push(
          objects.update(PODS, pod.metadata.namespace, pod.metadata.name ?? "", adopted, CONTROLLER_MANAGER),
        );
      }
    }
    return pods;
  }

  function writeStatus(rs: ReplicaSet, active: Pod[]): void {
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const now = rt.now();
    let available = 0;
    let soonest: number | undefined;
    for (const pod of active) {
      const { available: yes, wait } = availability(pod, minReady, now);
      if (yes) available++;
      else if (wait !== undefined) soonest = Math.min(soonest ?? wait, wait);
    }
    // minReadySeconds is wall-clock time from the API's point of view, hence unscaled.
    if (soonest !== undefined)
      queue.addAfter(objectKey(rs.metadata.namespace, rs.metadata.name), soonest * rt.speed);

    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    const status: Record<string, number> = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) =>
        selectorMatches({ matchLabels: templateLabels }, p.metadata.labels),
      ).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    // Zero counts are omitted by the API, except replicas which is a required field.
    for (const field of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]) {
      if (status[field] === 0) delete status[field];
    }
    if (canonicalJson(status) === canonicalJson(rs.status ?? {})) return;
    objects.update(
      REPLICA_SETS,
      rs.metadata.namespace,
      rs.metadata.name ?? "",
      { ...rs, status },
      { ...CONTROLLER_MANAGER, subresource: "status" },
    );
  }
}

function ownerRef(rs: ReplicaSet): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: rs.metadata.name ?? "",
    uid: rs.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function podFromTemplate(rs: ReplicaSet): KubeObject {
  const template = structuredClone(rs.spec?.template ?? {});
  const meta = template.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [ownerRef(rs)],
    },
    spec: template.spec ?? { containers: [] },
  };
}
