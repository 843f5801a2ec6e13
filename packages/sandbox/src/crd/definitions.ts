// The API server's handling of CustomResourceDefinition objects themselves: defaults (singular,
// listKind, conversion), status owned by the server (reset on create, storedVersions kept up to
// date), and the validation apiextensions applies, in its words.

import type { AdmissionPlugin } from "../api/admission.ts";
import { type FieldCause, invalid } from "../api/status.ts";
import type { JSONSchemaProps } from "../schema/types.ts";
import { fieldErrors } from "../schema/validate.ts";
import { parseJsonPath } from "../tables/jsonpath.ts";
import type { CrdVersion, CustomResourceDefinition } from "./types.ts";

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_MESSAGE =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const APPROVAL_ANNOTATION = "api-approved.kubernetes.io";
const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];
const COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

/** Groups under the Kubernetes project's names need API review to be served as CRDs. */
export const isProtectedGroup = (group: string): boolean =>
  group === "k8s.io" ||
  group.endsWith(".k8s.io") ||
  group === "kubernetes.io" ||
  group.endsWith(".kubernetes.io");

export const crdAdmission: AdmissionPlugin = ({ operation, resource, object, old }) => {
  if (resource.kind !== "CustomResourceDefinition" || resource.group !== "apiextensions.k8s.io") return;
  const crd = object as CustomResourceDefinition;
  crd.spec ??= {};
  applyCrdDefaults(crd);
  const storage = crd.spec.versions?.find((v) => v.storage)?.name;
  if (operation === "CREATE") {
    crd.status = { acceptedNames: { plural: "", kind: "" }, storedVersions: storage ? [storage] : [] };
  } else {
    const previous = old as CustomResourceDefinition | undefined;
    const stored = [...(previous?.status?.storedVersions ?? [])];
    if (storage && !stored.includes(storage)) stored.push(storage);
    crd.status = { ...(previous?.status ?? {}), storedVersions: stored };
  }
  const causes = [
    ...validateCrd(crd),
    ...(operation === "UPDATE" ? validateCrdUpdate(crd, old as CustomResourceDefinition) : []),
  ];
  if (causes.length) throw invalid(resource, crd.metadata.name ?? "", causes);
};

function applyCrdDefaults(crd: CustomResourceDefinition): void {
  const names = crd.spec.names;
  if (names?.kind) {
    names.singular ||= names.kind.toLowerCase();
    names.listKind ||= `${names.kind}List`;
  }
  crd.spec.conversion ??= { strategy: "None" };
}

function validateCrd(crd: CustomResourceDefinition): FieldCause[] {
  const causes: FieldCause[] = [];
  const { spec } = crd;
  const name = crd.metadata.name ?? "";
  const group = spec.group ?? "";
  const names = spec.names ?? {};
  if (name && name !== `${names.plural ?? ""}.${group}`) {
    causes.push(fieldErrors.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (!group) causes.push(fieldErrors.required("spec.group"));
  else if (!DNS1123_SUBDOMAIN.test(group))
    causes.push(fieldErrors.invalid("spec.group", group, DNS1123_SUBDOMAIN_MESSAGE));
  else if (group.split(".").length < 2)
    causes.push(fieldErrors.invalid("spec.group", group, "should be a domain with at least one dot"));
  if (isProtectedGroup(group) && !crd.metadata.annotations?.[APPROVAL_ANNOTATION]) {
    causes.push({
      field: `metadata.annotations[${APPROVAL_ANNOTATION}]`,
      reason: "FieldValueRequired",
      message: `Required value: protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`,
    });
  }
  if (!spec.scope) causes.push(fieldErrors.required("spec.scope"));
  else if (spec.scope !== "Cluster" && spec.scope !== "Namespaced")
    causes.push(fieldErrors.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  causes.push(...validateNames(names));
  causes.push(...validateVersions(spec.versions ?? []));
  return causes;
}

function validateNames(names: NonNullable<CustomResourceDefinition["spec"]["names"]>): FieldCause[] {
  const causes: FieldCause[] = [];
  const label = (field: string, value: string | undefined, lower = false) => {
    if (!value) return;
    if (!DNS1035.test(lower ? value.toLowerCase() : value)) {
      const detail = lower
        ? `may have mixed case, but should otherwise match: ${DNS1035_MESSAGE}`
        : DNS1035_MESSAGE;
      causes.push(fieldErrors.invalid(field, value, detail));
    }
  };
  label("spec.names.plural", names.plural);
  label("spec.names.singular", names.singular);
  label("spec.names.kind", names.kind, true);
  label("spec.names.listKind", names.listKind, true);
  names.shortNames?.forEach((s, i) => {
    label(`spec.names.shortNames[${i}]`, s);
  });
  names.categories?.forEach((c, i) => {
    label(`spec.names.categories[${i}]`, c);
  });
  if (names.kind && names.kind === names.listKind) {
    causes.push(
      fieldErrors.invalid("spec.names.listKind", names.listKind, "kind and listKind may not be the same"),
    );
  }
  if (!names.plural) causes.push(fieldErrors.required("spec.names.plural"));
  if (!names.singular) causes.push(fieldErrors.required("spec.names.singular"));
  if (!names.kind) causes.push(fieldErrors.required("spec.names.kind"));
  if (!names.listKind) causes.push(fieldErrors.required("spec.names.listKind"));
  return causes;
}

/** How Go prints the versions list in these messages (%#v of the internal type, abridged). */
const goVersions = (versions: CrdVersion[]) =>
  `[]apiextensions.CustomResourceDefinitionVersion{${versions
    .map(
      (v) =>
        `apiextensions.CustomResourceDefinitionVersion{Name:${JSON.stringify(v.name ?? "")}, Served:${v.served === true}, Storage:${v.storage === true}}`,
    )
    .join(", ")}}`;

function validateVersions(versions: CrdVersion[]): FieldCause[] {
  const causes: FieldCause[] = [];
  if (versions.length === 0) {
    causes.push({
      field: "spec.versions",
      reason: "FieldValueRequired",
      message: "Required value: must have at least one version",
    });
    return causes;
  }
  const seen = new Set<string>();
  let unique = true;
  versions.forEach((v, i) => {
    const at = `spec.versions[${i}]`;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    if (!v.name) causes.push(fieldErrors.required(`${at}.name`));
    else if (!DNS1035.test(v.name)) causes.push(fieldErrors.invalid(`${at}.name`, v.name, DNS1035_MESSAGE));
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) {
      causes.push({
        field: `${at}.schema.openAPIV3Schema`,
        reason: "FieldValueRequired",
        message: "Required value: schemas are required",
      });
    } else causes.push(...structuralProblems(schema, `${at}.schema.openAPIV3Schema`, true));
    (v.additionalPrinterColumns ?? []).forEach((column, j) => {
      const c = `${at}.additionalPrinterColumns[${j}]`;
      if (!column.name) causes.push(fieldErrors.required(`${c}.name`));
      if (!column.type) {
        causes.push({
          field: `${c}.type`,
          reason: "FieldValueRequired",
          message: `Required value: must be one of ${COLUMN_TYPES.join(",")}`,
        });
      } else if (!COLUMN_TYPES.includes(column.type)) {
        causes.push(fieldErrors.notSupported(`${c}.type`, column.type, COLUMN_TYPES));
      }
      if (column.format && !COLUMN_FORMATS.includes(column.format)) {
        causes.push(fieldErrors.notSupported(`${c}.format`, column.format, COLUMN_FORMATS));
      }
      if (!column.jsonPath) causes.push(fieldErrors.required(`${c}.jsonPath`));
      else if (!column.jsonPath.startsWith(".") || !parseJsonPath(column.jsonPath)) {
        causes.push(
          fieldErrors.invalid(`${c}.jsonPath`, column.jsonPath, "must be a simple json path starting with ."),
        );
      }
    });
  });
  if (!unique) {
    causes.push({
      field: "spec.versions",
      reason: "FieldValueInvalid",
      message: `Invalid value: ${goVersions(versions)}: must contain unique version names`,
    });
  }
  if (versions.filter((v) => v.storage).length !== 1) {
    causes.push({
      field: "spec.versions",
      reason: "FieldValueInvalid",
      message: `Invalid value: ${goVersions(versions)}: must have exactly one version marked as storage version`,
    });
  }
  return causes;
}

/** The structural-schema rules the sandbox checks: every specified node has a type. */
function structuralProblems(schema: JSONSchemaProps, path: string, root: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  const typed =
    schema.type || schema["x-kubernetes-int-or-string"] || schema["x-kubernetes-preserve-unknown-fields"];
  if (!typed) {
    causes.push({
      field: `${path}.type`,
      reason: "FieldValueRequired",
      message: root
        ? "Required value: must not be empty at the root"
        : "Required value: must not be empty for specified object fields",
    });
  } else if (root && schema.type && schema.type !== "object") {
    causes.push(fieldErrors.invalid(`${path}.type`, schema.type, "must be object at the root"));
  }
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    causes.push(...structuralProblems(property, `${path}.properties[${key}]`, false));
  }
  if (schema.items) causes.push(...structuralProblems(schema.items, `${path}.items`, false));
  if (typeof schema.additionalProperties === "object") {
    causes.push(...structuralProblems(schema.additionalProperties, `${path}.additionalProperties`, false));
  }
  return causes;
}

function validateCrdUpdate(
  crd: CustomResourceDefinition,
  old: CustomResourceDefinition | undefined,
): FieldCause[] {
  if (!old) return [];
  const causes: FieldCause[] = [];
  if (old.spec.scope && crd.spec.scope !== old.spec.scope) {
    causes.push(fieldErrors.invalid("spec.scope", crd.spec.scope, "field is immutable"));
  }
  if (old.spec.names?.plural && crd.spec.names?.plural !== old.spec.names.plural) {
    causes.push(fieldErrors.invalid("spec.names.plural", crd.spec.names?.plural, "field is immutable"));
  }
  const declared = new Set((crd.spec.versions ?? []).map((v) => v.name));
  (crd.status?.storedVersions ?? []).forEach((v, i) => {
    if (!declared.has(v))
      causes.push(fieldErrors.invalid(`status.storedVersions[${i}]`, v, "must appear in spec.versions"));
  });
  return causes;
}
