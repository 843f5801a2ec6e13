import type { KubeObject } from "../kube.ts";
import type { AdmissionPlugin } from "./admission.ts";
import { type FieldCause, invalid } from "./status.ts";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

function nameCauses(kind: string, name: string): FieldCause[] {
  if (kind === "Service") {
    if (name.length > 63 || !DNS1035_LABEL.test(name)) {
      return [
        {
          field: "metadata.name",
          message: `Invalid value: "${name}": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
        },
      ];
    }
    return [];
  }
  if (kind === "Namespace") {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [
        {
          field: "metadata.name",
          message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        },
      ];
    }
    return [];
  }
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      {
        field: "metadata.name",
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      },
    ];
  }
  return [];
}

function specCauses(object: KubeObject): FieldCause[] {
  const spec = obj(object.spec);
  const required = (field: string): FieldCause => ({
    field,
    message: "Required value",
    reason: "FieldValueRequired",
  });
  switch (object.kind) {
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
      if (typeof spec.replicas === "number" && spec.replicas < 0) {
        causes.push({
          field: "spec.replicas",
          message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
        });
      }
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
    ...(operation === "CREATE" && !namedByPath ? nameCauses(resource.kind, name) : []),
    ...specCauses(object),
  ];
  if (operation === "UPDATE" && old && (resource.kind === "Deployment" || resource.kind === "DaemonSet")) {
    const before = JSON.stringify(obj(old.spec).selector);
    if (before !== JSON.stringify(obj(object.spec).selector)) {
      causes.push({ field: "spec.selector", message: "Invalid value: field is immutable" });
    }
  }
  if (causes.length) throw invalid(resource, name, causes);
};
