import type { KubeObject, Pod } from "../model/kube.ts";
import type { Snapshot } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import { httpStatus } from "./errors.ts";
import { ingressAddress } from "./ingress.ts";
import { istioInfoFrom, readIstioFacts } from "./istio.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";
import { coreQueries, istioQueries, listQuery, type ResourceQuery } from "./resources.ts";

export interface SnapshotOptions {
  /** `--gateway-url`: wins over whatever the cluster says. */
  gatewayUrl?: string;
}

/**
 * The namespace as it is now, in one round of parallel LISTs (the informers' own queries), for
 * `status`. Istio objects are listed at v1 at the same time as discovery runs; only a cluster
 * older than Istio 1.22 costs a second round. A cluster that does not answer fails within the
 * probe's 5 s, whatever the other requests are doing.
 */
export async function loadSnapshot(
  cluster: Cluster,
  target: Pick<ResolvedTarget, "context" | "namespace" | "server"> = cluster.target,
  options: SnapshotOptions = {},
): Promise<Snapshot> {
  const { namespace } = target;
  const cancel = new AbortController();
  const unreadable: Snapshot["unreadable"] = {};
  const list = (query: ResourceQuery) =>
    listQuery(cluster, query, cancel.signal).then(
      (result) => result.items,
      (error: unknown) => {
        const status = httpStatus(error);
        const explained = cluster.explain(error, {
          verb: "list",
          resource: query.plural,
          namespace: query.namespace,
        });
        if (query.essential || (status !== 403 && status !== 404)) throw explained;
        if (status === 403) unreadable[query.resource] = explained.message;
        return [] as KubeObject[];
      },
    );

  try {
    const [, facts, core, speculative] = await Promise.all([
      cluster.probe(),
      readIstioFacts(cluster, cancel.signal),
      Promise.all(coreQueries(namespace).map(list)),
      Promise.all(istioQueries(namespace, "v1").map(list)),
    ]);
    const istio = istioInfoFrom(facts);
    const version = istio.networkingVersion;
    const [gateways, virtualServices, destinationRules] =
      version === "v1"
        ? speculative
        : version
          ? await Promise.all(istioQueries(namespace, version).map(list))
          : [[], [], []];
    const [namespaces, pods, deployments, services, ingressPods, ingressServices] = core as [
      KubeObject[],
      Pod[],
      KubeObject[],
      KubeObject[],
      Pod[],
      KubeObject[],
    ];
    const ingressService = ingressServices[0] ?? null;
    return {
      context: target.context,
      namespace,
      server: target.server,
      istio,
      namespaceObject: namespaces[0] ?? null,
      pods,
      deployments,
      services,
      gateways: gateways ?? [],
      virtualServices: virtualServices ?? [],
      destinationRules: destinationRules ?? [],
      ingressPods,
      ingressService,
      gateway: ingressAddress({ ingressService, ingressPods }, options.gatewayUrl),
      samples: [],
      now: Date.now(),
      unreadable,
    };
  } finally {
    // The first failure decides; the requests still running are of no use any more.
    cancel.abort();
  }
}
