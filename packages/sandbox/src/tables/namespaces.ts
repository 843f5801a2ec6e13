import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

export interface Namespace extends KubeObject {
  status?: { phase?: string };
}

export const namespaceColumns = [
  nameColumn,
  column("Status", "Active, or Terminating while being deleted."),
  ageColumn,
];

export const namespacePrinter: KindPrinter = {
  columns: namespaceColumns,
  cells(object, now) {
    const namespace = object as Namespace;
    return [
      namespace.metadata.name ?? "",
      namespace.status?.phase ?? "",
      age(namespace.metadata.creationTimestamp, now),
    ];
  },
};
