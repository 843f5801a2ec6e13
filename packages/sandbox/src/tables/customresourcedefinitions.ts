import type { KubeObject } from "../kube.ts";
import { column, type KindPrinter, nameColumn } from "./table.ts";

// CRDs have no printer of their own: the API server's default table shows the creation time
// as an RFC 3339 timestamp rather than an age.

const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

export const customResourceDefinitionColumns = [
  nameColumn,
  column("Created At", "When the object was created.", { type: "date" }),
];

export const customResourceDefinitionPrinter: KindPrinter = {
  columns: customResourceDefinitionColumns,
  cells(object: KubeObject) {
    return [object.metadata.name ?? "", rfc3339(object.metadata.creationTimestamp)];
  },
};

/** The timestamp in UTC at second precision, e.g. "2025-01-01T12:00:00Z". */
export function rfc3339(timestamp: string | undefined): string {
  const ms = timestamp ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(ms)) return GO_ZERO_TIME;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
