// The grant of the sandbox's workshop user, made the way a cluster admin's automation makes it for
// each attendee of a workshop on a shared cluster: once the attendee's namespace exists, a
// RoleBinding in it to the built-in `admin` ClusterRole, nothing more. A RoleBinding cannot exist
// before its namespace and goes with it, so the user's rights appear with
// `kubectl create namespace workshop` and end when it is deleted.

import type { ObjectService } from "../api/objects.ts";
import { StatusError } from "../api/status.ts";
import type { KubeObject } from "../kube.ts";
import { RBAC_GROUP, ROLE_BINDINGS } from "./kinds.ts";
import type { BindingObject } from "./policy.ts";

function binding(name: string, namespace: string, user: string, role: string): BindingObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "RoleBinding",
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role },
    subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: user }],
  };
}

/** Grants `user` its rights in `namespace` whenever that namespace is created. Returns a stop function. */
export function startWorkshopGrant(objects: ObjectService, namespace: string, user: string): () => void {
  const pending = new Set<NodeJS.Immediate>();
  const grant = () => {
    for (const b of [binding(user, namespace, user, "admin")]) {
      try {
        if (!objects.find(ROLE_BINDINGS, namespace, b.metadata.name ?? ""))
          objects.create(ROLE_BINDINGS, namespace, b as KubeObject, { manager: "bookinfo-workshop-setup" });
      } catch (error) {
        // The namespace went again meanwhile: nothing to grant.
        if (!(error instanceof StatusError)) throw error;
      }
    }
  };
  const unsubscribe = objects.store.subscribe((event) => {
    if (event.resource !== "namespaces" || event.type !== "ADDED" || event.object.metadata.name !== namespace)
      return;
    // Store listeners run inside the write that fired them; the grant is a write of its own.
    const immediate = setImmediate(() => {
      pending.delete(immediate);
      grant();
    });
    pending.add(immediate);
  });
  if (objects.store.get("namespaces", undefined, namespace)) grant();
  return () => {
    unsubscribe();
    for (const immediate of pending) clearImmediate(immediate);
  };
}
