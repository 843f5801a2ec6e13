// ValidatingAdmissionPolicy and its binding, as the API server's printers show them. The sandbox
// stores policies (the Gateway API bundle installs one) but does not evaluate their CEL.

import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

interface PolicySpec {
  validations?: unknown[];
  paramKind?: { apiVersion?: string; kind?: string };
}

interface BindingSpec {
  policyName?: string;
  paramRef?: { name?: string; namespace?: string; selector?: { matchLabels?: Record<string, string> } };
}

const specOf = <T>(object: KubeObject): T => (object.spec ?? {}) as T;

export const validatingAdmissionPolicyPrinter: KindPrinter = {
  columns: [
    nameColumn,
    column("Validations", "Number of validation rules in the policy.", { type: "integer" }),
    column("ParamKind", "The kind of resource that parameterizes the policy."),
    ageColumn,
  ],
  cells(object, now) {
    const spec = specOf<PolicySpec>(object);
    const paramKind = spec.paramKind
      ? `${spec.paramKind.apiVersion ?? ""}/${spec.paramKind.kind ?? ""}`
      : "<unset>";
    return [
      object.metadata.name ?? "",
      spec.validations?.length ?? 0,
      paramKind,
      age(object.metadata.creationTimestamp, now),
    ];
  },
};

function paramRefText(ref: BindingSpec["paramRef"]): string {
  if (!ref) return "<unset>";
  if (ref.name) return ref.namespace ? `${ref.namespace}/${ref.name}` : `*/${ref.name}`;
  const labels = Object.entries(ref.selector?.matchLabels ?? {});
  return labels.map(([k, v]) => `${k}=${v}`).join(",") || "<unset>";
}

export const validatingAdmissionPolicyBindingPrinter: KindPrinter = {
  columns: [
    nameColumn,
    column("PolicyName", "The name of the policy the binding applies."),
    column("ParamRef", "The parameter resource the binding passes to the policy."),
    ageColumn,
  ],
  cells(object, now) {
    const spec = specOf<BindingSpec>(object);
    return [
      object.metadata.name ?? "",
      spec.policyName ?? "",
      paramRefText(spec.paramRef),
      age(object.metadata.creationTimestamp, now),
    ];
  },
};
