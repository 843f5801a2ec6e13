// Istio's validating webhook: istiod registers ValidatingWebhookConfigurations for its API groups,
// and the API server calls it on every create and update of an Istio object. The sandbox finds
// the webhook the way the API server does (registered configurations, rules, object and namespace
// selectors), runs Istio's validation and refuses the write with the webhook's own words:
// `admission webhook "validation.istio.io" denied the request: configuration is invalid: ...`.

import type { AdmissionPlugin } from "../api/admission.ts";
import { StatusError } from "../api/status.ts";
import { type LabelSelector, selectorMatches } from "../controllers/labelSelector.ts";
import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { type Errors, render } from "./validation/errors.ts";
import {
  validateAuthorizationPolicy,
  validateDestinationRule,
  validateGateway,
  validatePeerAuthentication,
  validateProxyConfig,
  validateRequestAuthentication,
  validateServiceEntry,
  validateSidecar,
  validateTelemetry,
} from "./validation/others.ts";
import { validateVirtualService } from "./validation/virtualService.ts";

const ISTIO_NS = "istio-system";
const VALIDATING_WEBHOOKS = "validatingwebhookconfigurations.admissionregistration.k8s.io";
const ISTIO_GROUPS = [
  "security.istio.io",
  "networking.istio.io",
  "telemetry.istio.io",
  "extensions.istio.io",
];

type Spec = Record<string, unknown>;
type Validator = (spec: Spec, object: KubeObject) => Errors;

const VALIDATORS: Record<string, Validator> = {
  "networking.istio.io/VirtualService": (spec, o) => validateVirtualService(spec, o.metadata.namespace ?? ""),
  "networking.istio.io/Gateway": (spec, o) => validateGateway(spec, o.metadata.name ?? ""),
  "networking.istio.io/DestinationRule": (spec, o) =>
    validateDestinationRule(spec, o.metadata.namespace ?? ""),
  "networking.istio.io/ServiceEntry": (spec, o) => validateServiceEntry(spec, o.metadata.namespace ?? ""),
  "networking.istio.io/Sidecar": (spec) => validateSidecar(spec),
  "networking.istio.io/ProxyConfig": (spec) => validateProxyConfig(spec),
  "security.istio.io/PeerAuthentication": (spec) => validatePeerAuthentication(spec),
  "security.istio.io/AuthorizationPolicy": (spec, o) =>
    validateAuthorizationPolicy(spec, o.metadata.name ?? "", o.metadata.namespace ?? ""),
  "security.istio.io/RequestAuthentication": (spec) => validateRequestAuthentication(spec),
  "telemetry.istio.io/Telemetry": (spec) => validateTelemetry(spec),
};

interface Rule {
  apiGroups?: string[];
  apiVersions?: string[];
  operations?: string[];
  resources?: string[];
}

interface Webhook {
  name?: string;
  clientConfig?: { service?: { name?: string; namespace?: string; path?: string } };
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  rules?: Rule[];
}

const covers = (values: string[] | undefined, value: string) =>
  (values ?? []).some((v) => v === "*" || v === value);

/** Whether a webhook is istiod's validation endpoint. */
const callsIstiod = (webhook: Webhook) => {
  const service = webhook.clientConfig?.service;
  return (
    service?.namespace === ISTIO_NS &&
    service.name?.startsWith("istiod") === true &&
    service.path === "/validate"
  );
};

function matchingWebhook(
  store: Store,
  group: string,
  version: string,
  plural: string,
  operation: string,
  object: KubeObject,
): string | undefined {
  const namespace = store.get("namespaces", undefined, object.metadata.namespace ?? "");
  const configurations = [...store.peek(VALIDATING_WEBHOOKS)].sort((a, b) =>
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
  );
  for (const configuration of configurations) {
    for (const webhook of (configuration.webhooks as Webhook[] | undefined) ?? []) {
      if (!callsIstiod(webhook)) continue;
      const ruleMatches = (webhook.rules ?? []).some(
        (rule) =>
          covers(rule.apiGroups, group) &&
          covers(rule.apiVersions, version) &&
          covers(rule.operations, operation) &&
          covers(rule.resources, plural),
      );
      if (!ruleMatches) continue;
      if (!selectorMatches(webhook.objectSelector, object.metadata.labels)) continue;
      if (!selectorMatches(webhook.namespaceSelector, namespace?.metadata.labels)) continue;
      return webhook.name;
    }
  }
  return undefined;
}

export const istioValidation: AdmissionPlugin = ({ operation, resource, object, store }) => {
  if (!resource.custom || !ISTIO_GROUPS.includes(resource.group)) return;
  const validator = VALIDATORS[`${resource.group}/${resource.kind}`];
  const version = object.apiVersion?.split("/")[1] ?? resource.versions[0] ?? "";
  const webhook = matchingWebhook(store, resource.group, version, resource.plural, operation, object);
  if (!webhook) return;
  const annotations = object.metadata.annotations ?? {};
  let reason: string | undefined;
  if ("istio.io/dry-run" in annotations && resource.kind !== "AuthorizationPolicy") {
    reason = `${object.metadata.namespace}/${object.metadata.name} has unsupported annotation istio.io/dry-run, please remove the annotation`;
  } else if (validator) {
    const errors = validator((object.spec ?? {}) as Spec, object);
    if (errors.messages.length) reason = render(errors);
  }
  if (reason === undefined) return;
  // Istio answers without a code or reason; the API server makes it a 400 with no reason.
  throw new StatusError(
    400,
    "",
    `admission webhook ${JSON.stringify(webhook)} denied the request: configuration is invalid: ${reason}`,
  );
};

/**
 * The two configurations `istioctl install` registers for the default revision: objects labelled
 * with the revision go to `rev.validation.istio.io`, everything else to `validation.istio.io`.
 */
export function istioValidatingWebhooks(labels: Record<string, string>): KubeObject[] {
  const webhook = (name: string, objectSelector: LabelSelector) => ({
    admissionReviewVersions: ["v1"],
    clientConfig: { service: { name: "istiod", namespace: ISTIO_NS, path: "/validate", port: 443 } },
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    name,
    namespaceSelector: {},
    objectSelector,
    rules: [
      {
        apiGroups: [...ISTIO_GROUPS],
        apiVersions: ["*"],
        operations: ["CREATE", "UPDATE"],
        resources: ["*"],
        scope: "*",
      },
    ],
    sideEffects: "None",
    timeoutSeconds: 10,
  });
  const configuration = (
    name: string,
    extraLabels: Record<string, string>,
    hook: ReturnType<typeof webhook>,
  ) => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name, labels: { app: "istiod", istio: "istiod", ...labels, ...extraLabels } },
    webhooks: [hook],
  });
  return [
    configuration(
      "istio-validator-istio-system",
      {},
      webhook("rev.validation.istio.io", {
        matchExpressions: [{ key: "istio.io/rev", operator: "In", values: ["default"] }],
      }),
    ),
    configuration(
      "istiod-default-validator",
      { "istio.io/tag": "default" },
      webhook("validation.istio.io", {
        matchExpressions: [{ key: "istio.io/rev", operator: "DoesNotExist" }],
      }),
    ),
  ];
}
