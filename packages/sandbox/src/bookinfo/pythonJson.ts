/**
 * JSON the way Python's json.dumps writes it by default: ", " and ": " separators and every
 * non-ASCII character escaped. productpage re-serialises what it passes through this way.
 */
export function pythonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return asciiString(value);
  if (typeof value === "number") return Number.isFinite(value) ? numberText(value) : "NaN";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${asciiString(k)}: ${pythonDumps(v)}`).join(", ")}}`;
  }
  return "null";
}

const numberText = (n: number): string => (Number.isInteger(n) ? String(n) : String(n).replace(/e\+?/, "e+"));

function asciiString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
