import { createServer, type Server, type Socket } from "node:net";
import type { ObjectService } from "../api/objects.ts";
import { findResource } from "../api/resources.ts";
import type { KubeObject, Pod } from "../kube.ts";
import type { Decks } from "./balancer.ts";
import type { ServicePort } from "./istioConfig.ts";
import type { MeshView } from "./meshView.ts";
import type { PodTarget } from "./podConnections.ts";

// kube-proxy's node ports and a load balancer for LoadBalancer Services, for real: every node
// port listens on the node's address, and every LoadBalancer Service gets that address as its
// external IP, its ports listening there too when this process may bind them (port 80 needs
// root or a lowered net.ipv4.ip_unprivileged_port_start; a port another program holds cannot be
// had either). A port the load balancer could not open says so in the Service's status, and the
// Service's node port serves it meanwhile. The load balancer holds its ports from the moment the
// Service asks for one, so its status is settled before anyone reads an address from it; node
// ports listen only while the Service has ready endpoints, so with none a client's connection
// is refused, as kube-proxy's REJECT rule does.

export interface ServicePortsOptions {
  view: MeshView;
  /** Where a connection goes once a pod is chosen: the pod's own port. */
  connect(target: PodTarget, socket: Socket): boolean;
  decks: Decks;
  /** The node's address, where node ports and the load balancer listen. */
  host: string;
  /** Writes the load balancer's status on Services; without it no status is written. */
  objects?: ObjectService;
  /** false: a cluster without a load balancer (kind, minikube without a tunnel); EXTERNAL-IP stays pending. */
  loadBalancer?: boolean;
  /** Node ports served elsewhere (the Istio ingress gateway's own listener). */
  skipNodePort(service: KubeObject, port: ServicePort): boolean;
}

interface Exposure {
  namespace: string;
  service: string;
  port: number;
  kind: "node" | "lb";
}

const LB_ERROR = "bookinfo-sandbox.local/PortUnavailable";
/** An LB port another Service of this cluster already holds. */
const TAKEN_HERE = "taken by another Service";

function listen(server: Server, port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    server.once("error", onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", onError);
      resolve(undefined);
    });
  });
}

interface Spec {
  type?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
}

export class ServicePorts {
  readonly #options: ServicePortsOptions;
  readonly #open = new Map<string, Server>();
  readonly #sockets = new Set<Socket>();
  /** LB ports that could not be bound, "ns/name:port" -> why. */
  readonly #lbFailures = new Map<string, string>();
  readonly #warned = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(options: ServicePortsOptions) {
    this.#options = options;
  }

  /** Brings the listeners and the load balancer's status in line with the cluster; calls run in order. */
  sync(): Promise<void> {
    this.#queue = this.#queue
      .then(() => this.#sync())
      .catch((error: Error) => {
        process.emitWarning(`sandbox service ports: ${error.stack ?? error}`);
      });
    return this.#queue;
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return;
    const { services, wanted } = this.#wanted();
    for (const [key, server] of this.#open) {
      if (wanted.has(key)) continue;
      this.#open.delete(key);
      server.close();
    }
    let failedNodePort = false;
    for (const [key, exposure] of wanted) {
      if (this.#open.has(key)) continue;
      const lbKey = `${exposure.namespace}/${exposure.service}:${exposure.port}`;
      if (exposure.kind === "lb" && this.#lbFailures.has(lbKey)) continue;
      const server = createServer((socket) => this.#connect(exposure, socket));
      const error = await listen(server, Number(key.slice(key.lastIndexOf(":") + 1)), this.#options.host);
      if (this.#stopped) {
        server.close();
        return;
      }
      if (error) {
        if (exposure.kind === "lb") this.#lbFailures.set(lbKey, error.code ?? error.message);
        else {
          failedNodePort = true;
          if (!this.#warned.has(key)) {
            this.#warned.add(key);
            process.emitWarning(
              `sandbox node port ${key} is held by another program (${error.code}); retrying`,
            );
          }
        }
        continue;
      }
      server.on("error", () => {});
      this.#open.set(key, server);
    }
    // Someone else holds a node port for now; try again shortly.
    clearTimeout(this.#retry);
    if (failedNodePort) {
      this.#retry = setTimeout(() => void this.sync(), 1000);
      this.#retry.unref();
    }
    this.#writeStatus(services);
  }

  /** Every port that should listen now, keyed "host:port". */
  #wanted(): { services: readonly KubeObject[]; wanted: Map<string, Exposure> } {
    const index = this.#options.view.current();
    const services = index.serviceObjects;
    // Who holds a port among our own Services is decided afresh each time; a port the system
    // refused stays refused while its Service keeps asking for it.
    const lbPorts = new Set<string>();
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as Spec;
      if (spec.type === "LoadBalancer")
        for (const p of spec.ports ?? [])
          lbPorts.add(`${svc.metadata.namespace}/${svc.metadata.name}:${p.port}`);
    }
    for (const [key, why] of this.#lbFailures)
      if (why === TAKEN_HERE || !lbPorts.has(key)) this.#lbFailures.delete(key);
    const wanted = new Map<string, Exposure>();
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as Spec;
      if (spec.type !== "NodePort" && spec.type !== "LoadBalancer") continue;
      const info = index.services.get(`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
      if (!info || index.endpoints(info).length === 0) continue;
      const namespace = svc.metadata.namespace ?? "default";
      const service = svc.metadata.name ?? "";
      for (const port of spec.ports ?? []) {
        if (!port.port) continue;
        if (port.nodePort && !this.#options.skipNodePort(svc, port))
          wanted.set(`${this.#options.host}:${port.nodePort}`, {
            namespace,
            service,
            port: port.port,
            kind: "node",
          });
        if (spec.type === "LoadBalancer" && !wanted.has(`${this.#options.host}:${port.port}`))
          wanted.set(`${this.#options.host}:${port.port}`, {
            namespace,
            service,
            port: port.port,
            kind: "lb",
          });
      }
    }
    return { services, wanted };
  }

  #writeStatus(services: readonly KubeObject[]): void {
    const objects = this.#options.objects;
    const resource = findResource("", "v1", "services");
    if (!objects || !resource || this.#options.loadBalancer === false) return;
    for (const svc of services) {
      const spec = (svc.spec ?? {}) as Spec;
      const current = (svc.status ?? {}) as { loadBalancer?: unknown };
      let loadBalancer: Record<string, unknown> = {};
      if (spec.type === "LoadBalancer") {
        const failed = (spec.ports ?? []).filter((p) =>
          this.#lbFailures.has(`${svc.metadata.namespace}/${svc.metadata.name}:${p.port}`),
        );
        const ingress: Record<string, unknown> = { ip: this.#options.host, ipMode: "VIP" };
        // "If used, every port defined in the service should have an entry in it."
        if (failed.length)
          ingress.ports = (spec.ports ?? []).map((p) => ({
            port: p.port,
            protocol: "TCP",
            ...(failed.includes(p) ? { error: LB_ERROR } : {}),
          }));
        loadBalancer = { ingress: [ingress] };
      }
      if (JSON.stringify(current.loadBalancer ?? {}) === JSON.stringify(loadBalancer)) continue;
      try {
        objects.update(
          resource,
          svc.metadata.namespace,
          svc.metadata.name ?? "",
          { ...svc, status: { ...(svc.status as object), loadBalancer } },
          { manager: "service-controller", subresource: "status" },
        );
      } catch {
        // The Service changed or went meanwhile; its next change brings us back.
      }
    }
  }

  #connect(exposure: Exposure, socket: Socket): void {
    socket.on("error", () => {});
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
    const index = this.#options.view.current();
    const info = index.services.get(`${exposure.service}.${exposure.namespace}.svc.cluster.local`);
    const pods = info ? index.endpoints(info) : [];
    const pod = pods[this.#options.decks.pickEven(pods, pods.length)];
    const port = info?.ports.find((p) => p.port === exposure.port);
    const targetPort = pod && port ? containerPort(pod, port) : undefined;
    if (!pod || targetPort === undefined) {
      socket.destroy();
      return;
    }
    const accepted = this.#options.connect(
      { namespace: exposure.namespace, pod: pod.metadata.name ?? "", port: targetPort },
      socket,
    );
    if (!accepted) socket.destroy();
  }

  /** The LoadBalancer ports of a Service that could not be opened on the node's address. */
  unavailable(namespace: string, name: string): number[] {
    const prefix = `${namespace}/${name}:`;
    return [...this.#lbFailures.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => Number(k.slice(prefix.length)));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#queue;
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all([...this.#open.values()].map((s) => new Promise((resolve) => s.close(resolve))));
    this.#open.clear();
  }
}

/** A Service port's target in the pod: a number, or a named container port. */
function containerPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports?.find((p) => p.name === target);
    if (found) return found.containerPort;
  }
  return undefined;
}
