import type { KubeObject } from "../model/kube.ts";
import type { Snapshot } from "../model/snapshot.ts";
import type { Fix } from "./fix.ts";

export type StageId =
  | "inject"
  | "deploy"
  | "gateway"
  | "verify"
  | "route-v1"
  | "route-jason"
  | "fault-delay"
  | "fault-abort"
  | "canary-50"
  | "canary-100"
  | "timeout"
  | "cleanup";

export type StageState = "done" | "pending" | "failed";

export interface StageCheck {
  state: StageState;
  /** One line saying where the stage stands, e.g. "4 of 6 pods Ready". */
  detail: string;
  /** What would fix a failed or stuck stage, as data each view words (see fix.ts). */
  fix?: Fix;
  /** Nothing of the stage is in the cluster yet, and nothing of it is being judged: it is ahead. */
  notApplied?: boolean;
  /** What the measured outcome means, in two or three sentences (why jason's page takes 6 s). */
  explain?: string;
  /** Something worth trying next once done (a shorter delay that fixes the page), as data. */
  offer?: Fix;
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
   * Server-side apply (field manager kubectl-bookinfo) of one of our manifests, each object
   * first passed through `edit` when given (weights or a delay the person chose). An object
   * that exists and was not made by the tour is left alone and the apply stops, unless the run
   * was asked to take such objects over.
   */
  applyManifest(file: string, edit?: ManifestEdit): Promise<string[]>;
  /** Set namespace labels (null removes one); creates the namespace when missing. */
  labelNamespace(labels: Record<string, string | null>): Promise<string[]>;
  /** `kubectl rollout restart` for these deployments. */
  restartDeployments(names: string[]): Promise<string[]>;
  /** Runs `istioctl kube-inject` on a manifest and applies the result (never through a shell). */
  applyWithIstioctl(file: string): Promise<string[]>;
}

/** What a person may choose for a stage that takes a choice (`run --weights 90/10`, the tour's list). */
export interface StageParameters {
  /** canary-50: the split between reviews v1 and v3, in weights (normalised by their sum). */
  weights?: { v1: number; v3: number };
  /** fault-delay: the delay on jason's calls to ratings. */
  delayMs?: number;
}

/** A change to one object of a manifest before it is applied; returns the object to send. */
export type ManifestEdit = (object: KubeObject) => KubeObject;

export interface StageContext {
  actions: ClusterActions;
  snapshot: () => Snapshot;
  inject?: InjectMethod;
  parameters?: StageParameters;
  /** Says something about what the stage did that no single object's line says ("removed the 2 s delay"). */
  note?: (line: string) => void;
}

/**
 * Evidence a stage is judged by: samples of the product page taken right after it applies, in
 * each stream named (the anonymous one when none is).
 */
export interface Evidence {
  samples: number;
  streams?: string[];
}

/** A choice a stage offers before it runs; the tour lists the options, `run` takes a flag. */
export interface StageChoice {
  /** The question, e.g. "How much of the reviews traffic goes to v3?". */
  prompt: string;
  /** The flag of `run` and the tour that answers it ahead of time. */
  flag: string;
  options: { label: string; parameters: StageParameters }[];
  /** The option the tutorial itself takes, by index. */
  default: number;
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
  /** Asked before the stage runs, when it takes a choice. */
  choice?: StageChoice;
  check: (snapshot: Snapshot) => StageCheck;
  apply: (context: StageContext) => Promise<void>;
}

/** A group of stages taught together, in order; a later lesson starts where the previous ends. */
export interface Lesson {
  id: string;
  title: string;
  stages: Stage[];
}
