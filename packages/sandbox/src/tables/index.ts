// `kubectl get` asks for meta.k8s.io/v1 Tables; this picks the printer a real API server would
// use for a resource and wraps the rows the way the server does.

import type { ResourceType } from "../api/resources.ts";
import type { PrinterColumnSpec } from "../crd/types.ts";
import type { KubeObject } from "../kube.ts";
import { configMapPrinter } from "./configmaps.ts";
import { customResourceDefinitionPrinter } from "./customresourcedefinitions.ts";
import { daemonSetPrinter } from "./daemonsets.ts";
import { deploymentPrinter } from "./deployments.ts";
import { endpointsPrinter } from "./endpoints.ts";
import { endpointSlicePrinter } from "./endpointslices.ts";
import { eventPrinter } from "./events.ts";
import { crdPrinter, defaultPrinterColumns, genericPrinter } from "./generic.ts";
import { mutatingWebhookPrinter } from "./mutatingwebhookconfigurations.ts";
import { namespacePrinter } from "./namespaces.ts";
import { nodePrinter } from "./nodes.ts";
import { podPrinter } from "./pods.ts";
import { replicaSetPrinter } from "./replicasets.ts";
import { roleBindingPrinter } from "./rolebindings.ts";
import { rolePrinter } from "./roles.ts";
import { serviceAccountPrinter } from "./serviceaccounts.ts";
import { servicePrinter } from "./services.ts";
import type { KindPrinter, Table, TableRow } from "./table.ts";
import {
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
} from "./validatingadmissionpolicies.ts";
import { validatingWebhookPrinter } from "./validatingwebhookconfigurations.ts";

export type {
  ColumnDefinition,
  KindPrinter,
  Table,
  TableCell,
  TableRow,
  TableRowCondition,
} from "./table.ts";

const printers = new Map<string, KindPrinter>([
  ["pods", podPrinter],
  ["services", servicePrinter],
  ["deployments", deploymentPrinter],
  ["replicasets", replicaSetPrinter],
  ["daemonsets", daemonSetPrinter],
  ["namespaces", namespacePrinter],
  ["nodes", nodePrinter],
  ["endpoints", endpointsPrinter],
  ["endpointslices", endpointSlicePrinter],
  ["serviceaccounts", serviceAccountPrinter],
  ["configmaps", configMapPrinter],
  ["events", eventPrinter],
  ["customresourcedefinitions", customResourceDefinitionPrinter],
  ["mutatingwebhookconfigurations", mutatingWebhookPrinter],
  ["roles", rolePrinter],
  ["clusterroles", rolePrinter],
  ["rolebindings", roleBindingPrinter],
  ["clusterrolebindings", roleBindingPrinter],
  ["validatingwebhookconfigurations", validatingWebhookPrinter],
  ["validatingadmissionpolicies", validatingAdmissionPolicyPrinter],
  ["validatingadmissionpolicybindings", validatingAdmissionPolicyBindingPrinter],
]);

const customPrinters = new WeakMap<PrinterColumnSpec[], KindPrinter>();

/** A custom resource's printer: its CRD version's additionalPrinterColumns, or Age alone. */
function customPrinter(columns: PrinterColumnSpec[]): KindPrinter {
  let printer = customPrinters.get(columns);
  if (!printer) {
    printer = crdPrinter(columns.length > 0 ? columns : defaultPrinterColumns);
    customPrinters.set(columns, printer);
  }
  return printer;
}

/**
 * The printer for a resource: a built-in kind's own (by plural, e.g. "pods"), a custom resource's
 * columns at `version`, or NAME AGE for anything else.
 */
export function printerFor(resource: string | ResourceType, version?: string): KindPrinter {
  if (typeof resource !== "string" && resource.custom) {
    const columns = resource.custom.versions[version ?? ""]?.printerColumns;
    return columns ? customPrinter(columns) : genericPrinter;
  }
  return printers.get(typeof resource === "string" ? resource : resource.plural) ?? genericPrinter;
}

export function toTable(
  resource: string | ResourceType,
  objects: KubeObject[],
  now: number,
  resourceVersion: string,
  version?: string,
): Table {
  const printer = printerFor(resource, version);
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => tableRow(printer, object, now)),
  };
}

function tableRow(printer: KindPrinter, object: KubeObject, now: number): TableRow {
  const conditions = printer.conditions?.(object);
  return {
    cells: printer.cells(object, now),
    ...(conditions?.length ? { conditions } : {}),
    // kubectl reads namespace and labels from here for -A, --show-labels and -L.
    object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { ...object.metadata } },
  };
}
