// What the stages know about Bookinfo's workloads, read from the cluster as it is: pods are tied
// to deployments by the deployment's selector (not by name), so pods of a hand-applied copy of
// Istio's sample file count exactly like ours.

import type { KubeObject, Pod } from "../model/kube.ts";
import { podRow } from "../model/podRow.ts";
import type { Snapshot } from "../model/snapshot.ts";

export const BOOKINFO_APPS = ["productpage", "details", "reviews", "ratings"] as const;

/** The six deployments of bookinfo.yaml, in the order kubectl reports them. */
export const BOOKINFO_DEPLOYMENTS = [
  "details-v1",
  "ratings-v1",
  "reviews-v1",
  "reviews-v2",
  "reviews-v3",
  "productpage-v1",
] as const;

/** Where the tutorial's files live in an Istio release, for the commands people copy. */
export const SAMPLES = {
  bookinfo: "samples/bookinfo/platform/kube/bookinfo.yaml",
  gateway: "samples/bookinfo/networking/bookinfo-gateway.yaml",
  destinationRules: "samples/bookinfo/networking/destination-rule-all.yaml",
  virtualServicesV1: "samples/bookinfo/networking/virtual-service-all-v1.yaml",
  reviewsTestV2: "samples/bookinfo/networking/virtual-service-reviews-test-v2.yaml",
  ratingsTestDelay: "samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml",
  ratingsTestAbort: "samples/bookinfo/networking/virtual-service-ratings-test-abort.yaml",
  reviews50V3: "samples/bookinfo/networking/virtual-service-reviews-50-v3.yaml",
  reviewsV3: "samples/bookinfo/networking/virtual-service-reviews-v3.yaml",
} as const;

/** A pod that still counts: not being deleted and not finished (evicted pods linger as Failed). */
export function isLive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed";
}

export function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function hasSidecar(pod: Pod): boolean {
  return podRow(pod, 0).sidecar;
}

/** Pods the user opted out of injection; they are never "missing" a sidecar. */
export function optedOutOfInjection(pod: Pod): boolean {
  const value =
    pod.metadata.labels?.["sidecar.istio.io/inject"] ?? pod.metadata.annotations?.["sidecar.istio.io/inject"];
  return value === "false";
}

/** Live pods of the four Bookinfo apps (by their `app` label), whatever created them. */
export function bookinfoPods(snapshot: Snapshot): Pod[] {
  const apps: readonly string[] = BOOKINFO_APPS;
  return snapshot.pods.filter((p) => isLive(p) && apps.includes(p.metadata.labels?.app ?? ""));
}

export function deploymentNamed(snapshot: Snapshot, name: string): KubeObject | undefined {
  return snapshot.deployments.find((d) => d.metadata.name === name);
}

/** Live pods the deployment's selector picks, in the deployment's namespace. */
export function podsOfDeployment(snapshot: Snapshot, deployment: KubeObject): Pod[] {
  const selector = record(record(deployment.spec).selector);
  const namespace = deployment.metadata.namespace;
  return snapshot.pods.filter(
    (p) =>
      isLive(p) &&
      (!namespace || !p.metadata.namespace || p.metadata.namespace === namespace) &&
      selectorMatches(selector, p.metadata.labels ?? {}),
  );
}

export function desiredReplicas(deployment: KubeObject): number {
  const replicas = record(deployment.spec).replicas;
  return typeof replicas === "number" ? replicas : 1;
}

/**
 * Whether the deployment is still replacing pods, by the same status comparison
 * `kubectl rollout status` makes. Unknown (no status yet) counts as not rolling.
 */
export function rolloutInProgress(deployment: KubeObject): boolean {
  const status = record(deployment.status);
  if (Object.keys(status).length === 0) return false;
  const generation = deployment.metadata.generation;
  const observed = number(status.observedGeneration);
  if (generation !== undefined && observed < generation) return true;
  // Counters are omitted from the JSON when zero.
  const updated = number(status.updatedReplicas);
  return (
    updated < desiredReplicas(deployment) ||
    number(status.replicas) > updated ||
    number(status.availableReplicas) < updated
  );
}

/** A metav1.LabelSelector, matchLabels and matchExpressions. An empty selector matches nothing. */
export function selectorMatches(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  const matchLabels = record(selector.matchLabels);
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.map(record) : [];
  if (Object.keys(matchLabels).length === 0 && expressions.length === 0) return false;
  for (const [key, value] of Object.entries(matchLabels)) if (labels[key] !== value) return false;
  for (const e of expressions) {
    const key = String(e.key ?? "");
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = key in labels;
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether every label of the (Istio-style, map) selector is on the pod; empty selects all. */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/** "1 pod" / "3 pods". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "a", "a and b", "a, b and c" for details that name a few things. */
export function listNames(names: readonly string[], max = 3): string {
  if (names.length > max) return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function number(value: unknown): number {
  return typeof value === "number" ? value : 0;
}
