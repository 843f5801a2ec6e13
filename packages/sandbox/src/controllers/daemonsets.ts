import type { KubeObject, OwnerReference, Pod } from "../kube.ts";
import { CONTROLLER_MANAGER, DAEMON_SETS, KEY, objectKey, PODS, splitKey } from "./kinds.ts";
import { type LabelSelector, selectorMatches } from "./labelSelector.ts";
import { availability, controllerRef, isPodActive, isPodReady } from "./podState.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson, podTemplateHash } from "./templateHash.ts";

interface DaemonSet extends KubeObject {
  spec?: {
    selector?: LabelSelector;
    minReadySeconds?: number;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: Pod["spec"] & { nodeSelector?: Record<string, string>; hostNetwork?: boolean };
    };
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
  };
}

const REVISION_HASH = "controller-revision-hash";
const TEMPLATE_GENERATION = "pod-template-generation";

// What the DaemonSet controller adds to every daemon pod so it keeps running through the node
// conditions that evict or keep away ordinary pods.
const DAEMON_TOLERATIONS = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];
const HOST_NETWORK_TOLERATION = {
  key: "node.kubernetes.io/network-unavailable",
  operator: "Exists",
  effect: "NoSchedule",
};

interface NodeAffinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: {
      nodeSelectorTerms?: { matchFields?: { key?: string; values?: string[] }[] }[];
    };
  };
}

/** The node a daemon pod is meant for: where it runs, or the node its affinity pins it to. */
function nodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec as { affinity?: NodeAffinity } | undefined)?.affinity?.nodeAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return terms?.[0]?.matchFields?.find((f) => f.key === "metadata.name")?.values?.[0];
}

/**
 * DaemonSet -> one pod per eligible node, as kube-controller-manager's daemonset controller does:
 * each pod pinned to its node by node affinity (the scheduler binds it), the template's revision
 * in `controller-revision-hash`, rolling updates one node at a time (maxUnavailable 1), and the
 * status counts `kubectl get ds` and `kubectl rollout status` read.
 */
export function startDaemonSetController(rt: Runtime): void {
  const queue = rt.queue("daemonset", reconcile);
  const { store, objects } = rt;
  const all = () => {
    for (const ds of store.peek(KEY.daemonSets))
      queue.add(objectKey(ds.metadata.namespace, ds.metadata.name));
  };

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.daemonSets) queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.nodes) all();
    else if (event.resource === KEY.pods) {
      const owner = controllerRef(event.object) ?? (event.previous && controllerRef(event.previous));
      if (owner?.kind === "DaemonSet") queue.add(objectKey(metadata.namespace, owner.name));
    }
  });
  all();

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const ds = store.get(KEY.daemonSets, namespace, name) as DaemonSet | undefined;
    if (!ds) return;
    const hash = podTemplateHash(ds.spec?.template);
    const owned = [...(store.peek(KEY.pods, namespace) as Iterable<Pod>)].filter(
      (p) => controllerRef(p)?.uid === ds.metadata.uid,
    );
    const wanted = eligibleNodes(ds);
    if (!ds.metadata.deletionTimestamp) {
      const byNode = new Map<string, Pod[]>();
      for (const pod of owned) {
        const node = nodeOf(pod) ?? "";
        byNode.set(node, [...(byNode.get(node) ?? []), pod]);
      }
      const unavailable = wanted.filter((node) => !(byNode.get(node) ?? []).some(isPodReady)).length;
      let mayReplace = Math.max(0, maxUnavailable(ds, wanted.length) - unavailable);
      for (const node of wanted) {
        const pods = byNode.get(node) ?? [];
        const active = pods.filter(isPodActive);
        // A pod on its way out keeps the node busy: its replacement waits until it is gone.
        if (pods.length === 0) {
          objects.create(PODS, namespace, daemonPod(ds, node, hash), CONTROLLER_MANAGER);
          continue;
        }
        for (const extra of active.slice(1)) remove(extra);
        const current = active[0];
        if (!current || current.metadata.labels?.[REVISION_HASH] === hash) continue;
        // Replacing a ready pod makes its node unavailable for a while; at most maxUnavailable at once.
        if (!isPodReady(current)) remove(current);
        else if (mayReplace > 0) {
          mayReplace--;
          remove(current);
        }
      }
      for (const [node, pods] of byNode) {
        if (wanted.includes(node)) continue;
        for (const pod of pods.filter(isPodActive)) remove(pod);
      }
    }
    writeStatus(ds, owned, wanted, hash);
  }

  function remove(pod: Pod): void {
    objects.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? "", {
      preconditions: { uid: pod.metadata.uid },
    });
  }

  function eligibleNodes(ds: DaemonSet): string[] {
    const selector = ds.spec?.template?.spec?.nodeSelector;
    const out: string[] = [];
    for (const node of store.peek(KEY.nodes)) {
      if (node.metadata.deletionTimestamp) continue;
      if (!selectorMatches({ matchLabels: selector }, node.metadata.labels)) continue;
      out.push(node.metadata.name ?? "");
    }
    return out.sort();
  }

  function writeStatus(ds: DaemonSet, owned: Pod[], wanted: string[], hash: string): void {
    const now = rt.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let current = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    let misscheduled = 0;
    let soonest: number | undefined;
    const scheduledOn = new Map<string, Pod[]>();
    for (const pod of owned.filter(isPodActive)) {
      if (!pod.spec?.nodeName) continue;
      scheduledOn.set(pod.spec.nodeName, [...(scheduledOn.get(pod.spec.nodeName) ?? []), pod]);
    }
    for (const [node, pods] of scheduledOn) {
      if (!wanted.includes(node)) {
        misscheduled++;
        continue;
      }
      current++;
      const pod = pods.find(isPodReady) ?? pods[0]!;
      if (isPodReady(pod)) ready++;
      if (pod.metadata.labels?.[REVISION_HASH] === hash) updated++;
      const { available: yes, wait } = availability(pod, minReady, now);
      if (yes) available++;
      else if (wait !== undefined) soonest = Math.min(soonest ?? wait, wait);
    }
    if (soonest !== undefined)
      queue.addAfter(objectKey(ds.metadata.namespace, ds.metadata.name), soonest * rt.speed);
    // The four counts without omitempty are always written; the others only when not zero.
    const status: Record<string, number> = {
      currentNumberScheduled: current,
      desiredNumberScheduled: wanted.length,
      numberMisscheduled: misscheduled,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, wanted.length - available),
    };
    for (const field of ["updatedNumberScheduled", "numberAvailable", "numberUnavailable"]) {
      if (status[field] === 0) delete status[field];
    }
    if (canonicalJson(status) === canonicalJson(ds.status ?? {})) return;
    objects.update(
      DAEMON_SETS,
      ds.metadata.namespace,
      ds.metadata.name ?? "",
      { ...ds, status },
      { ...CONTROLLER_MANAGER, subresource: "status" },
    );
  }
}

function maxUnavailable(ds: DaemonSet, desired: number): number {
  const value = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1;
  if (typeof value === "number") return Math.max(1, value);
  const percent = /^(\d+)%$/.exec(value);
  return percent ? Math.max(1, Math.floor((desired * Number(percent[1])) / 100)) : 1;
}

function ownerRef(ds: DaemonSet): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    name: ds.metadata.name ?? "",
    uid: ds.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function daemonPod(ds: DaemonSet, node: string, hash: string): KubeObject {
  const template = structuredClone(ds.spec?.template ?? {});
  const spec = (template.spec ?? { containers: [] }) as Record<string, unknown>;
  const tolerations = [...((spec.tolerations as object[] | undefined) ?? [])];
  const extra = spec.hostNetwork ? [...DAEMON_TOLERATIONS, HOST_NETWORK_TOLERATION] : DAEMON_TOLERATIONS;
  for (const t of extra) {
    if (!tolerations.some((have) => (have as { key?: string }).key === t.key)) tolerations.push({ ...t });
  }
  spec.tolerations = tolerations;
  spec.affinity = {
    ...(spec.affinity as object | undefined),
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }],
      },
    },
  };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        [REVISION_HASH]: hash,
        [TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1),
      },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [ownerRef(ds)],
    },
    spec,
  };
}
