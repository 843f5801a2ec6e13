import type { Snapshot } from "../model/snapshot.ts";

export type StageId = "inject" | "deploy" | "gateway" | "verify" | "route-v1";
export const STAGE_IDS: StageId[] = ["inject", "deploy", "gateway", "verify", "route-v1"];

export type StageState = "done" | "pending" | "failed";

export interface StageCheck {
  state: StageState;
  /** One line saying where the stage stands, e.g. "4 of 6 pods Ready". */
  detail: string;
  /** On failure: what to do about it, e.g. "press r to restart them" / "run `kubectl ...`". */
  fix?: string;
}

/** How the inject stage puts the sidecar in. */
export type InjectMethod = "label" | "istioctl" | "ambient";

/**
 * What a stage may do to the cluster. Each action returns what it did, one line per object,
 * in kubectl's words ("deployment.apps/x restarted"). Implemented by cluster/; the stages never talk
 * to the API server themselves.
 */
export interface ClusterActions {
  /** Server-side apply (field manager kubectl-bookinfo, force) of one of our manifests. */
  applyManifest(file: string): Promise<string[]>;
  /** Set namespace labels (null removes one); creates the namespace when missing. */
  labelNamespace(labels: Record<string, string | null>): Promise<string[]>;
  /** `kubectl rollout restart` for these deployments. */
  restartDeployments(names: string[]): Promise<string[]>;
  /** Runs `istioctl kube-inject` on a manifest and applies the result (never through a shell). */
  applyWithIstioctl(file: string): Promise<string[]>;
}

export interface StageContext {
  actions: ClusterActions;
  snapshot: () => Snapshot;
  inject?: InjectMethod;
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
  check: (snapshot: Snapshot) => StageCheck;
  apply: (context: StageContext) => Promise<void>;
}
