import type { KubeObject } from "../model/kube.ts";
import type { Snapshot } from "../model/snapshot.ts";
import type { Fix } from "./fix.ts";

export type StageId = "inject" | "deploy" | "gateway" | "verify" | "route-v1";

export type StageState = "done" | "pending" | "failed";

export interface StageCheck {
  state: StageState;
  /** One line saying where the stage stands, e.g. "4 of 6 pods Ready". */
  detail: string;
  /** What would fix a failed or stuck stage, as data each view words (see fix.ts). */
  fix?: Fix;
}

/** How the inject stage puts the sidecar in. */
export type InjectMethod = "label" | "istioctl" | "ambient";

/**
 * What a stage may do to the cluster. Each action returns what it did, one line per object,
 * in kubectl's words ("deployment.apps/x restarted"). Implemented by cluster/; the stages never talk
 * to the API server themselves.
 */
export interface ClusterActions {
  /**
   * Server-side apply (field manager kubectl-bookinfo, force) of one of our manifests, each
   * object passed through `edit` first when given (a pure change the stage decides, such as
   * binding the Gateway to a workshop attendee's host).
   */
  applyManifest(file: string, edit?: ManifestEdit): Promise<string[]>;
  /** Set namespace labels (null removes one); creates the namespace when missing. */
  labelNamespace(labels: Record<string, string | null>): Promise<string[]>;
  /** `kubectl rollout restart` for these deployments. */
  restartDeployments(names: string[]): Promise<string[]>;
  /** Runs `istioctl kube-inject` on a manifest and applies the result (never through a shell). */
  applyWithIstioctl(file: string): Promise<string[]>;
}

/** A change to one object of a manifest before it is applied; returns the object to send. */
export type ManifestEdit = (object: KubeObject) => KubeObject;

export interface StageContext {
  actions: ClusterActions;
  snapshot: () => Snapshot;
  inject?: InjectMethod;
}

/** Evidence a stage is judged by: samples of the product page taken right after it applies. */
export interface Evidence {
  samples: number;
}

export interface Stage {
  id: StageId;
  title: string;
  /** Why this step exists, in two or three sentences for a newcomer. */
  why: string;
  /** The equivalent commands a user would type, copyable. */
  commands: (snapshot: Snapshot) => string[];
  /** Files under manifests/ this stage applies, in order. */
  manifests: string[];
  /** How long the stage may take to show done before the tour gives up (image pulls, rollouts). */
  timeoutMs: number;
  /** Samples to take at once after applying, when traffic is what shows the stage worked. */
  evidence?: Evidence;
  check: (snapshot: Snapshot) => StageCheck;
  apply: (context: StageContext) => Promise<void>;
}

/** A group of stages taught together, in order; a later lesson starts where the previous ends. */
export interface Lesson {
  id: string;
  title: string;
  stages: Stage[];
}
