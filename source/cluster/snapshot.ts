import { reduceAll } from "../model/reduceSnapshot.ts";
import { hostFor, roomSettings } from "../model/room.ts";
import { emptySnapshot, type Snapshot, type SnapshotEvent } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import { httpStatus } from "./errors.ts";
import { ingressAddress } from "./ingress.ts";
import { istioInfoFrom, readIstioFacts } from "./istio.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";
import {
  clusterIstioQueries,
  coreQueries,
  ISTIO_RESOURCES,
  istioQueries,
  listQuery,
  paceQuery,
  type ResourceQuery,
  roomQueries,
} from "./resources.ts";

export interface SnapshotOptions {
  /** `--gateway-url`: wins over whatever the cluster says. */
  gatewayUrl?: string;
  /** `--host`: wins over the workshop room's host. */
  host?: string;
}

/**
 * The namespace as it is now, in one round of parallel LISTs (the informers' own queries), for
 * `status`. The lists become the same events the tour's watches emit and are folded by the same
 * reducer, so `status` and the tour see one truth. Istio objects are listed at v1 at the same
 * time as discovery runs; only a cluster older than Istio 1.22 costs a second round. A cluster
 * that does not answer fails within the probe's 5 s, whatever the other requests are doing.
 */
export async function loadSnapshot(
  cluster: Cluster,
  target: Pick<ResolvedTarget, "context" | "namespace" | "server"> = cluster.target,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const { namespace } = target;
  const cancel = new AbortController();
  const list = (query: ResourceQuery): Promise<SnapshotEvent> => listed(cluster, query, cancel.signal);

  try {
    const [, facts, core, speculative] = await Promise.all([
      cluster.probe(),
      readIstioFacts(cluster, cancel.signal),
      Promise.all(coreQueries(namespace).map(list)),
      Promise.all([...istioQueries(namespace, "v1"), ...clusterIstioQueries("v1")].map(list)),
    ]);
    const istio = istioInfoFrom(facts);
    const version = istio.networkingVersion;
    const istioLists =
      version === "v1"
        ? speculative
        : version
          ? await Promise.all(
              [...istioQueries(namespace, version), ...clusterIstioQueries(version)].map(list),
            )
          : [];
    const listed = reduceAll(emptySnapshot(target.context, namespace, target.server), [
      { kind: "istio", istio },
      ...core,
      ...istioLists,
      { kind: "tick", now: Date.now() },
    ]);
    // Only in a workshop room: its pace lives elsewhere, named by the room's settings.
    const pace = roomSettings(listed.roomConfig)?.pace;
    const paced = pace ? reduceAll(listed, [await list(paceQuery(pace))]) : listed;
    const settings = roomSettings(paced.roomConfig);
    return reduceAll(paced, [
      { kind: "gateway", gateway: ingressAddress(paced, options.gatewayUrl, settings?.gatewayUrl) },
      { kind: "host", host: hostFor(paced, options.host) },
    ]);
  } finally {
    // The first failure decides; the requests still running are of no use any more.
    cancel.abort();
  }
}

export interface RoomListOptions {
  /** Label selector of the room's namespaces (else every namespace is listed). */
  namespaceSelector?: string;
  pace?: { namespace: string; name: string };
}

/**
 * The whole room in one round of cluster-wide LISTs, one per kind (the room view's own queries),
 * as the events its watches would start with; model/roomFold.ts splits them per namespace.
 */
export async function loadRoomEvents(
  cluster: Cluster,
  options: RoomListOptions = {},
): Promise<SnapshotEvent[]> {
  const cancel = new AbortController();
  try {
    const [, facts] = await Promise.all([cluster.probe(), readIstioFacts(cluster, cancel.signal)]);
    const istio = istioInfoFrom(facts);
    const queries = roomQueries(istio.networkingVersion, options.namespaceSelector, options.pace);
    const lists = await Promise.all(queries.map((query) => listed(cluster, query, cancel.signal)));
    const empty: SnapshotEvent[] = istio.networkingVersion
      ? []
      : ISTIO_RESOURCES.map((resource) => ({ kind: "synced", resource, objects: [] }));
    return [{ kind: "istio", istio }, ...empty, ...lists, { kind: "tick", now: Date.now() }];
  } finally {
    cancel.abort();
  }
}

/** One LIST as the event a watch's first list makes; a non-essential one that is refused is unreadable. */
function listed(cluster: Cluster, query: ResourceQuery, signal: AbortSignal): Promise<SnapshotEvent> {
  return listQuery(cluster, query, signal).then(
    (result): SnapshotEvent => ({ kind: "synced", resource: query.resource, objects: result.items }),
    (error: unknown): SnapshotEvent => {
      const status = httpStatus(error);
      const explained = cluster.explain(error, {
        verb: "list",
        resource: query.plural,
        namespace: query.namespace,
      });
      if (query.essential || (status !== 403 && status !== 404)) throw explained;
      return status === 403
        ? { kind: "unreadable", resource: query.resource, reason: explained.message }
        : { kind: "synced", resource: query.resource, objects: [] };
    },
  );
}
