import { REDIRECTION_ANNOTATION } from "../dataplane/ambient.ts";
import { hasSidecar } from "../dataplane/meshIndex.ts";
import type { Pod } from "../kube.ts";
import { KEY, objectKey, PODS, splitKey } from "./kinds.ts";
import type { Runtime } from "./runtime.ts";

// The istio-cni node agent's part in ambient mode: once it runs on the node, every pod of a
// namespace labelled istio.io/dataplane-mode=ambient (or a pod labelled so itself) is put in the
// mesh without a sidecar and without a restart: its traffic is redirected to ztunnel, which it
// records in the pod's `ambient.istio.io/redirection: enabled` annotation. Remove the label and
// the pod leaves the mesh the same way.

const DATAPLANE_MODE = "istio.io/dataplane-mode";
const ISTIO_NS = "istio-system";
const EXCLUDED_NAMESPACES = new Set(["kube-system"]);
const MANAGER = { manager: "istio-cni" } as const;

export function startAmbientEnrollment(rt: Runtime): void {
  const queue = rt.queue("istio-cni", reconcile);
  const { store, objects } = rt;
  const podsIn = (namespace?: string) => {
    for (const pod of store.peek(KEY.pods, namespace))
      queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
  };

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.pods && event.type !== "DELETED")
      queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.namespaces) podsIn(metadata.name);
    else if (event.resource === KEY.daemonSets && metadata.namespace === ISTIO_NS) podsIn();
  });
  podsIn();

  /** The node agent is up on this node: the istio-cni-node DaemonSet has a ready pod. */
  function agentRunning(): boolean {
    const ds = store.get(KEY.daemonSets, ISTIO_NS, "istio-cni-node");
    return ((ds?.status as { numberReady?: number } | undefined)?.numberReady ?? 0) > 0;
  }

  function shouldRedirect(pod: Pod): boolean {
    const namespace = pod.metadata.namespace ?? "";
    if (EXCLUDED_NAMESPACES.has(namespace) || pod.metadata.deletionTimestamp) return false;
    if (pod.spec?.nodeName !== rt.nodeName || pod.spec?.hostNetwork || hasSidecar(pod)) return false;
    const podMode = pod.metadata.labels?.[DATAPLANE_MODE];
    if (podMode === "none") return false;
    if (podMode === "ambient") return true;
    const ns = store.get(KEY.namespaces, undefined, namespace);
    return ns?.metadata.labels?.[DATAPLANE_MODE] === "ambient";
  }

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = store.get(KEY.pods, namespace, name) as Pod | undefined;
    if (!pod) return;
    const enrolled = pod.metadata.annotations?.[REDIRECTION_ANNOTATION] === "enabled";
    // A pod on its way out keeps what it has; it leaves the mesh with its network namespace.
    if (pod.metadata.deletionTimestamp) return;
    const wanted = agentRunning() && shouldRedirect(pod);
    if (wanted === enrolled) return;
    const annotations = { ...pod.metadata.annotations };
    if (wanted) annotations[REDIRECTION_ANNOTATION] = "enabled";
    else delete annotations[REDIRECTION_ANNOTATION];
    const metadata: Pod["metadata"] = { ...pod.metadata, annotations };
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    objects.update(PODS, namespace, name, { ...pod, metadata }, MANAGER);
  }
}
