import type { Pod } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { MeshIndex } from "./meshIndex.ts";

/** Store kinds whose changes can alter routing or whether the gateway listens. */
const ROUTING_RESOURCES = new Set([
  "pods",
  "services",
  "namespaces",
  "gateways.networking.istio.io",
  "virtualservices.networking.istio.io",
  "destinationrules.networking.istio.io",
]);

export interface MeshView {
  /** The routing view as of now: rebuilt on first use after a relevant change, else cached. */
  current(): MeshIndex;
  unsubscribe(): void;
}

/** Keeps a MeshIndex for `store`, dropping it on every change of a kind routing reads. */
export function watchMesh(store: Store, onChange: () => void = () => {}): MeshView {
  let index: MeshIndex | undefined;
  const unsubscribe = store.subscribe((event) => {
    if (!ROUTING_RESOURCES.has(event.resource)) return;
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
      })),
    unsubscribe,
  };
}
