import type { AdmissionPlugin } from "../api/admission.ts";
import { defaultPodSpec } from "../api/defaults.ts";
import type { KubeObject, Pod } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { KEY } from "./kinds.ts";
import { type LabelSelector, selectorMatches } from "./labelSelector.ts";
import { injectSidecar } from "./sidecarTemplate.ts";

const ISTIO_NAMESPACE = "istio-system";
const INJECT = "sidecar.istio.io/inject";
const STATUS = "sidecar.istio.io/status";
// Istio's injector never touches these, whatever the labels say.
const IGNORED_NAMESPACES = new Set(["kube-system", "kube-public"]);

interface Webhook {
  name?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  rules?: { operations?: string[]; resources?: string[]; apiGroups?: string[] }[];
}

const coversPodCreate = (webhook: Webhook) =>
  (webhook.rules ?? []).some(
    (rule) =>
      (rule.operations ?? []).some((op) => op === "CREATE" || op === "*") &&
      (rule.resources ?? []).some((r) => r === "pods" || r === "*") &&
      (rule.apiGroups ?? [""]).some((g) => g === "" || g === "*"),
  );

/**
 * The Istio injector webhook the API server would call for this pod, found the way the API
 * server finds it: a registered webhook whose rules cover pod CREATE and whose namespace and
 * object selectors match. The seed's `istio-sidecar-injector` encodes Istio's rules
 * (istio-injection=enabled, istio.io/rev, the sidecar.istio.io/inject label) in those selectors.
 */
function matchingInjector(store: Store, pod: Pod): { revision: string } | undefined {
  const namespace = store.get(KEY.namespaces, undefined, pod.metadata.namespace ?? "");
  const namespaceLabels = namespace?.metadata.labels ?? {};
  for (const config of store.peek(KEY.webhooks)) {
    for (const webhook of (config.webhooks as Webhook[] | undefined) ?? []) {
      if (!webhook.name?.endsWith("sidecar-injector.istio.io") || !coversPodCreate(webhook)) continue;
      if (!selectorMatches(webhook.namespaceSelector, namespaceLabels)) continue;
      if (!selectorMatches(webhook.objectSelector, pod.metadata.labels)) continue;
      return { revision: config.metadata.labels?.["istio.io/rev"] ?? "default" };
    }
  }
  return undefined;
}

/** The injector's own checks after the webhook fired (inject.go injectRequired, policy enabled). */
function injectionRequired(pod: Pod): boolean {
  if (pod.spec?.hostNetwork) return false;
  if (IGNORED_NAMESPACES.has(pod.metadata.namespace ?? "")) return false;
  if (pod.metadata.annotations?.[STATUS]) return false;
  // The label is the current API; the annotation is the old one, and the label wins.
  const choice = pod.metadata.labels?.[INJECT] ?? pod.metadata.annotations?.[INJECT];
  if (choice === undefined || choice === "") return true;
  return ["y", "yes", "true", "on"].includes(choice.toLowerCase());
}

/** proxyv2 from the same hub and tag as the revision's istiod, which is how an install pairs them. */
function proxyImage(store: Store, revision: string): string {
  const name = revision === "default" ? "istiod" : `istiod-${revision}`;
  const istiod = store.get(KEY.deployments, ISTIO_NAMESPACE, name);
  const containers = (istiod?.spec as { template?: { spec?: Pod["spec"] } } | undefined)?.template?.spec
    ?.containers;
  const image = (containers?.find((c) => c.name === "discovery") ?? containers?.[0])?.image;
  if (image) {
    const reference = image.split("@", 1)[0] ?? image;
    const slash = reference.lastIndexOf("/");
    const colon = reference.lastIndexOf(":");
    const hub = slash >= 0 ? reference.slice(0, slash) : "docker.io/istio";
    const tag = colon > slash ? reference.slice(colon + 1) : "latest";
    return `${hub}/proxyv2:${tag}`;
  }
  return valuesImage(store.get("configmaps", ISTIO_NAMESPACE, "istio-sidecar-injector"));
}

function valuesImage(configMap: KubeObject | undefined): string {
  try {
    const values = JSON.parse((configMap?.data as { values?: string } | undefined)?.values ?? "{}");
    const hub = values.global?.hub ?? "docker.io/istio";
    return `${hub}/proxyv2:${values.global?.tag ?? "latest"}`;
  } catch {
    return "docker.io/istio/proxyv2:latest";
  }
}

/**
 * Istio's sidecar injection as a mutating admission step at pod CREATE only: pods that existed
 * before their namespace was labelled keep running without a sidecar until they are replaced.
 */
export const sidecarInjection: AdmissionPlugin = ({ operation, resource, object, store }) => {
  if (resource.kind !== "Pod" || operation !== "CREATE") return;
  const pod = object as Pod;
  const injector = matchingInjector(store, pod);
  if (!injector || !injectionRequired(pod)) return;
  injectSidecar(pod, { image: proxyImage(store, injector.revision), revision: injector.revision });
  // The API server defaults what a webhook returns, as it does the request body.
  defaultPodSpec(pod.spec as Record<string, unknown>);
};
