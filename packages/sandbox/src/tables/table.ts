// The meta.k8s.io/v1 Table shapes the sandbox answers `kubectl get` with, and the contract every
// per-kind printer fulfils. kubectl renders whatever cells it receives, so each printer decides
// the exact text of a real API server's column.

import type { KubeObject, ObjectMeta } from "../kube.ts";

/** One column of a meta.k8s.io/v1 Table; priority 1 columns show only with `-o wide`. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** What a cell may hold on the wire; null is what the API server sends for a missing CRD field. */
export type TableCell = string | number | boolean | null;

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: TableCell[];
  /** Only present when non-empty, like the server's omitempty field. */
  conditions?: TableRowCondition[];
  object: { kind: "PartialObjectMetadata"; apiVersion: "meta.k8s.io/v1"; metadata: ObjectMeta };
}

export interface Table {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export interface KindPrinter {
  columns: ColumnDefinition[];
  /** Every column's cell, wide ones included: the server always sends them and kubectl hides them. */
  cells(object: KubeObject, now: number): TableCell[];
  conditions?(object: KubeObject): TableRowCondition[] | undefined;
}

interface ColumnOptions {
  type?: string;
  format?: string;
  priority?: number;
}

export function column(name: string, description: string, options: ColumnOptions = {}): ColumnDefinition {
  return {
    name,
    type: options.type ?? "string",
    format: options.format ?? "",
    description,
    priority: options.priority ?? 0,
  };
}

export const nameColumn = column("Name", "The object's name, unique in its namespace or cluster.", {
  format: "name",
});
export const ageColumn = column("Age", "Time since the object was created.");

/** Priority 1 marks a column that only `kubectl get -o wide` shows. */
export const WIDE = { priority: 1 } as const;
