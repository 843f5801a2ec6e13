import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo } from "../model/snapshot.ts";
import type { ClusterActions, ManifestEdit } from "../tutorial/stage.ts";
import type { Cluster } from "./connect.ts";
import { ClusterError, ForeignObjectError, httpStatus, istioMissing } from "./errors.ts";
import { kubeInject } from "./istioctl.ts";
import { isOurs, ownerOf, TAKEN_OVER_ANNOTATION, takenOverFrom } from "./managedFields.ts";
import {
  FIELD_MANAGER,
  ISTIO_NETWORKING_GROUP,
  loadManifest,
  manifestPath,
  type NetworkingVersion,
  objectRef,
  parseManifest,
  prepareForApply,
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
  /**
   * Replace objects that exist and were not made by the tour, marking them taken over; without
   * it such an object stops the apply (ForeignObjectError) unless it already says what ours would.
   */
  takeOver?: boolean;
  /** Applied to each object of the manifest before it is sent (the person's weights or delay). */
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
  return applyObjects(cluster, loadManifest(file, options.manifestsDir), options);
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
    const prepared = prepareForApply(options.edit ? options.edit(object) : object, options.networkingVersion);
    const target = await resolveTarget(cluster, prepared, options.namespace);
    const existing = await readExisting(cluster, target);
    let line = `${objectRef(prepared)} serverside-applied`;
    if (existing && !isOurs(existing)) {
      const owner = ownerOf(existing);
      if (sameContent(existing, prepared)) {
        // Nothing to change, so nothing to take: it stays theirs.
        line = `${objectRef(prepared)} unchanged (${owner}'s, left as it is)`;
        lines.push(line);
        options.onApplied?.(line);
        continue;
      }
      if (!options.takeOver) {
        throw new ForeignObjectError({
          ref: objectRef(prepared),
          kind: prepared.kind ?? "",
          name: prepared.metadata.name ?? "",
          namespace: options.namespace,
          owner,
        });
      }
      markTakenOver(prepared, owner);
      line = `${objectRef(prepared)} serverside-applied (taken over from ${owner})`;
    } else if (existing) {
      // A mark of ours that the apply leaves out would be dropped by the server: keep it.
      const from = takenOverFrom(existing);
      if (from !== undefined) markTakenOver(prepared, from);
    }
    try {
      await serverSideApply(cluster, target, prepared);
    } catch (error) {
      // Taking an object over means replacing it: a field that cannot change in place (a
      // deployment's selector) is replaced the way `kubectl replace --force` does, delete then create.
      if (!(existing && line.includes("taken over") && immutable(error))) throw error;
      await deleteAndWait(cluster, target);
      await serverSideApply(cluster, target, prepared);
      line = `${objectRef(prepared)} replaced (taken over from ${takenOverFrom(prepared)}; deleted and made again, as its ${immutable(error)} cannot change in place)`;
    }
    lines.push(line);
    options.onApplied?.(line);
  }
  return lines;
}

/** The field a 422 says cannot be changed ("spec.selector"), or undefined for any other error. */
function immutable(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/field is immutable/.test(message)) return undefined;
  return /(\w+(?:\.\w+)+): Invalid value/.exec(message)?.[1] ?? "a field";
}

/** Deletes the object and waits (up to 30 s) until the server no longer has it. */
async function deleteAndWait(cluster: Cluster, target: ApplyTarget): Promise<void> {
  try {
    await cluster.request("DELETE", target.path, { query: { propagationPolicy: "Background" } });
  } catch (error) {
    if (httpStatus(error) !== 404) throw cluster.explain(error, { ...target.attempt, verb: "delete" });
  }
  const deadline = Date.now() + 30_000;
  while ((await readExisting(cluster, target)) !== null) {
    if (Date.now() > deadline)
      throw new ClusterError(
        `${target.attempt.resource} "${target.attempt.name}" is still being deleted after 30 s; try again once it is gone`,
        "conflict",
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function markTakenOver(object: KubeObject, owner: string): void {
  object.metadata.annotations = { ...object.metadata.annotations, [TAKEN_OVER_ANNOTATION]: owner };
}

interface ApplyTarget {
  path: string;
  attempt: { verb: string; resource: string; namespace?: string; name?: string };
}

/** Where the object lives on the server, or why it cannot be written there. */
async function resolveTarget(cluster: Cluster, object: KubeObject, namespace: string): Promise<ApplyTarget> {
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
  return {
    path,
    attempt: { ...attempt, resource: resourceName, namespace: resource.namespaced ? namespace : undefined },
  };
}

/** The object as it is on the server now, or null when there is none. */
async function readExisting(cluster: Cluster, target: ApplyTarget): Promise<KubeObject | null> {
  try {
    return await cluster.request<KubeObject>("GET", target.path);
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw cluster.explain(error, { ...target.attempt, verb: "get" });
  }
}

async function serverSideApply(
  cluster: Cluster,
  target: ApplyTarget,
  object: KubeObject,
): Promise<KubeObject> {
  try {
    return await cluster.request<KubeObject>("PATCH", target.path, {
      query: { fieldManager: FIELD_MANAGER, force: true },
      body: object,
      contentType: "application/apply-patch+yaml",
    });
  } catch (error) {
    throw cluster.explain(error, target.attempt);
  }
}

/**
 * Whether the object on the server already holds everything ours sets, beyond metadata: every
 * field we write has that value there (the server's defaults and additions aside).
 */
export function sameContent(existing: KubeObject, ours: KubeObject): boolean {
  const { metadata: _a, apiVersion: _b, kind: _c, status: _d, ...wanted } = ours;
  return contains(existing, wanted);
}

function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) && have.length === want.length && want.every((item, i) => contains(have[i], item))
    );
  }
  if (want !== null && typeof want === "object") {
    if (have === null || typeof have !== "object" || Array.isArray(have)) return false;
    return Object.entries(want).every(([key, value]) =>
      contains((have as Record<string, unknown>)[key], value),
    );
  }
  return have === want;
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

/** What an action reports as it goes, how it is stopped early, and whether it may take objects over. */
export type Progress = Pick<ApplyOptions, "onApplied" | "signal" | "takeOver">;

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
    applyManifest: (file, edit) => applyManifest(cluster, file, { ...options(), ...(edit ? { edit } : {}) }),
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
