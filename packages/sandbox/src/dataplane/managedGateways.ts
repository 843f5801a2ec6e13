import type { Duplex } from "node:stream";
import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import type { Pod } from "../kube.ts";
import { noRoute } from "./envoyReplies.ts";
import { createGatewayServer, type GatewayServer } from "./gatewayServer.ts";
import type { Mesh } from "./mesh.ts";
import type { MeshIndex } from "./meshIndex.ts";
import type { MeshView } from "./meshView.ts";
import type { PodTarget } from "./podConnections.ts";

// The proxies Istio deploys for Gateway API Gateways: each listens on its Gateway's listener
// ports (80 included: the pod may bind low ports) and routes by the HTTPRoutes attached there.
// Connections reach them the way they reach any pod: load balancer, node port, port-forward.

const GATEWAY_NAME = "gateway.networking.k8s.io/gateway-name";

/** The Gateway a pod is a proxy of, when Istio deployed it for an ingress Gateway. */
export function managedGatewayOf(index: MeshIndex, pod: Pod): GatewayModel | undefined {
  const name = pod.metadata.labels?.[GATEWAY_NAME];
  if (!name || pod.metadata.labels?.["gateway.istio.io/managed"] !== "istio.io-gateway-controller")
    return undefined;
  const gateway = index.gatewayApi.gateway(pod.metadata.namespace ?? "default", name);
  return gateway?.info.deploys && !gateway.info.waypoint ? gateway : undefined;
}

interface Target {
  namespace: string;
  name: string;
  port: number;
}

export class ManagedGatewayConnections {
  readonly #server: GatewayServer;
  readonly #targets = new WeakMap<object, Target>();
  readonly #view: MeshView;

  constructor(view: MeshView, mesh: Mesh) {
    this.#view = view;
    this.#server = createGatewayServer((request, signal, connection) => {
      const target = this.#targets.get(connection);
      // The Gateway is looked up per request: a kept-alive connection follows config changes.
      const gateway = target && this.#view.current().gatewayApi.gateway(target.namespace, target.name);
      if (!target || !gateway) return Promise.resolve(noRoute());
      return mesh.fromManagedGateway(gateway, target.port, request, signal);
    });
  }

  /**
   * Serves `socket` when the target is a managed gateway pod: true when it listens on the port,
   * false when it refuses, undefined when the pod is not a managed gateway's.
   */
  accept(target: PodTarget, socket: Duplex, adopt: (socket: Duplex) => void): boolean | undefined {
    const index = this.#view.current();
    const pod = index.pod(target.namespace, target.pod);
    const gateway = pod && managedGatewayOf(index, pod);
    if (!pod || !gateway) return undefined;
    if (pod.status?.phase !== "Running" || !index.gatewayApi.listens(gateway, target.port)) return false;
    this.#targets.set(socket, { namespace: gateway.namespace, name: gateway.name, port: target.port });
    adopt(socket);
    this.#server.server.emit("connection", socket);
    return true;
  }
}
