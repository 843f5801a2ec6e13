import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";
import type { ResourceType } from "./resources.ts";

export type Operation = "CREATE" | "UPDATE";

export interface AdmissionRequest {
  operation: Operation;
  resource: ResourceType;
  /** The object about to be stored; admission plugins mutate it in place. */
  object: KubeObject;
  old?: KubeObject;
  store: Store;
}

/**
 * A mutating or validating step every write passes, in order, before it is stored: defaults,
 * Istio's sidecar injector, validation. Plugins throw a StatusError to refuse a write.
 */
export type AdmissionPlugin = (request: AdmissionRequest) => void;
