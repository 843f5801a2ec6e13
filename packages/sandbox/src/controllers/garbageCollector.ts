import { findResourceByKind, RESOURCES, type ResourceType, storageKey } from "../api/resources.ts";
import type { KubeObject, OwnerReference } from "../kube.ts";
import { CONTROLLER_MANAGER } from "./kinds.ts";
import type { Runtime } from "./runtime.ts";

const FOREGROUND = "foregroundDeletion";

const RESOURCE_BY_KEY = new Map(RESOURCES.map((r) => [storageKey(r), r]));

// Queue keys name the object and what to check: "dependent" (are its owners still there?) or
// "owner" (a foreground deletion waiting for its dependents).
type Role = "dependent" | "owner";
const keyFor = (role: Role, resource: string, o: KubeObject) =>
  [role, resource, o.metadata.namespace ?? "", o.metadata.name ?? ""].join("|");

const waitsForDependents = (o: KubeObject | undefined) =>
  Boolean(o?.metadata.deletionTimestamp && o.metadata.finalizers?.includes(FOREGROUND));

/**
 * The garbage collector: dependents whose owners are gone are deleted in the background, and an
 * owner deleted in the foreground keeps its `foregroundDeletion` finalizer until the dependents
 * that block it have disappeared.
 */
export function startGarbageCollector(rt: Runtime): void {
  const queue = rt.queue("garbage-collector", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { object, previous, resource } = event;
    if (event.type === "DELETED") {
      for (const [key, dependent] of dependentsOf(object)) queue.add(keyFor("dependent", key, dependent));
    } else if (waitsForDependents(object)) {
      queue.add(keyFor("owner", resource, object));
    }
    const refsChanged = event.type === "ADDED" || (previous && refsOf(previous) !== refsOf(object));
    if (object.metadata.ownerReferences?.length && refsChanged && event.type !== "DELETED") {
      queue.add(keyFor("dependent", resource, object));
    }
    // A dependent leaving (or dropping its reference) may be what a foreground owner waits for.
    const refs = [...(previous?.metadata.ownerReferences ?? []), ...(object.metadata.ownerReferences ?? [])];
    if (event.type === "DELETED" || (previous && refsChanged)) {
      for (const ref of refs) {
        const found = ownerOf(ref, object.metadata.namespace);
        if (found && found !== "unknown" && waitsForDependents(found.owner))
          queue.add(keyFor("owner", found.key, found.owner));
      }
    }
  });
  for (const key of RESOURCE_BY_KEY.keys()) {
    for (const o of store.peek(key)) {
      if (o.metadata.ownerReferences?.length) queue.add(keyFor("dependent", key, o));
      if (waitsForDependents(o)) queue.add(keyFor("owner", key, o));
    }
  }

  function reconcile(key: string): void {
    const [role, resource = "", namespace, name = ""] = key.split("|");
    const r = RESOURCE_BY_KEY.get(resource);
    if (!r) return;
    const object = store.get(resource, r.namespaced ? namespace : undefined, name);
    if (!object) return;
    if (role === "owner") finishForeground(r, object);
    else collectIfOrphaned(r, object);
  }

  function collectIfOrphaned(r: ResourceType, object: KubeObject): void {
    const refs = object.metadata.ownerReferences ?? [];
    if (!refs.length || object.metadata.deletionTimestamp) return;
    const solid: OwnerReference[] = [];
    let waiting = false;
    for (const ref of refs) {
      const found = ownerOf(ref, object.metadata.namespace);
      // Kinds the sandbox does not serve cannot be checked; like the real collector, leave them be.
      if (found === "unknown") solid.push(ref);
      else if (!found || found.owner.metadata.uid !== ref.uid) continue;
      else if (waitsForDependents(found.owner)) waiting = true;
      else solid.push(ref);
    }
    const { namespace, name = "" } = object.metadata;
    if (solid.length === refs.length) return;
    if (solid.length) {
      // Some owners remain: only the dangling references go.
      const next = structuredClone(object);
      next.metadata.ownerReferences = solid;
      objects.update(r, namespace, name, next, CONTROLLER_MANAGER);
      return;
    }
    const hasDependents = dependentsOf(object).length > 0;
    objects.delete(r, namespace, name, {
      propagationPolicy: waiting && hasDependents ? "Foreground" : "Background",
      preconditions: { uid: object.metadata.uid },
    });
  }

  function finishForeground(r: ResourceType, owner: KubeObject): void {
    if (!waitsForDependents(owner)) return;
    let blocking = 0;
    for (const [key, dependent] of dependentsOf(owner)) {
      queue.add(keyFor("dependent", key, dependent));
      const ref = dependent.metadata.ownerReferences?.find((o) => o.uid === owner.metadata.uid);
      if (ref?.blockOwnerDeletion) blocking++;
    }
    if (blocking) return;
    const next = structuredClone(owner);
    next.metadata.finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND);
    if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
    // Removing the last finalizer through the API completes the owner's deletion.
    objects.update(r, owner.metadata.namespace, owner.metadata.name ?? "", next, CONTROLLER_MANAGER);
  }

  /** Objects anywhere in the store that name `owner` (by uid) among their owners. */
  function dependentsOf(owner: KubeObject): [string, KubeObject][] {
    const uid = owner.metadata.uid;
    const out: [string, KubeObject][] = [];
    if (!uid) return out;
    for (const [key, r] of RESOURCE_BY_KEY) {
      // Namespaced owners only own objects in their own namespace.
      const scope = owner.metadata.namespace && r.namespaced ? owner.metadata.namespace : undefined;
      if (owner.metadata.namespace && !r.namespaced) continue;
      for (const o of store.peek(key, scope)) {
        if (o.metadata.ownerReferences?.some((ref) => ref.uid === uid)) out.push([key, o]);
      }
    }
    return out;
  }

  function ownerOf(
    ref: OwnerReference,
    namespace: string | undefined,
  ): { key: string; owner: KubeObject } | undefined | "unknown" {
    // Owners may be custom resources (a Gateway owns what its controller makes).
    const r = findResourceByKind(ref.apiVersion, ref.kind, store);
    if (!r) return "unknown";
    const key = storageKey(r);
    const owner = store.get(key, r.namespaced ? namespace : undefined, ref.name);
    return owner && { key, owner };
  }
}

const refsOf = (o: KubeObject) => JSON.stringify(o.metadata.ownerReferences ?? []);
