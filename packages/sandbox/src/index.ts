// The sandbox's public surface: start a simulated cluster and reach it like any other, through
// the kubeconfig it hands out. The rest is exported for the project's tests and benchmarks.

export { findResource, findResourceByKind, type ResourceType } from "./api/resources.ts";
export { type DataPlane, startDataPlane } from "./dataplane/index.ts";
export type { IstioProfile } from "./istio/seed.ts";
export type { KubeObject, ObjectMeta, Pod } from "./kube.ts";
export { SANDBOX_CONTEXT, VIEWER_CONTEXT, WORKSHOP_CONTEXT } from "./kubeconfig.ts";
export { freeNodePorts } from "./ports.ts";
export {
  type ApiFaults,
  ISTIO_VERSION,
  SANDBOX_NODE,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
  WORKSHOP_NAMESPACE,
} from "./sandbox.ts";
export { DEFAULT_BUDGET, type StoreBudget } from "./store/budget.ts";
