// Tables for custom resources, built from a CRD's additionalPrinterColumns the way the
// apiextensions server does it, and NAME AGE for any kind without a printer of its own.

import { age } from "../age.ts";
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
          const found = path ? lookup(object, path) : undefined;
          return found ? cellFor(spec.type, found.value, now) : null;
        }),
      ];
    },
  };
}

/** NAME AGE: for kinds the sandbox has no dedicated printer for. */
export const genericPrinter: KindPrinter = crdPrinter(defaultPrinterColumns);

type Step = string | number;

/**
 * The simple JSONPaths CRD columns allow: `.spec.hosts`, `.spec.http[0].route`, with `\.` for a
 * dot inside a key. Anything else is undefined, which makes the column empty.
 */
export function parseJsonPath(jsonPath: string): Step[] | undefined {
  let text = jsonPath.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1);
  if (!text.startsWith(".")) return undefined;
  const steps: Step[] = [];
  const pattern = /\.((?:\\.|[^.[\]\\])+)|\[(\d+)\]/y;
  pattern.lastIndex = 0;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (!match) return undefined;
    if (match[1] !== undefined) steps.push(match[1].replace(/\\(.)/g, "$1"));
    else steps.push(Number(match[2]));
  }
  return steps;
}

/** Evaluates a parsed path; undefined when any step is missing. */
export function lookup(object: unknown, steps: Step[]): { value: unknown } | undefined {
  let current: unknown = object;
  for (const step of steps) {
    if (typeof step === "number") {
      if (!Array.isArray(current) || step >= current.length) return undefined;
      current = current[step];
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
      if (!Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { value: current };
}

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

function goNumber(value: number): string {
  // Whole numbers arrive as int64 in the server's unstructured objects.
  if (Number.isInteger(value)) return BigInt(value).toString();
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  // fmt's %v uses %g with the shortest digits: exponent form below 1e-4 and from 1e6 up.
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
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
