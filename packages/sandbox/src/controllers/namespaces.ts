import { servedResources, storageKey } from "../api/resources.ts";
import type { KubeObject } from "../kube.ts";
import { CONTROLLER_MANAGER, KEY, NAMESPACES } from "./kinds.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

const FINALIZER = "kubernetes";

interface NamespaceCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

/** What is left in a terminating namespace, worded as the namespace controller's conditions. */
function deletionConditions(
  remaining: Map<string, number>,
  finalizers: Map<string, number>,
  previous: NamespaceCondition[],
  now: string,
): NamespaceCondition[] {
  const describe = (counts: Map<string, number>, unit: (name: string, n: number) => string) =>
    [...counts].map(([name, n]) => unit(name, n)).join(", ");
  const list: Omit<NamespaceCondition, "lastTransitionTime">[] = [
    {
      type: "NamespaceDeletionDiscoveryFailure",
      status: "False",
      reason: "ResourcesDiscovered",
      message: "All resources successfully discovered",
    },
    {
      type: "NamespaceDeletionGroupVersionParsingFailure",
      status: "False",
      reason: "ParsedGroupVersions",
      message: "All legacy kube types successfully parsed",
    },
    {
      type: "NamespaceDeletionContentFailure",
      status: "False",
      reason: "ContentDeleted",
      message: "All content successfully deleted, may be waiting on finalization",
    },
    remaining.size
      ? {
          type: "NamespaceContentRemaining",
          status: "True",
          reason: "SomeResourcesRemain",
          // "pods." is how Kubernetes prints a core-group resource here.
          message: `Some resources are remaining: ${describe(remaining, (r, n) => `${r} has ${n} resource instances`)}`,
        }
      : {
          type: "NamespaceContentRemaining",
          status: "False",
          reason: "ContentRemoved",
          message: "All content successfully removed",
        },
    finalizers.size
      ? {
          type: "NamespaceFinalizersRemaining",
          status: "True",
          reason: "SomeFinalizersRemain",
          message: `Some content in the namespace has finalizers remaining: ${describe(finalizers, (f, n) => `${f} in ${n} resource instances`)}`,
        }
      : {
          type: "NamespaceFinalizersRemaining",
          status: "False",
          reason: "ContentHasNoFinalizers",
          message: "All content-preserving finalizers finished",
        },
  ];
  return list.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    const same = before?.status === c.status && before.reason === c.reason && before.message === c.message;
    return { ...c, lastTransitionTime: same ? (before.lastTransitionTime ?? now) : now };
  });
}

/**
 * The namespace controller: a namespace marked for deletion has all its content deleted (pods
 * gracefully, through the kubelet), and once nothing is left its `kubernetes` finalizer is
 * removed, which lets the API server remove it.
 */
export function startNamespaceController(rt: Runtime): void {
  const queue = rt.queue("namespace", reconcile);
  const { store, objects } = rt;
  const terminating = (name: string | undefined) =>
    name !== undefined && Boolean(store.get(KEY.namespaces, undefined, name)?.metadata.deletionTimestamp);

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.namespaces) {
      if (event.type !== "DELETED" && metadata.deletionTimestamp) queue.add(metadata.name ?? "");
    } else if (metadata.namespace && (event.type === "DELETED" || metadata.deletionTimestamp)) {
      if (terminating(metadata.namespace)) queue.add(metadata.namespace);
    }
  });
  for (const ns of store.peek(KEY.namespaces))
    if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name ?? "");

  function reconcile(name: string): void {
    const ns = store.get(KEY.namespaces, undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    // Custom resources live in namespaces too, and go with them.
    for (const r of servedResources(store).filter((served) => served.namespaced)) {
      const key = storageKey(r);
      for (const object of [...store.peek(key, name)]) {
        const objectName = object.metadata.name ?? "";
        let left: KubeObject | undefined = object;
        if (!object.metadata.deletionTimestamp) {
          objects.delete(r, name, objectName, {
            propagationPolicy: "Background",
            preconditions: { uid: object.metadata.uid },
          });
          left = store.get(key, name, objectName);
        }
        if (!left) continue;
        const label = `${r.plural}.${r.group}`;
        remaining.set(label, (remaining.get(label) ?? 0) + 1);
        for (const f of left.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
      }
    }

    const status = (ns.status ?? {}) as { phase?: string; conditions?: NamespaceCondition[] };
    const conditions = deletionConditions(remaining, finalizers, status.conditions ?? [], rt.timestamp());
    let current = ns;
    if (canonicalJson(conditions) !== canonicalJson(status.conditions ?? [])) {
      current = objects.update(
        NAMESPACES,
        undefined,
        name,
        { ...ns, status: { ...status, conditions } },
        { ...CONTROLLER_MANAGER, subresource: "status" },
      );
    }
    if (remaining.size) return;

    const next = structuredClone(current);
    next.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
    const spec = (next.spec ?? {}) as { finalizers?: string[] };
    next.spec = { ...spec, finalizers: (spec.finalizers ?? []).filter((f) => f !== FINALIZER) };
    objects.update(NAMESPACES, undefined, name, next, CONTROLLER_MANAGER);
  }
}
