import type { KubeObject } from "../model/kube.ts";
import type { Cluster } from "./connect.ts";
import { httpStatus } from "./errors.ts";
import { appliedLabels } from "./managedFields.ts";
import { FIELD_MANAGER } from "./manifests.ts";

const APPLY = "application/apply-patch+yaml";
const MERGE = "application/merge-patch+json";

const namespacePath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

export async function readNamespace(cluster: Cluster, namespace: string): Promise<KubeObject | null> {
  try {
    return await cluster.request<KubeObject>("GET", namespacePath(namespace));
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw cluster.explain(error, { verb: "get", resource: "namespaces", name: namespace });
  }
}

/**
 * Server-side applies the Namespace with exactly `labels` as the labels we own. Labels we owned
 * before and leave out are removed by the server, unless another manager also set them: that is
 * how `reset` takes back only what the tour put there. Creates the namespace when it is missing.
 */
export async function applyNamespaceLabels(
  cluster: Cluster,
  namespace: string,
  labels: Record<string, string>,
): Promise<KubeObject> {
  const body = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
  };
  try {
    return await cluster.request<KubeObject>("PATCH", namespacePath(namespace), {
      query: { fieldManager: FIELD_MANAGER, force: true },
      body,
      contentType: APPLY,
    });
  } catch (error) {
    throw cluster.explain(error, { verb: "patch", resource: "namespaces", namespace, name: namespace });
  }
}

/**
 * Sets namespace labels (null removes one), keeping the other labels we own, and says what changed
 * the way kubectl would: "namespace/bookinfo labeled istio-injection=enabled".
 */
export async function labelNamespace(
  cluster: Cluster,
  namespace: string,
  labels: Record<string, string | null>,
): Promise<string[]> {
  const before = await readNamespace(cluster, namespace);
  const current = before?.metadata.labels ?? {};
  const desired: Record<string, string> = {};
  for (const key of before ? appliedLabels(before) : []) {
    const value = current[key];
    if (value !== undefined) desired[key] = value;
  }
  for (const [key, value] of Object.entries(labels)) {
    if (value === null) delete desired[key];
    else desired[key] = value;
  }
  let after = await applyNamespaceLabels(cluster, namespace, desired);

  // A label someone else set survives our apply; "null removes one" still has to hold for it.
  const leftover = Object.entries(labels).filter(
    ([key, value]) => value === null && after.metadata.labels?.[key] !== undefined,
  );
  if (leftover.length > 0) {
    try {
      after = await cluster.request<KubeObject>("PATCH", namespacePath(namespace), {
        query: { fieldManager: FIELD_MANAGER },
        body: { metadata: { labels: Object.fromEntries(leftover.map(([key]) => [key, null])) } },
        contentType: MERGE,
      });
    } catch (error) {
      throw cluster.explain(error, { verb: "patch", resource: "namespaces", namespace, name: namespace });
    }
  }
  return labelChanges(namespace, current, after.metadata.labels ?? {}, before === null);
}

export function labelChanges(
  namespace: string,
  before: Record<string, string>,
  after: Record<string, string>,
  created = false,
): string[] {
  const lines = created ? [`namespace/${namespace} created`] : [];
  for (const [key, value] of Object.entries(after))
    if (before[key] !== value && key !== "kubernetes.io/metadata.name")
      lines.push(`namespace/${namespace} labeled ${key}=${value}`);
  for (const key of Object.keys(before))
    if (!(key in after)) lines.push(`namespace/${namespace} unlabeled ${key}`);
  return lines;
}
