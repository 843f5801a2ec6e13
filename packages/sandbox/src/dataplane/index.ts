import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { ObjectService } from "../api/objects.ts";
import type { ExecConnector, ExecOutcome, ExecRequest } from "../api/remoteCommand.ts";
import { bookinfoPrograms } from "../bookinfo/index.ts";
import type { ExecRuntimeOptions } from "../exec/index.ts";
import type { Pod } from "../kube.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import type { Store } from "../store/store.ts";
import { Decks, type Random } from "./balancer.ts";
import { type Clock, realClock } from "./clock.ts";
import { Mesh } from "./mesh.ts";
import { meshLogWriter } from "./meshLogs.ts";
import { watchMesh } from "./meshView.ts";
import { NodePortListener } from "./nodePortListener.ts";
import { PodConnections, type PodTarget } from "./podConnections.ts";
import { podNetwork } from "./podNetwork.ts";
import { ServicePorts } from "./servicePorts.ts";
import type { ProgramFor } from "./workload.ts";

export type { Clock } from "./clock.ts";
export type { PodTarget } from "./podConnections.ts";

export interface DataPlaneOptions {
  store: Store;
  /** The http2 node port of the istio-ingressgateway Service: where the gateway listens. */
  httpNodePort: number;
  /** Real time unless a test supplies its own. */
  clock?: Clock;
  /** Fault percentages and load balancing draw from this. */
  random?: Random;
  /** What pods run; Bookinfo's images by default. */
  programs?: ProgramFor;
  /** Address the node port is reachable on (the node's InternalIP). */
  host?: string;
  /** The cluster CA, as pods see it in their service account volume. */
  caPem?: string;
  /** Where the proxies' access logs and the programs' lines go (kubelet's container logs). */
  logs?: ContainerLogs;
  /** Lets the simulated load balancer write LoadBalancer Services' status; without it, none is written. */
  objects?: ObjectService;
  /** Whether LoadBalancer Services get an address (default true). */
  loadBalancer?: boolean;
}

export interface DataPlane {
  /** Whether the node port accepts connections right now. */
  readonly listening: boolean;
  /**
   * Serves `socket` as a connection to a pod's port from inside its network, for
   * `kubectl port-forward`; false when nothing listens there (the forward reports it refused).
   */
  acceptConnection(target: PodTarget, socket: Duplex): boolean;
  /** Runs a command in a pod's container, for `kubectl exec`: its network is the pod's. */
  exec(request: ExecRequest): Promise<ExecOutcome>;
  /** Resolves once the listener matches the configuration as of now. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox's data plane: the ingress gateway on 127.0.0.1:httpNodePort, sidecar
 * routing between pods and the Bookinfo programs. Routing reads a view of the store that is
 * rebuilt on first use after a relevant change, and the node port opens or closes as soon as
 * a change makes some Gateway select the gateway pods on that port, or stop doing so.
 */
export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const { store, httpNodePort } = options;
  const random = options.random ?? Math.random;
  let pending: Promise<void> = Promise.resolve();
  let scheduled = false;
  // One re-check per burst of writes (a rollout writes many pods in one tick).
  const view = watchMesh(store, () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(sync);
    }
  });

  const programFor = options.programs ?? bookinfoPrograms();
  const logWriter = options.logs && meshLogWriter(options.logs, store);
  const mesh = new Mesh({
    observer: logWriter,
    index: view.current,
    programFor,
    clock: options.clock ?? realClock,
    random,
    decks: new Decks(random),
  });
  const listener = new NodePortListener({
    port: httpNodePort,
    host: options.host ?? "127.0.0.1",
    handler: (request, signal) => mesh.fromGateway(httpNodePort, request, signal),
  });

  const podConnections = new PodConnections({ view, mesh, nodePort: httpNodePort, programFor });
  const execOptions: ExecRuntimeOptions = {
    store,
    network: (pod: Pod) => podNetwork({ pod, mesh, view, store, programFor }),
    caPem: options.caPem,
  };
  // The simulated containers' programs load on the first `kubectl exec`, not at start-up.
  let processes: Promise<ExecConnector> | undefined;
  const exec = async (request: ExecRequest) => {
    processes ??= import("../exec/index.ts").then((m) => m.execRuntime(execOptions));
    return (await processes).exec(request);
  };
  const servicePorts = new ServicePorts({
    view,
    connect: (target, socket: Socket) => podConnections.accept(target, socket),
    decks: new Decks(random),
    host: options.host ?? "127.0.0.1",
    objects: options.objects,
    loadBalancer: options.loadBalancer,
    // The Istio ingress gateway's node ports keep their own listener.
    skipNodePort: (svc) =>
      svc.metadata.namespace === "istio-system" && svc.metadata.name === "istio-ingressgateway",
  });

  function sync() {
    scheduled = false;
    try {
      pending = Promise.all([
        listener.set(view.current().nodePortOpen(httpNodePort)),
        servicePorts.sync(),
      ]).then(() => {});
    } catch (error) {
      // Whatever a user applied, the sandbox keeps running; the port keeps its last state.
      process.emitWarning(`sandbox data plane: ${(error as Error).stack ?? error}`);
    }
  }
  sync();
  await pending;

  return {
    get listening() {
      return listener.listening;
    },
    acceptConnection: (target, socket) => podConnections.accept(target, socket),
    exec,
    async settled() {
      while (scheduled) await new Promise((resolve) => setImmediate(resolve));
      await pending;
    },
    async stop() {
      view.unsubscribe();
      logWriter?.stop();
      podConnections.close();
      await Promise.all([listener.stop(), servicePorts.stop()]);
    },
  };
}
