import { dump } from "js-yaml";

export type OutputFormat = "text" | "json" | "yaml";

export const OUTPUT_FORMATS: OutputFormat[] = ["text", "json", "yaml"];

/** JSON and YAML of any report; text has a renderer per report. */
export function structured(value: unknown, format: "json" | "yaml"): string {
  return format === "json"
    ? `${JSON.stringify(value, null, 2)}\n`
    : dump(value, { noRefs: true, lineWidth: 120 });
}
