import type { KubeObject, Pod } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { MeshIndex } from "./meshIndex.ts";

const GATEWAY_API = "gateway.networking.k8s.io";

/** Store kinds whose changes can alter routing or whether the gateway listens. */
const ROUTING_RESOURCES = new Set([
  "pods",
  "services",
  "namespaces",
  "gateways.networking.istio.io",
  "virtualservices.networking.istio.io",
  "destinationrules.networking.istio.io",
  `gatewayclasses.${GATEWAY_API}`,
  `gateways.${GATEWAY_API}`,
  `httproutes.${GATEWAY_API}`,
  `referencegrants.${GATEWAY_API}`,
]);

/** Whether istiod runs with ambient support: the ambient profile turns it on. */
function ambientEnabled(store: Store): boolean {
  const istiod = store.get("deployments.apps", "istio-system", "istiod") as KubeObject | undefined;
  const containers =
    (istiod?.spec as { template?: { spec?: Pod["spec"] } } | undefined)?.template?.spec?.containers ?? [];
  return containers.some((c) =>
    ((c.env as { name?: string; value?: string }[] | undefined) ?? []).some(
      (e) => e.name === "PILOT_ENABLE_AMBIENT" && e.value === "true",
    ),
  );
}

export interface MeshView {
  /** The routing view as of now: rebuilt on first use after a relevant change, else cached. */
  current(): MeshIndex;
  unsubscribe(): void;
}

const isIstiod = (o: KubeObject) =>
  o.kind === "Deployment" && o.metadata.namespace === "istio-system" && o.metadata.name === "istiod";

/** Keeps a MeshIndex for `store`, dropping it on every change of a kind routing reads. */
export function watchMesh(store: Store, onChange: () => void = () => {}): MeshView {
  let index: MeshIndex | undefined;
  const unsubscribe = store.subscribe((event) => {
    if (!ROUTING_RESOURCES.has(event.resource) && !isIstiod(event.object)) return;
    index = undefined;
    onChange();
  });
  return {
    current: () =>
      (index ??= new MeshIndex({
        pods: store.peek("pods") as Iterable<Pod>,
        services: store.peek("services"),
        gateways: store.peek("gateways.networking.istio.io"),
        virtualServices: store.peek("virtualservices.networking.istio.io"),
        destinationRules: store.peek("destinationrules.networking.istio.io"),
        gatewayApi: {
          namespaces: store.peek("namespaces"),
          gatewayClasses: store.peek(`gatewayclasses.${GATEWAY_API}`),
          gateways: store.peek(`gateways.${GATEWAY_API}`),
          httpRoutes: store.peek(`httproutes.${GATEWAY_API}`),
          referenceGrants: store.peek(`referencegrants.${GATEWAY_API}`),
          ambient: ambientEnabled(store),
        },
      })),
    unsubscribe,
  };
}
