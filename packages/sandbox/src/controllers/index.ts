import type { EventEmitter } from "node:events";
import type { ObjectService } from "../api/objects.ts";
import { startCrdController } from "../crd/controller.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import { startClusterRoleAggregation } from "../rbac/aggregation.ts";
import { startAmbientEnrollment } from "./ambient.ts";
import { startDaemonSetController } from "./daemonsets.ts";
import { startDeploymentController } from "./deployments.ts";
import { startEndpointSliceController } from "./endpointSlices.ts";
import { startEndpointsController } from "./endpoints.ts";
import { startGarbageCollector } from "./garbageCollector.ts";
import { startIstioGatewayController } from "./istioGateways.ts";
import { type KubeletEvents, startKubelet } from "./kubelet.ts";
import { startNamespaceController } from "./namespaces.ts";
import { startReplicaSetController } from "./replicasets.ts";
import { Runtime } from "./runtime.ts";
import { startScheduler } from "./scheduler.ts";
import { startServiceAccountController } from "./serviceAccounts.ts";

export { sidecarInjection } from "./injection.ts";
export type { KubeletEvents } from "./kubelet.ts";

export interface ControllerOptions {
  objects: ObjectService;
  /** The node the simulated kubelet runs; pods bound elsewhere are never touched. */
  nodeName: string;
  /** Divides every simulated delay (image pulls, start-up, readiness, termination). */
  speed: number;
  /** Where the kubelet keeps what containers print. */
  logs?: ContainerLogs;
  istioVersion?: string;
}

export interface Controllers {
  /** Unsubscribes every controller and cancels every pending timer. */
  stop(): void;
  /** Resolves when no work is queued and no simulated delay is pending (pods settled). */
  settled(): Promise<void>;
  /** Pod lifecycle on the sandbox node, for the data plane: `ready` and `stopped`. */
  readonly pods: EventEmitter<KubeletEvents>;
}

/**
 * The sandbox's control loop: kube-controller-manager's deployment, replicaset, endpoints,
 * namespace, serviceaccount, garbage-collector and clusterrole-aggregation controllers, the
 * scheduler and one kubelet.
 * They react to store events only, so an idle cluster does no work.
 */
export function startControllers(options: ControllerOptions): Controllers {
  const rt = new Runtime(options.objects, options.nodeName, options.speed, {
    logs: options.logs,
    istioVersion: options.istioVersion,
  });
  startCrdController(rt);
  startNamespaceController(rt);
  startServiceAccountController(rt);
  startGarbageCollector(rt);
  startDeploymentController(rt);
  startReplicaSetController(rt);
  startDaemonSetController(rt);
  startScheduler(rt);
  const pods = startKubelet(rt);
  startEndpointsController(rt);
  startClusterRoleAggregation(rt);
  startEndpointSliceController(rt);
  startIstioGatewayController(rt);
  startAmbientEnrollment(rt);
  return {
    stop: () => rt.stop(),
    settled: () => rt.settled(),
    pods,
  };
}
