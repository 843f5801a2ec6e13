import type { Duplex } from "node:stream";
import type { Pod } from "../kube.ts";
import { createGatewayServer, type GatewayServer } from "./gatewayServer.ts";
import { ManagedGatewayConnections } from "./managedGateways.ts";
import type { Mesh } from "./mesh.ts";
import type { MeshView } from "./meshView.ts";
import type { Program, ProgramFor } from "./workload.ts";

export interface PodTarget {
  namespace: string;
  pod: string;
  port: number;
}

/**
 * Connections that reach a pod's port directly, the way `kubectl port-forward` delivers them:
 * the gateway pod's 8080 behaves like the node port (and refuses without a Gateway), a
 * Bookinfo pod's 9080 reaches its program with no proxy in between.
 */
export class PodConnections {
  readonly #gateway: GatewayServer;
  readonly #direct: GatewayServer;
  readonly #targets = new WeakMap<object, { pod: Pod; program: Program }>();
  /** Injected connections are not the servers' own, so closeAllConnections would miss them. */
  readonly #open = new Set<Duplex>();
  readonly #view: MeshView;
  readonly #nodePort: number;
  readonly #programFor: ProgramFor;
  readonly #managed: ManagedGatewayConnections;

  constructor(options: { view: MeshView; mesh: Mesh; nodePort: number; programFor: ProgramFor }) {
    this.#view = options.view;
    this.#nodePort = options.nodePort;
    this.#programFor = options.programFor;
    const { mesh } = options;
    this.#managed = new ManagedGatewayConnections(options.view, mesh);
    this.#gateway = createGatewayServer((request, signal) =>
      mesh.fromGateway(options.nodePort, request, signal),
    );
    this.#direct = createGatewayServer(
      (request, signal, connection) => {
        const target = this.#targets.get(connection);
        if (!target) return Promise.reject(new Error("connection without a target pod"));
        return mesh.toPod(target.pod, target.program, request, signal);
      },
      { serverName: undefined },
    );
  }

  /** Serves `socket` as a connection to the target; false when nothing listens there (refused). */
  accept(target: PodTarget, socket: Duplex): boolean {
    const managed = this.#managed.accept(target, socket, (s) => this.#adopt(s));
    if (managed !== undefined) return managed;
    const index = this.#view.current();
    const ingress = index.ingress(this.#nodePort);
    const isGatewayPod = ingress?.pods.some(
      (p) => p.metadata.name === target.pod && p.metadata.namespace === target.namespace,
    );
    if (isGatewayPod) {
      if (target.port !== ingress!.targetPort || !index.gatewayListens(this.#nodePort)) return false;
      this.#adopt(socket);
      this.#gateway.server.emit("connection", socket);
      return true;
    }
    const pod = index.pod(target.namespace, target.pod);
    const program = pod && this.#programFor(pod);
    if (!pod || !program || pod.status?.phase !== "Running" || !servesPort(pod, target.port)) return false;
    this.#targets.set(socket, { pod, program });
    this.#adopt(socket);
    this.#direct.server.emit("connection", socket);
    return true;
  }

  #adopt(socket: Duplex): void {
    this.#open.add(socket);
    socket.once("close", () => this.#open.delete(socket));
  }

  close(): void {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
  }
}

/** Bookinfo listens on 9080 whatever the manifest declares; declared container ports count too. */
const servesPort = (pod: Pod, port: number): boolean =>
  port === 9080 ||
  (pod.spec?.containers ?? []).some(
    (c) => c.name !== "istio-proxy" && c.ports?.some((p) => p.containerPort === port),
  );
