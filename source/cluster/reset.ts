import type { KubeObject } from "../model/kube.ts";
import type { Cluster } from "./connect.ts";
import { ClusterError, httpStatus } from "./errors.ts";
import { type ApiGroup, networkingVersionOf } from "./istio.ts";
import { appliedLabels, hasManager, isOurs, madeByTour, ownerOf, takenOverFrom } from "./managedFields.ts";
import { FIELD_MANAGER, ISTIO_NETWORKING_GROUP, type NetworkingVersion, objectRef } from "./manifests.ts";
import { applyNamespaceLabels, labelChanges, readNamespace } from "./namespaceLabels.ts";

interface Kind {
  apiVersion: string;
  kind: string;
  plural: string;
}

/** What the tour applies, routes before what they route to, so traffic never hits a missing subset. */
function resetKinds(networking: NetworkingVersion | null): Kind[] {
  const istio: Kind[] = networking
    ? [
        { kind: "VirtualService", plural: "virtualservices" },
        { kind: "DestinationRule", plural: "destinationrules" },
        { kind: "Gateway", plural: "gateways" },
      ].map((k) => ({ ...k, apiVersion: `${ISTIO_NETWORKING_GROUP}/${networking}` }))
    : [];
  return [
    ...istio,
    { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments" },
    { apiVersion: "v1", kind: "Service", plural: "services" },
    { apiVersion: "v1", kind: "ServiceAccount", plural: "serviceaccounts" },
  ];
}

const collectionPath = (kind: Kind, namespace: string) =>
  `${kind.apiVersion.includes("/") ? "/apis" : "/api"}/${kind.apiVersion}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}`;

const resourceName = (kind: Kind) => {
  const slash = kind.apiVersion.indexOf("/");
  return slash < 0 ? kind.plural : `${kind.plural}.${kind.apiVersion.slice(0, slash)}`;
};

/** What a reset did, in kubectl's words, and what it left standing and why. */
export interface ResetReport {
  /** "deployment.apps/details-v1 deleted", "namespace/demo unlabeled istio-injection". */
  removed: string[];
  /** "namespace/demo: created by the tour; ...", "deployment.apps/mine: not applied by the tour". */
  kept: string[];
}

/** What every namespace holds from the start (Kubernetes and Istio make them), never a user's. */
const SYSTEM_OBJECTS = new Set([
  "serviceaccount/default",
  "configmap/kube-root-ca.crt",
  "configmap/istio-ca-root-cert",
]);

/**
 * Undoes the tour in one namespace: deletes the objects of our kinds the tour made itself (our
 * label or field manager, and not taken over from someone), and takes back the namespace labels
 * only our field manager owns. Anything a user made stays: their own objects, objects the tour
 * took over (they were someone's before), and the namespace; the report says which it saw.
 */
export async function resetNamespace(cluster: Cluster, namespace: string): Promise<ResetReport> {
  const networking = await servedNetworkingVersion(cluster);
  const kinds = resetKinds(networking);
  const unlistable: string[] = [];
  const lists = await Promise.all(
    [...kinds, CONFIG_MAPS].map(async (kind) => {
      try {
        const list = await cluster.request<{ items?: KubeObject[] }>("GET", collectionPath(kind, namespace));
        return (list.items ?? [])
          .map((object) => ({ ...object, apiVersion: kind.apiVersion, kind: kind.kind }))
          .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
      } catch (error) {
        if (httpStatus(error) === 404) return [];
        // ConfigMaps are listed only to report the user's own; a Role without that (a workshop
        // attendee's) must not stop the reset of what the tour made.
        if (kind === CONFIG_MAPS && httpStatus(error) === 403) {
          unlistable.push(resourceName(kind));
          return [];
        }
        throw cluster.explain(error, { verb: "list", resource: resourceName(kind), namespace });
      }
    }),
  );

  const removed: string[] = [];
  for (const [index, kind] of kinds.entries()) {
    const ours = (lists[index] ?? []).filter(madeByTour);
    const deleted = await Promise.all(ours.map((object) => deleteObject(cluster, kind, object, namespace)));
    removed.push(...deleted.filter((line): line is string => line !== null));
  }
  const labels = await releaseNamespaceLabels(cluster, namespace);
  removed.push(...labels.removed);

  const kept: string[] = [...labels.kept];
  for (const resource of unlistable)
    kept.push(`${resource}: not allowed to list them here, so none of them was looked at or touched`);
  for (const object of lists.flat()) {
    const ref = objectRef(object);
    const from = takenOverFrom(object);
    if (isOurs(object) && from !== undefined)
      kept.push(`${ref}: the tour took it over from ${from}; it did not make it`);
    else if (!isOurs(object) && !SYSTEM_OBJECTS.has(ref))
      kept.push(`${ref}: ${ownerOf(object)}'s, not applied by the tour`);
  }
  return { removed, kept };
}

const CONFIG_MAPS: Kind = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps" };

async function deleteObject(
  cluster: Cluster,
  kind: Kind,
  object: KubeObject,
  namespace: string,
): Promise<string | null> {
  const name = object.metadata.name ?? "";
  try {
    await cluster.request("DELETE", `${collectionPath(kind, namespace)}/${encodeURIComponent(name)}`, {
      query: { propagationPolicy: "Background" },
    });
  } catch (error) {
    if (httpStatus(error) === 404) return null; // someone else deleted it meanwhile
    throw cluster.explain(error, { verb: "delete", resource: resourceName(kind), namespace, name });
  }
  return `${objectRef(object)} deleted`;
}

/**
 * Applies the Namespace with our manager and no labels: the server drops the labels only we own.
 * The namespace itself stays (deleting it would take everything in it), and so do labels someone
 * else set.
 */
async function releaseNamespaceLabels(
  cluster: Cluster,
  namespace: string,
): Promise<{ removed: string[]; kept: string[] }> {
  const before = await readNamespace(cluster, namespace).catch((error: unknown) => {
    // A user whose rights end at the namespace cannot have labelled it through the tour either.
    if (error instanceof ClusterError && error.reason === "forbidden") return "forbidden" as const;
    throw error;
  });
  if (before === "forbidden")
    return {
      removed: [],
      kept: [`namespace/${namespace}: its labels left as they are (this context may not read namespaces)`],
    };
  if (!before) return { removed: [], kept: [] };
  const ours = appliedLabels(before);
  // Only the tour's field manager ever wrote to it: the tour's first stage created it.
  const created = hasManager(before, FIELD_MANAGER) && everyManagerIs(before, FIELD_MANAGER);
  const kept = [
    created
      ? `namespace/${namespace}: created by the tour, kept with what is left in it (kubectl delete namespace ${namespace} deletes it and everything in it)`
      : `namespace/${namespace}: reset never deletes a namespace`,
  ];
  const theirLabels = Object.entries(before.metadata.labels ?? {}).filter(
    ([key]) => INJECTION_LABELS.includes(key) && !ours.includes(key),
  );
  for (const [key, value] of theirLabels) {
    kept.push(`namespace/${namespace} label ${key}=${value}: set by someone else, not the tour`);
  }
  if (ours.length === 0) return { removed: [], kept };
  const after = await applyNamespaceLabels(cluster, namespace, {});
  const removed = labelChanges(namespace, before.metadata.labels ?? {}, after.metadata.labels ?? {});
  // A label the tour set that someone else set too is theirs as well: it stays.
  for (const key of ours) {
    const value = after.metadata.labels?.[key];
    if (value !== undefined)
      kept.push(`namespace/${namespace} label ${key}=${value}: set by someone else too`);
  }
  return { removed, kept };
}

const INJECTION_LABELS = ["istio-injection", "istio.io/rev", "istio.io/dataplane-mode"];

function everyManagerIs(object: KubeObject, manager: string): boolean {
  return (object.metadata.managedFields ?? []).every(
    (entry) => (entry as { manager?: string } | null)?.manager === manager,
  );
}

async function servedNetworkingVersion(cluster: Cluster): Promise<NetworkingVersion | null> {
  try {
    return networkingVersionOf(await cluster.request<ApiGroup>("GET", `/apis/${ISTIO_NETWORKING_GROUP}`));
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw cluster.explain(error, { verb: "get", resource: `the ${ISTIO_NETWORKING_GROUP} API group` });
  }
}
