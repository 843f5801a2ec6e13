// `kubectl get` asks for meta.k8s.io/v1 Tables; this picks the printer a real API server would
// use for a resource and wraps the rows the way the server does.

import { istioNetworkingKinds, tableColumns } from "../istio/crds.ts";
import type { KubeObject } from "../kube.ts";
import { configMapPrinter } from "./configmaps.ts";
import { customResourceDefinitionPrinter } from "./customresourcedefinitions.ts";
import { deploymentPrinter } from "./deployments.ts";
import { endpointsPrinter } from "./endpoints.ts";
import { endpointSlicePrinter } from "./endpointslices.ts";
import { eventPrinter } from "./events.ts";
import { crdPrinter, genericPrinter } from "./generic.ts";
import { mutatingWebhookPrinter } from "./mutatingwebhookconfigurations.ts";
import { namespacePrinter } from "./namespaces.ts";
import { nodePrinter } from "./nodes.ts";
import { podPrinter } from "./pods.ts";
import { replicaSetPrinter } from "./replicasets.ts";
import { serviceAccountPrinter } from "./serviceaccounts.ts";
import { servicePrinter } from "./services.ts";
import type { KindPrinter, Table, TableRow } from "./table.ts";

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
  ["namespaces", namespacePrinter],
  ["nodes", nodePrinter],
  ["endpoints", endpointsPrinter],
  ["endpointslices", endpointSlicePrinter],
  ["serviceaccounts", serviceAccountPrinter],
  ["configmaps", configMapPrinter],
  ["events", eventPrinter],
  ["customresourcedefinitions", customResourceDefinitionPrinter],
  ["mutatingwebhookconfigurations", mutatingWebhookPrinter],
  ...istioNetworkingKinds.map((kind) => [kind.plural, crdPrinter(tableColumns(kind))] as const),
]);

/** The printer for a resource (plural name, e.g. "pods"); NAME AGE for anything unknown. */
export function printerFor(resource: string): KindPrinter {
  return printers.get(resource) ?? genericPrinter;
}

export function toTable(
  resource: string,
  objects: KubeObject[],
  now: number,
  resourceVersion: string,
): Table {
  const printer = printerFor(resource);
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
