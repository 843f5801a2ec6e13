import { readdirSync } from "node:fs";
import type { KubeObject } from "../model/kube.ts";
import type { Cluster } from "./connect.ts";
import { ClusterError, httpStatus } from "./errors.ts";
import { type ApiGroup, networkingVersionOf } from "./istio.ts";
import { appliedLabels, isOurs, madeByTour, ownerOf, takenOverFrom } from "./managedFields.ts";
import {
  ISTIO_NETWORKING_GROUP,
  manifestsDir,
  type NetworkingVersion,
  objectRef,
  readManifest,
} from "./manifests.ts";
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

/**
 * Undoes the tour in one namespace: deletes the objects of our kinds the tour made itself (our
 * label or field manager, and not taken over from someone), and takes back the namespace labels
 * only our field manager owns. Anything a user made stays: objects the tour took over (they were
 * someone's before), and objects with the names of the tour's own that it never wrote, each said
 * in a line. Returns kubectl-like lines.
 */
export async function resetNamespace(cluster: Cluster, namespace: string): Promise<string[]> {
  const networking = await servedNetworkingVersion(cluster);
  const kinds = resetKinds(networking);
  const found = await Promise.all(
    kinds.map(async (kind) => {
      try {
        const list = await cluster.request<{ items?: KubeObject[] }>("GET", collectionPath(kind, namespace));
        return (list.items ?? [])
          .map((object) => ({ ...object, apiVersion: kind.apiVersion, kind: kind.kind }))
          .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
      } catch (error) {
        if (httpStatus(error) === 404) return [];
        throw cluster.explain(error, { verb: "list", resource: resourceName(kind), namespace });
      }
    }),
  );

  const ourNames = tourObjectNames();
  const lines: string[] = [];
  const left: string[] = [];
  for (const [index, objects] of found.entries()) {
    const kind = kinds[index] as Kind;
    const deleted = await Promise.all(
      objects.filter(madeByTour).map((object) => deleteObject(cluster, kind, object, namespace)),
    );
    lines.push(...deleted.filter((line): line is string => line !== null));
    for (const object of objects) {
      const from = takenOverFrom(object);
      if (isOurs(object) && from !== undefined)
        left.push(
          `${objectRef(object)} left as it is (the tour took it over from ${from}; it did not make it)`,
        );
      else if (!isOurs(object) && ourNames.has(`${kind.kind}/${object.metadata.name}`))
        left.push(`${objectRef(object)} left as it is (${ownerOf(object)}'s, not made by the tour)`);
    }
  }
  lines.push(...(await releaseNamespaceLabels(cluster, namespace)));
  return [...lines, ...left];
}

/** Kind/name of every object in the tour's manifests, to say which same-named objects reset leaves. */
function tourObjectNames(): Set<string> {
  const names = new Set<string>();
  try {
    const dir = manifestsDir();
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
      for (const object of readManifest(`${dir}/${file}`))
        names.add(`${object.kind}/${object.metadata.name}`);
    }
  } catch {
    // Without the manifests only taken-over objects can be named; deleting is unaffected.
  }
  return names;
}

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

/** Applies the Namespace with our manager and no labels: the server drops the labels only we own. */
async function releaseNamespaceLabels(cluster: Cluster, namespace: string): Promise<string[]> {
  const before = await readNamespace(cluster, namespace).catch((error: unknown) => {
    // A user whose rights end at the namespace cannot have labelled it through the tour either.
    if (error instanceof ClusterError && error.reason === "forbidden") return "forbidden" as const;
    throw error;
  });
  if (before === "forbidden")
    return [`namespace/${namespace} labels left as they are (this context may not read namespaces)`];
  if (!before || appliedLabels(before).length === 0) return [];
  const after = await applyNamespaceLabels(cluster, namespace, {});
  return labelChanges(namespace, before.metadata.labels ?? {}, after.metadata.labels ?? {});
}

async function servedNetworkingVersion(cluster: Cluster): Promise<NetworkingVersion | null> {
  try {
    return networkingVersionOf(await cluster.request<ApiGroup>("GET", `/apis/${ISTIO_NETWORKING_GROUP}`));
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw cluster.explain(error, { verb: "get", resource: `the ${ISTIO_NETWORKING_GROUP} API group` });
  }
}
