import type { KubeObject } from "../kube.ts";
import type { AdmissionPlugin } from "./admission.ts";
import { labelValueErrors, qualifiedNameErrors } from "./labelSyntax.ts";
import { type FieldCause, invalid } from "./status.ts";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** How a kind's names are checked: Services are DNS-1035 labels, Namespaces RFC 1123 labels. */
function nameRule(kind: string): { max: number; pattern: RegExp; message: string } {
  if (kind === "Service") return { max: 63, pattern: DNS1035_LABEL, message: DNS1035_MESSAGE };
  if (kind === "Namespace") return { max: 63, pattern: DNS1123_LABEL, message: LABEL_MESSAGE };
  return { max: 253, pattern: DNS1123_SUBDOMAIN, message: SUBDOMAIN_MESSAGE };
}

/** Go's IsDNS1123Subdomain and friends: the length first, then the pattern, each its own cause. */
function nameCauses(kind: string, field: string, name: string, prefix = false): FieldCause[] {
  const rule = nameRule(kind);
  // A generateName is a prefix: a trailing "-" is fine there, the random suffix follows it.
  const checked = prefix ? name.replace(/-$/, "a") : name;
  const causes: FieldCause[] = [];
  const invalidValue = (detail: string) => ({
    field,
    message: `Invalid value: ${JSON.stringify(name)}: ${detail}`,
  });
  if (checked.length > rule.max) causes.push(invalidValue(`must be no more than ${rule.max} characters`));
  if (!rule.pattern.test(checked)) causes.push(invalidValue(rule.message));
  return causes;
}

/** Label keys and values (ValidateLabels), every problem a cause on the map's field. */
function labelCauses(field: string, labels: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const map = obj(labels);
  for (const key of Object.keys(map).sort()) {
    for (const message of qualifiedNameErrors(key))
      causes.push({ field, message: `Invalid value: ${JSON.stringify(key)}: ${message}` });
    // A null value decodes as the empty string, as Go's decoder leaves it.
    if (map[key] === null) map[key] = "";
    const value = String(map[key]);
    for (const message of labelValueErrors(value))
      causes.push({ field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` });
  }
  return causes;
}

/** The API server's limit on all annotations of one object together. */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function annotationCauses(annotations: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const map = obj(annotations);
  let size = 0;
  for (const key of Object.keys(map).sort()) {
    for (const message of qualifiedNameErrors(key.toLowerCase()))
      causes.push({
        field: "metadata.annotations",
        message: `Invalid value: ${JSON.stringify(key)}: ${message}`,
      });
    if (map[key] === null) map[key] = "";
    size += Buffer.byteLength(key) + Buffer.byteLength(String(map[key]));
  }
  if (size > ANNOTATIONS_MAX_BYTES)
    causes.push({
      field: "metadata.annotations",
      message: `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`,
      reason: "FieldValueTooLong",
    });
  return causes;
}

/** ValidateObjectMeta: names on create, then labels, annotations and finalizers on every write. */
function metadataCauses(kind: string, object: KubeObject, creating: boolean): FieldCause[] {
  const meta = object.metadata;
  const causes: FieldCause[] = [];
  if (creating) {
    if (meta.generateName && !object.metadata.name?.startsWith(meta.generateName))
      causes.push(...nameCauses(kind, "metadata.generateName", meta.generateName, true));
    causes.push(...nameCauses(kind, "metadata.name", meta.name ?? ""));
  }
  causes.push(...labelCauses("metadata.labels", meta.labels));
  causes.push(...annotationCauses(meta.annotations));
  (meta.finalizers ?? []).forEach((finalizer, i) => {
    for (const message of qualifiedNameErrors(String(finalizer)))
      causes.push({
        field: `metadata.finalizers[${i}]`,
        message: `Invalid value: ${JSON.stringify(finalizer)}: ${message}`,
      });
  });
  return causes;
}

function specCauses(kind: string, object: KubeObject): FieldCause[] {
  const spec = obj(object.spec);
  const required = (field: string): FieldCause => ({
    field,
    message: "Required value",
    reason: "FieldValueRequired",
  });
  switch (kind) {
    case "Pod":
      return (spec.containers as unknown[] | undefined)?.length ? [] : [required("spec.containers")];
    case "Deployment":
    case "ReplicaSet":
    case "DaemonSet": {
      const causes: FieldCause[] = [];
      const selector = obj(spec.selector);
      const template = obj(spec.template);
      const templateLabels = obj(obj(template.metadata).labels);
      if (!spec.selector) causes.push(required("spec.selector"));
      const matchLabels = obj(selector.matchLabels);
      const mismatch = Object.entries(matchLabels).some(([k, v]) => templateLabels[k] !== v);
      if (spec.selector && mismatch) {
        causes.push({
          field: "spec.template.metadata.labels",
          message: `Invalid value: ${JSON.stringify(templateLabels)}: \`selector\` does not match template \`labels\``,
        });
      }
      if (!(obj(template.spec).containers as unknown[] | undefined)?.length) {
        causes.push(required("spec.template.spec.containers"));
      }
      for (const field of [
        "replicas",
        "minReadySeconds",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
      ]) {
        const value = spec[field];
        if (typeof value === "number" && value < 0)
          causes.push({
            field: `spec.${field}`,
            message: `Invalid value: ${value}: must be greater than or equal to 0`,
          });
      }
      causes.push(...labelCauses("spec.selector.matchLabels", selector.matchLabels));
      causes.push(...labelCauses("spec.template.metadata.labels", templateLabels));
      return causes;
    }
    case "Service":
      return spec.clusterIP === "None" || (spec.ports as unknown[] | undefined)?.length
        ? []
        : [required("spec.ports")];
    default:
      return [];
  }
}

/** Refuses what a real API server refuses with 422, in its wording, for the kinds the tour touches. */
export const validate: AdmissionPlugin = ({ operation, resource, object, old }) => {
  const name = object.metadata.name ?? "";
  // RBAC names are path segments (system:basic-user); the RBAC admission plugin checks them.
  const namedByPath = resource.group === "rbac.authorization.k8s.io";
  const causes = [
    ...metadataCauses(resource.kind, object, operation === "CREATE" && !namedByPath),
    ...specCauses(resource.kind, object),
  ];
  if (operation === "UPDATE" && old && (resource.kind === "Deployment" || resource.kind === "DaemonSet")) {
    const before = JSON.stringify(obj(old.spec).selector);
    if (before !== JSON.stringify(obj(object.spec).selector)) {
      causes.push({ field: "spec.selector", message: "Invalid value: field is immutable" });
    }
  }
  if (causes.length) throw invalid(resource, name, causes);
};
