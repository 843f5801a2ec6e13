// The OpenAPI v3 subset a CustomResourceDefinition's openAPIV3Schema may use
// (apiextensions.k8s.io/v1 JSONSchemaProps), with the Kubernetes extensions the API server reads.

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: ValidationRule[];
  /** Only in published OpenAPI documents, never in a CRD. */
  $ref?: string;
  "x-kubernetes-group-version-kind"?: { group: string; kind: string; version: string }[];
}

/** The schema that applies to the values of an object's keys not named in `properties`. */
export function additionalSchema(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  const extra = schema.additionalProperties;
  if (extra === undefined || extra === false) return undefined;
  // `true` keeps whatever the values hold, like a preserved subtree.
  return extra === true ? { "x-kubernetes-preserve-unknown-fields": true } : extra;
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
