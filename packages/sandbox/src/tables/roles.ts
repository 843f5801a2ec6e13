// Roles and ClusterRoles have no printer of their own in the API server: they get its default
// table, the name and the creation time in RFC 3339 (`kubectl get clusterroles`: NAME, CREATED AT).

import { column, type KindPrinter, nameColumn } from "./table.ts";

export const roleColumns = [
  nameColumn,
  column("Created At", "When the object was created.", { type: "date" }),
];

/** The creation time as Go's time.RFC3339 in UTC; a missing one is Go's zero time. */
export function createdAt(timestamp: string | undefined): string {
  const parsed = timestamp ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(parsed)) return "0001-01-01T00:00:00Z";
  return new Date(parsed).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const rolePrinter: KindPrinter = {
  columns: roleColumns,
  cells: (object) => [object.metadata.name ?? "", createdAt(object.metadata.creationTimestamp)],
};
