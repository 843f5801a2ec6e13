import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import { httpStatus } from "./errors.ts";
import { ISTIO_NETWORKING_GROUP, type NetworkingVersion } from "./manifests.ts";

/** The versions we can write, best first: v1 needs Istio >= 1.22, v1beta1 and v1alpha3 are older. */
const PREFERRED: NetworkingVersion[] = ["v1", "v1beta1", "v1alpha3"];

export interface ApiGroup {
  name?: string;
  versions?: { groupVersion?: string; version?: string }[];
}

/** What detection read from the cluster; `undefined` means "not allowed to look". */
export interface IstioFacts {
  /** The networking.istio.io APIGroup from discovery, null when the group is not served. */
  networkingGroup: ApiGroup | null;
  /**
   * Deployments labelled app=istiod in istio-system (none when the namespace does not exist);
   * undefined when we may not list them.
   */
  istiodDeployments: KubeObject[] | undefined;
  ztunnel: boolean;
}

/** Of the networking.istio.io versions the server serves, the one we write. */
export function networkingVersionOf(group: ApiGroup | null): NetworkingVersion | null {
  const served = new Set((group?.versions ?? []).map((v) => v.version));
  return PREFERRED.find((version) => served.has(version)) ?? null;
}

/** `docker.io/istio/pilot:1.28.1-distroless` -> "1.28.1"; a digest or a registry port is not a tag. */
export function istioVersionFromImage(image: string | undefined): string | null {
  if (!image) return null;
  const withoutDigest = image.split("@", 1)[0] ?? "";
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return null;
  const tag = lastSegment.slice(colon + 1).replace(/-distroless$/, "");
  return tag || null;
}

/** The version of the default istiod (`istiod`), else of the first revision (`istiod-<rev>`). */
export function istiodVersion(deployments: KubeObject[]): string | null {
  const sorted = [...deployments].sort(
    (a, b) => rank(a) - rank(b) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
  for (const deployment of sorted) {
    const containers =
      (deployment.spec as { template?: { spec?: { containers?: { name?: string; image?: string }[] } } })
        ?.template?.spec?.containers ?? [];
    const discovery = containers.find((c) => c.name === "discovery") ?? containers[0];
    const version = istioVersionFromImage(discovery?.image);
    if (version) return version;
  }
  return null;
}

const rank = (deployment: KubeObject) => (deployment.metadata.name === "istiod" ? 0 : 1);

/**
 * Installed means the tour can use it: the networking API is served and istiod runs (or we may not
 * look into istio-system, in which case the API being served is the best evidence we have).
 */
export function istioInfoFrom(facts: IstioFacts): IstioInfo {
  const networkingVersion = networkingVersionOf(facts.networkingGroup);
  const istiods = facts.istiodDeployments;
  const controlPlane = istiods === undefined || istiods.length > 0;
  return {
    installed: networkingVersion !== null && controlPlane,
    version: istiods ? istiodVersion(istiods) : null,
    networkingVersion,
    ambient: facts.ztunnel,
  };
}

/** Istio as the cluster has it: one round of parallel requests. */
export async function detectIstio(cluster: Cluster, signal?: AbortSignal): Promise<IstioInfo> {
  return istioInfoFrom(await readIstioFacts(cluster, signal));
}

export async function readIstioFacts(cluster: Cluster, signal?: AbortSignal): Promise<IstioFacts> {
  const attempt = (verb: string, resource: string, namespace?: string) => (error: unknown) => {
    const status = httpStatus(error);
    if (status === 404) return null;
    if (status === 403) return undefined;
    throw cluster.explain(error, { verb, resource, namespace });
  };
  const [networkingGroup, istiods, ztunnel] = await Promise.all([
    cluster
      .request<ApiGroup>("GET", `/apis/${ISTIO_NETWORKING_GROUP}`, { signal })
      .catch(attempt("get", `the ${ISTIO_NETWORKING_GROUP} API group`)),
    cluster
      .request<{ items: KubeObject[] }>("GET", "/apis/apps/v1/namespaces/istio-system/deployments", {
        query: { labelSelector: "app=istiod" },
        signal,
      })
      .catch(attempt("list", "deployments.apps", "istio-system")),
    cluster
      .request<KubeObject>("GET", "/apis/apps/v1/namespaces/istio-system/daemonsets/ztunnel", { signal })
      .then(() => true)
      .catch(() => false),
  ]);
  return {
    networkingGroup: networkingGroup ?? null,
    istiodDeployments: istiods === undefined ? undefined : (istiods?.items ?? []),
    ztunnel,
  };
}
