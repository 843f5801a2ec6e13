import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo } from "../model/snapshot.ts";
import type { ClusterActions, ManifestEdit } from "../tutorial/stage.ts";
import type { Cluster } from "./connect.ts";
import { ClusterError, istioMissing } from "./errors.ts";
import { kubeInject } from "./istioctl.ts";
import {
  FIELD_MANAGER,
  ISTIO_NETWORKING_GROUP,
  manifestPath,
  type NetworkingVersion,
  objectRef,
  parseManifest,
  prepareForApply,
  readManifest,
  splitApiVersion,
} from "./manifests.ts";
import { labelNamespace } from "./namespaceLabels.ts";

export { labelNamespace } from "./namespaceLabels.ts";

export interface ApplyOptions {
  namespace: string;
  /** The networking.istio.io version the server serves; null leaves the manifests' own. */
  networkingVersion: NetworkingVersion | null;
  /** Where `file` names are looked up; defaults to the project's manifests/. */
  manifestsDir?: string;
  /** Told each object as it is applied, in kubectl's words, so an interrupted apply says how far it got. */
  onApplied?: (line: string) => void;
  /** Stops between objects: the one being sent finishes, the rest are not sent. */
  signal?: AbortSignal;
  /** Applied to each object of the manifest before it is sent. */
  edit?: ManifestEdit;
}

/** The field manager of restarts: not ours, so a restart never makes a user's object "ours". */
const RESTART_MANAGER = `${FIELD_MANAGER}-rollout`;

/** `kubectl apply --server-side --force-conflicts` of one manifest, with kubectl's output lines. */
export async function applyManifest(
  cluster: Cluster,
  file: string,
  options: ApplyOptions,
): Promise<string[]> {
  const objects = readManifest(manifestPath(file, options.manifestsDir));
  return applyObjects(cluster, options.edit ? objects.map(options.edit) : objects, options);
}

/** Applies in order, one at a time, like kubectl: a failure stops there and says which object. */
export async function applyObjects(
  cluster: Cluster,
  objects: KubeObject[],
  options: ApplyOptions,
): Promise<string[]> {
  const lines: string[] = [];
  for (const object of objects) {
    throwIfCancelled(options.signal);
    const prepared = prepareForApply(object, options.networkingVersion);
    await serverSideApply(cluster, prepared, options.namespace);
    const line = `${objectRef(prepared)} serverside-applied`;
    lines.push(line);
    options.onApplied?.(line);
  }
  return lines;
}

async function serverSideApply(cluster: Cluster, object: KubeObject, namespace: string): Promise<KubeObject> {
  const apiVersion = object.apiVersion ?? "v1";
  const kind = object.kind ?? "";
  const { group } = splitApiVersion(apiVersion);
  const guessed = `${kind.toLowerCase()}s${group ? `.${group}` : ""}`;
  const attempt = { verb: "patch", resource: guessed, namespace, name: object.metadata.name };

  const resource = await cluster.resourceFor(apiVersion, kind).catch((error: unknown) => {
    throw cluster.explain(error, attempt);
  });
  if (!resource) {
    if (group === ISTIO_NETWORKING_GROUP) throw istioMissing();
    throw new ClusterError(
      `the cluster does not serve ${kind} in ${apiVersion}; this manifest needs a newer cluster (context ${cluster.target.context})`,
      "not-found",
    );
  }
  const resourceName = `${resource.plural}${group ? `.${group}` : ""}`;
  if (resource.namespaced) {
    const own = object.metadata.namespace;
    if (own && own !== namespace)
      throw new ClusterError(
        `${objectRef(object)} names namespace "${own}" but the tour runs in "${namespace}"; remove the namespace from the manifest or use -n ${own}`,
        "manifest",
      );
    object.metadata.namespace = namespace;
  }
  const base = group ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const path = `${base}${scope}/${resource.plural}/${encodeURIComponent(object.metadata.name ?? "")}`;
  try {
    return await cluster.request<KubeObject>("PATCH", path, {
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: object,
      contentType: "application/apply-patch+yaml",
    });
  } catch (error) {
    throw cluster.explain(error, {
      ...attempt,
      resource: resourceName,
      namespace: resource.namespaced ? namespace : undefined,
    });
  }
}

/**
 * Manual sidecar injection: `istioctl kube-inject -f <manifest>` (never through a shell), then the
 * result is applied like any manifest.
 */
export async function applyWithIstioctl(
  cluster: Cluster,
  file: string,
  options: ApplyOptions & { env?: NodeJS.ProcessEnv },
): Promise<string[]> {
  const path = manifestPath(file, options.manifestsDir);
  const injected = await kubeInject(cluster.target, path, options.env);
  return applyObjects(cluster, parseManifest(injected, `istioctl kube-inject -f ${path}`), options);
}

/** `kubectl rollout restart deployment/<name>`: a new template annotation makes new pods. */
export async function restartDeployments(
  cluster: Cluster,
  namespace: string,
  names: string[],
  progress: Progress = {},
): Promise<string[]> {
  throwIfCancelled(progress.signal);
  // kubectl writes RFC 3339 without fractional seconds.
  const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const patch = {
    spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": restartedAt } } } },
  };
  return Promise.all(
    names.map(async (name) => {
      try {
        await cluster.request(
          "PATCH",
          `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`,
          {
            query: { fieldManager: RESTART_MANAGER },
            body: patch,
            contentType: "application/strategic-merge-patch+json",
          },
        );
      } catch (error) {
        throw cluster.explain(error, { verb: "patch", resource: "deployments.apps", namespace, name });
      }
      const line = `deployment.apps/${name} restarted`;
      progress.onApplied?.(line);
      return line;
    }),
  );
}

/** What an action reports as it goes, and how it is stopped early. */
export type Progress = Pick<ApplyOptions, "onApplied" | "signal">;

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ClusterError("interrupted before the rest was applied", "cancelled");
}

/**
 * The port the stages act through. `istio` may be a function so that an Istio installed (or
 * upgraded) mid-session is written at the version the server serves now.
 */
export function clusterActions(
  cluster: Cluster,
  namespace: string,
  istio: IstioInfo | (() => IstioInfo),
  progress: Progress = {},
): ClusterActions {
  const options = (): ApplyOptions => ({
    namespace,
    networkingVersion: (typeof istio === "function" ? istio() : istio).networkingVersion,
    ...progress,
  });
  return {
    applyManifest: (file, edit) => applyManifest(cluster, file, { ...options(), edit }),
    labelNamespace: async (labels) => {
      throwIfCancelled(progress.signal);
      const lines = await labelNamespace(cluster, namespace, labels);
      for (const line of lines) progress.onApplied?.(line);
      return lines;
    },
    restartDeployments: (names) => restartDeployments(cluster, namespace, names, progress),
    applyWithIstioctl: (file) => applyWithIstioctl(cluster, file, options()),
  };
}
