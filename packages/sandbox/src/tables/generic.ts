// Tables for custom resources, built from a CRD's additionalPrinterColumns the way the
// apiextensions server does it, and NAME AGE for any kind without a printer of its own.

import { age } from "../age.ts";
import { goNumber } from "../schema/gofmt.ts";
import { findResults, parseJsonPath } from "./jsonpath.ts";
import { type ColumnDefinition, type KindPrinter, nameColumn, type TableCell } from "./table.ts";

export interface PrinterColumnSpec {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** What a CRD without printer columns gets. */
export const defaultPrinterColumns: PrinterColumnSpec[] = [
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

export function crdPrinter(specs: PrinterColumnSpec[]): KindPrinter {
  const paths = specs.map((spec) => parseJsonPath(spec.jsonPath));
  const columns: ColumnDefinition[] = [
    nameColumn,
    ...specs.map((spec) => ({
      name: spec.name,
      type: spec.type,
      format: spec.format ?? "",
      description:
        spec.description || `Custom resource definition column (in JSONPath format): ${spec.jsonPath}`,
      priority: spec.priority ?? 0,
    })),
  ];
  return {
    columns,
    cells(object, now) {
      return [
        object.metadata.name ?? "",
        ...specs.map((spec, i) => {
          const path = paths[i];
          // The server shows the first value a column's path selects, as a single-valued path would.
          const found = path ? findResults(object, path) : [];
          return found.length > 0 ? cellFor(spec.type, found[0], now) : null;
        }),
      ];
    },
  };
}

/** NAME AGE: for kinds the sandbox has no dedicated printer for. */
export const genericPrinter: KindPrinter = crdPrinter(defaultPrinterColumns);

function cellFor(type: string, value: unknown, now: number): TableCell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
      return goText(value);
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date":
      // Go reads "" and "null" as the zero time, which prints as <unknown>.
      if (value === "null") return "<unknown>";
      return typeof value === "string" ? age(value, now) : null;
    default:
      return null;
  }
}

/**
 * A value as Go's jsonpath printer writes it into a string column: strings as they are, lists
 * and maps as compact JSON (`["bookinfo-gateway"]`), numbers the way fmt prints them.
 */
export function goText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "boolean") return String(value);
  return goJson(value);
}

/** encoding/json's output: sorted map keys, no spaces, and <, >, & escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeys(record[key])]),
    );
  }
  return value;
}
