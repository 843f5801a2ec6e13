import type { KubeObject } from "../model/kube.ts";
import { ROOM_CONFIG } from "../model/room.ts";
import type { WatchedResource } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import { ISTIO_NETWORKING_GROUP, type NetworkingVersion } from "./manifests.ts";

export const INGRESS_NAMESPACE = "istio-system";
export const INGRESS_SERVICE = "istio-ingressgateway";
/**
 * Ingress gateway pods as Istio installs them: istioctl's are labelled istio=ingressgateway, the
 * istio/gateway Helm chart's istio=ingress. Both, so a Gateway that selects either is judged by
 * the pods it would really get.
 */
export const INGRESS_POD_SELECTOR = "istio in (ingressgateway,ingress)";

/** One LIST/WATCH the tour keeps: the same query serves `status` (one LIST) and the informers. */
export interface ResourceQuery {
  resource: WatchedResource;
  /** Collection path, e.g. /api/v1/namespaces/bookinfo/pods. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** For messages: plural resource with its group, and the namespace (none = cluster-wide). */
  plural: string;
  namespace?: string;
  /**
   * Without it the tour cannot say anything useful, so failing to read it is an error. The rest
   * (Istio config, the ingress gateway in another namespace) degrade to "none found".
   */
  essential: boolean;
}

export interface KubeList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items: KubeObject[];
}

export const ISTIO_RESOURCES = ["gateways", "virtualservices", "destinationrules"] as const;
export type IstioResource = (typeof ISTIO_RESOURCES)[number];

export function coreQueries(namespace: string): ResourceQuery[] {
  const ns = encodeURIComponent(namespace);
  return [
    {
      resource: "namespace",
      path: "/api/v1/namespaces",
      fieldSelector: `metadata.name=${namespace}`,
      plural: "namespaces",
      // Namespaces are cluster-scoped: a user whose rights end at their namespace cannot list
      // them, and the tour still works for them from the pods (see the inject stage).
      essential: false,
    },
    { resource: "pods", path: `/api/v1/namespaces/${ns}/pods`, plural: "pods", namespace, essential: true },
    {
      resource: "deployments",
      path: `/apis/apps/v1/namespaces/${ns}/deployments`,
      plural: "deployments.apps",
      namespace,
      essential: true,
    },
    {
      resource: "services",
      path: `/api/v1/namespaces/${ns}/services`,
      plural: "services",
      namespace,
      essential: true,
    },
    {
      resource: "ingressPods",
      path: "/api/v1/pods",
      labelSelector: INGRESS_POD_SELECTOR,
      plural: "pods",
      essential: false,
    },
    {
      resource: "ingressService",
      path: `/api/v1/namespaces/${INGRESS_NAMESPACE}/services`,
      fieldSelector: `metadata.name=${INGRESS_SERVICE}`,
      plural: "services",
      namespace: INGRESS_NAMESPACE,
      essential: false,
    },
    {
      // A workshop room's settings for this namespace; outside a workshop there is none.
      resource: "roomConfig",
      path: `/api/v1/namespaces/${ns}/configmaps`,
      fieldSelector: `metadata.name=${ROOM_CONFIG}`,
      plural: "configmaps",
      namespace,
      essential: false,
    },
  ];
}

/** The room's pace ConfigMap, read by name: an attendee may read that one object and no other. */
export function paceQuery(ref: { namespace: string; name: string }): ResourceQuery {
  return {
    resource: "roomPace",
    path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/configmaps`,
    fieldSelector: `metadata.name=${ref.name}`,
    plural: "configmaps",
    namespace: ref.namespace,
    essential: false,
  };
}

/**
 * The facilitator's room: one cluster-wide query per kind the stages read, whatever the number
 * of attendees. The ingress gateway's pods and Service come out of the pods and services lists.
 * `namespaceSelector` narrows the namespaces' list on the server (a room chosen by label).
 */
export function roomQueries(
  version: NetworkingVersion | null,
  namespaceSelector?: string,
  pace?: { namespace: string; name: string },
): ResourceQuery[] {
  const all = (resource: WatchedResource, path: string, plural: string): ResourceQuery => ({
    resource,
    path,
    plural,
    essential: true,
  });
  return [
    { ...all("namespace", "/api/v1/namespaces", "namespaces"), labelSelector: namespaceSelector },
    all("pods", "/api/v1/pods", "pods"),
    all("deployments", "/apis/apps/v1/deployments", "deployments.apps"),
    all("services", "/api/v1/services", "services"),
    {
      ...all("roomConfig", "/api/v1/configmaps", "configmaps"),
      fieldSelector: `metadata.name=${ROOM_CONFIG}`,
      essential: false,
    },
    ...(version
      ? ISTIO_RESOURCES.map((plural) => ({
          ...all(
            plural,
            `/apis/${ISTIO_NETWORKING_GROUP}/${version}/${plural}`,
            `${plural}.${ISTIO_NETWORKING_GROUP}`,
          ),
          essential: false,
        }))
      : []),
    ...(pace ? [paceQuery(pace)] : []),
  ];
}

export function istioQueries(namespace: string, version: NetworkingVersion): ResourceQuery[] {
  const ns = encodeURIComponent(namespace);
  return ISTIO_RESOURCES.map((plural) => ({
    resource: plural,
    path: `/apis/${ISTIO_NETWORKING_GROUP}/${version}/namespaces/${ns}/${plural}`,
    plural: `${plural}.${ISTIO_NETWORKING_GROUP}`,
    namespace,
    essential: false,
  }));
}

/**
 * What other namespaces bind to the shared ingress gateway: Gateways and VirtualServices of every
 * namespace, one cluster-wide list (and watch) each. A user whose rights end at their namespace
 * gets 403, and the analysis says which checks it could not make.
 */
export function clusterIstioQueries(version: NetworkingVersion): ResourceQuery[] {
  return CLUSTER_ISTIO_RESOURCES.map(({ resource, plural }) => ({
    resource,
    path: `/apis/${ISTIO_NETWORKING_GROUP}/${version}/${plural}`,
    plural: `${plural}.${ISTIO_NETWORKING_GROUP}`,
    essential: false,
  }));
}

export const CLUSTER_ISTIO_RESOURCES = [
  { resource: "clusterGateways", plural: "gateways" },
  { resource: "clusterVirtualServices", plural: "virtualservices" },
] as const;

export async function listQuery(
  cluster: Cluster,
  query: ResourceQuery,
  signal?: AbortSignal,
): Promise<KubeList> {
  const list = await cluster.request<KubeList>("GET", query.path, {
    query: { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector },
    signal,
  });
  // List items come without apiVersion and kind; watch events have them. Make both look alike.
  const kind = list.kind?.replace(/List$/, "");
  for (const item of list.items ?? []) {
    item.apiVersion ??= list.apiVersion;
    item.kind ??= kind;
  }
  list.items ??= [];
  return list;
}
