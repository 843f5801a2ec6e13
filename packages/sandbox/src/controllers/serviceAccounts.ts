import { CONTROLLER_MANAGER, KEY, SERVICE_ACCOUNTS } from "./kinds.ts";
import type { Runtime } from "./runtime.ts";

const DEFAULT = "default";

/** Every active namespace has a `default` ServiceAccount; pods that name none run as it. */
export function startServiceAccountController(rt: Runtime): void {
  const queue = rt.queue("serviceaccount", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.namespaces && event.type !== "DELETED") queue.add(metadata.name ?? "");
    else if (
      event.resource === KEY.serviceAccounts &&
      event.type === "DELETED" &&
      metadata.name === DEFAULT
    ) {
      queue.add(metadata.namespace ?? "");
    }
  });
  for (const ns of store.peek(KEY.namespaces)) queue.add(ns.metadata.name ?? "");

  function reconcile(namespace: string): void {
    const ns = store.get(KEY.namespaces, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (store.get(KEY.serviceAccounts, namespace, DEFAULT)) return;
    objects.create(
      SERVICE_ACCOUNTS,
      namespace,
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: DEFAULT, namespace } },
      CONTROLLER_MANAGER,
    );
  }
}
