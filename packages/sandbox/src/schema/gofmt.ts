// Values printed the way the API server's Go code prints them into messages: fmt's %v for
// numbers, %q for strings and %#v for maps and lists, as unstructured JSON holds them.

/** A number as `fmt` prints an int64 or float64 with %v. */
export function goNumber(value: number): string {
  // Whole numbers arrive as int64 in the server's unstructured objects.
  if (Number.isInteger(value)) return BigInt(value).toString();
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  // %v is %g with the shortest digits, which switches to exponent form below 1e-4 and from 1e6.
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(value);
}

/** strconv.Quote: JSON's escaping is the same for everything a manifest holds. */
export const goQuote = (text: string): string => JSON.stringify(text);

/** %v of a scalar, %q of a string: how field errors print a bad value. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "boolean") return String(value);
  return goSyntax(value);
}

/** %#v of an unstructured value: `map[string]interface {}{"name":"http"}`. */
export function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return "interface {}(nil)";
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(", ")}}`;
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .sort()
    .map((key) => `${goQuote(key)}:${goSyntax(record[key])}`);
  return `map[string]interface {}{${entries.join(", ")}}`;
}
