// What the analysis reads: the Snapshot of the tour's namespace, widened by what other
// namespaces bind to the shared ingress gateway when this user may read it. The namespace's own
// objects always come from its own watches (what the stage checks see); other namespaces' from
// the cluster-wide lists.

import type { KubeObject, Pod } from "../model/kube.ts";
import type { Snapshot } from "../model/snapshot.ts";
import type { ObjectRef } from "./finding.ts";

export interface MeshView {
  snapshot: Snapshot;
  namespace: string;
  /** Gateways the analysis knows of: the namespace's, and other namespaces' when readable. */
  gateways: KubeObject[];
  virtualServices: KubeObject[];
  /** Whether other namespaces' Gateways / VirtualServices could be read. */
  otherNamespaces: { gateways: boolean; virtualServices: boolean };
  /** Pods a Gateway selector can be checked against: the namespace's and the ingress gateways. */
  workloadPods: Pod[];
}

export function meshView(snapshot: Snapshot): MeshView {
  const ns = snapshot.namespace;
  const others = (objects: readonly KubeObject[]) => objects.filter((o) => namespaceOf(o, ns) !== ns);
  const pods = new Map<string, Pod>();
  for (const pod of [...snapshot.pods, ...snapshot.ingressPods]) pods.set(key(pod, ns), pod);
  return {
    snapshot,
    namespace: ns,
    gateways: [...snapshot.gateways, ...others(snapshot.clusterGateways)],
    virtualServices: [...snapshot.virtualServices, ...others(snapshot.clusterVirtualServices)],
    otherNamespaces: {
      gateways: snapshot.unreadable.clusterGateways === undefined,
      virtualServices: snapshot.unreadable.clusterVirtualServices === undefined,
    },
    workloadPods: [...pods.values()],
  };
}

export function namespaceOf(object: KubeObject, fallback: string): string {
  return object.metadata.namespace ?? fallback;
}

export function ref(kind: string, object: KubeObject, fallback: string): ObjectRef {
  return { kind, namespace: namespaceOf(object, fallback), name: object.metadata.name ?? "" };
}

/** "ns/name", as Istio names an object in its messages. */
export function fullName(object: KubeObject, fallback: string): string {
  return `${namespaceOf(object, fallback)}/${object.metadata.name ?? ""}`;
}

/** Istio orders configuration that competes by age, then by namespace and name. */
export function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A Kubernetes label selector written as a map, as `kubectl -l` and Istio print it: "a=b,c=d", keys sorted. */
export function selectorString(selector: Record<string, string>): string {
  return Object.keys(selector)
    .sort()
    .map((k) => `${k}=${selector[k]}`)
    .join(",");
}

export function selects(
  selector: Record<string, string>,
  labels: Record<string, string> | undefined,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function key(pod: Pod, fallback: string): string {
  return `${namespaceOf(pod, fallback)}/${pod.metadata.name ?? ""}`;
}
