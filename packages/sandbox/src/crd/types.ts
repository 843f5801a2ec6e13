// apiextensions.k8s.io/v1 CustomResourceDefinition, as far as the sandbox reads it.

import type { KubeObject } from "../kube.ts";
import type { JSONSchemaProps } from "../schema/types.ts";

export interface CrdNames {
  plural?: string;
  singular?: string;
  kind?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface PrinterColumnSpec {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface ScaleSubresource {
  specReplicasPath?: string;
  statusReplicasPath?: string;
  labelSelectorPath?: string;
}

export interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: Record<string, never>; scale?: ScaleSubresource };
  additionalPrinterColumns?: PrinterColumnSpec[];
}

export interface CrdCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CrdSpec {
  group?: string;
  names?: CrdNames;
  scope?: string;
  versions?: CrdVersion[];
  conversion?: { strategy?: string };
  preserveUnknownFields?: boolean;
}

export interface CrdStatus {
  acceptedNames?: CrdNames;
  conditions?: CrdCondition[];
  storedVersions?: string[];
}

export interface CustomResourceDefinition extends KubeObject {
  spec: CrdSpec;
  status?: CrdStatus;
}

export const CRD_STORAGE_KEY = "customresourcedefinitions.apiextensions.k8s.io";

export const conditionOf = (crd: CustomResourceDefinition, type: string): CrdCondition | undefined =>
  crd.status?.conditions?.find((c) => c.type === type);

export const isEstablished = (crd: CustomResourceDefinition): boolean =>
  conditionOf(crd, "Established")?.status === "True";
