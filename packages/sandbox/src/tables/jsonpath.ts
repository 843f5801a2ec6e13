// Kubernetes JSONPath (client-go's util/jsonpath), as the API server evaluates a CRD's
// additionalPrinterColumns: fields with `\.` escapes, `..` recursive descent, `[*]` and `.*`,
// indexes, slices and unions, quoted keys, and filters such as `[?(@.type=="Ready")]`.

type Literal = { kind: "literal"; value: string | number | boolean | null };
type Operand = Literal | { kind: "path"; steps: Step[] };

export type Step =
  | { kind: "field"; name: string }
  | { kind: "recursive"; name?: string }
  | { kind: "wildcard" }
  | { kind: "union"; items: (number | string | Slice)[] }
  | { kind: "filter"; left: Step[]; op?: string; right?: Operand };

interface Slice {
  start?: number;
  end?: number;
  step?: number;
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  get done() {
    return this.pos >= this.text.length;
  }
  peek(n = 0) {
    return this.text[this.pos + n] ?? "";
  }
  skipSpace() {
    while (this.peek() === " ") this.pos++;
  }

  steps(stop: (p: Parser) => boolean): Step[] {
    const steps: Step[] = [];
    while (!this.done && !stop(this)) {
      const c = this.peek();
      if (c === "." && this.peek(1) === ".") {
        this.pos += 2;
        const name = this.fieldName();
        steps.push(name === "*" || name === "" ? { kind: "recursive" } : { kind: "recursive", name });
      } else if (c === ".") {
        this.pos++;
        const name = this.fieldName();
        if (name === "*") steps.push({ kind: "wildcard" });
        else if (name !== "") steps.push({ kind: "field", name });
      } else if (c === "[") {
        steps.push(this.bracket());
      } else if (c === "$" || c === "@") {
        this.pos++;
      } else {
        throw new Error(`unrecognized character in action: ${c}`);
      }
    }
    return steps;
  }

  fieldName(): string {
    let name = "";
    while (!this.done) {
      const c = this.peek();
      if (c === "\\" && this.peek(1)) {
        name += this.peek(1);
        this.pos += 2;
        continue;
      }
      if (
        c === "." ||
        c === "[" ||
        c === " " ||
        c === ")" ||
        c === "=" ||
        c === "!" ||
        c === "<" ||
        c === ">"
      )
        break;
      name += c;
      this.pos++;
    }
    return name;
  }

  bracket(): Step {
    this.pos++; // [
    this.skipSpace();
    if (this.peek() === "?") {
      this.pos++;
      this.expect("(");
      const left = this.operandPath();
      this.skipSpace();
      let op: string | undefined;
      let right: Operand | undefined;
      const match = /^(==|!=|<=|>=|<|>)/.exec(this.text.slice(this.pos));
      if (match) {
        op = match[1];
        this.pos += op?.length ?? 0;
        this.skipSpace();
        right = this.operand();
      }
      this.skipSpace();
      this.expect(")");
      this.skipSpace();
      this.expect("]");
      return { kind: "filter", left, op, right };
    }
    if (this.peek() === "*") {
      this.pos++;
      this.skipSpace();
      this.expect("]");
      return { kind: "wildcard" };
    }
    const items: (number | string | Slice)[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === "'" || c === '"') items.push(this.quoted());
      else items.push(this.indexOrSlice());
      this.skipSpace();
      if (this.peek() === ",") {
        this.pos++;
        continue;
      }
      this.expect("]");
      break;
    }
    return { kind: "union", items };
  }

  indexOrSlice(): number | Slice {
    const raw = /^[-0-9: ]*/.exec(this.text.slice(this.pos))?.[0] ?? "";
    this.pos += raw.length;
    const parts = raw.trim().split(":");
    const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : Number(s));
    if (parts.length === 1) {
      const n = num(parts[0]);
      if (n === undefined || Number.isNaN(n)) throw new Error("invalid array index");
      return n;
    }
    return { start: num(parts[0]), end: num(parts[1]), step: num(parts[2]) };
  }

  quoted(): string {
    const quote = this.peek();
    this.pos++;
    let out = "";
    while (!this.done && this.peek() !== quote) {
      if (this.peek() === "\\" && this.peek(1)) {
        out += this.peek(1);
        this.pos += 2;
      } else {
        out += this.peek();
        this.pos++;
      }
    }
    this.expect(quote);
    return out;
  }

  operandPath(): Step[] {
    this.skipSpace();
    return this.steps((p) => [" ", ")", "=", "!", "<", ">"].includes(p.peek()));
  }

  operand(): Operand {
    const c = this.peek();
    if (c === "'" || c === '"') return { kind: "literal", value: this.quoted() };
    if (c === "@" || c === "$") return { kind: "path", steps: this.operandPath() };
    const raw = /^[^ )]+/.exec(this.text.slice(this.pos))?.[0] ?? "";
    this.pos += raw.length;
    if (raw === "true" || raw === "false") return { kind: "literal", value: raw === "true" };
    if (raw === "nil" || raw === "null") return { kind: "literal", value: null };
    const n = Number(raw);
    if (raw === "" || Number.isNaN(n)) throw new Error(`unrecognized filter operand ${raw}`);
    return { kind: "literal", value: n };
  }

  expect(c: string) {
    if (this.peek() !== c) throw new Error(`expected ${c} at ${this.pos}`);
    this.pos++;
  }
}

/**
 * Parses a JSONPath expression, with or without the surrounding `{}`; undefined when it is not one.
 * A template with text around the action, or several actions, uses the first action only.
 */
export function parseJsonPath(expression: string): Step[] | undefined {
  let text = expression.trim();
  const open = text.indexOf("{");
  if (open >= 0) {
    const close = text.indexOf("}", open);
    if (close < 0) return undefined;
    text = text.slice(open + 1, close).trim();
  }
  if (!text.startsWith(".") && !text.startsWith("$") && !text.startsWith("[")) return undefined;
  try {
    const parser = new Parser(text);
    return parser.steps(() => false);
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every value the path selects in `root`, in document order; missing keys select nothing. */
export function findResults(root: unknown, steps: Step[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) current = current.flatMap((value) => apply(step, value));
  return current;
}

function apply(step: Step, value: unknown): unknown[] {
  switch (step.kind) {
    case "field":
      return isRecord(value) && Object.hasOwn(value, step.name) ? [value[step.name]] : [];
    case "wildcard":
      if (Array.isArray(value)) return [...value];
      if (isRecord(value))
        return Object.keys(value)
          .sort()
          .map((k) => value[k]);
      return [];
    case "recursive":
      return descendants(value).flatMap((v) =>
        step.name === undefined ? [v] : isRecord(v) && Object.hasOwn(v, step.name) ? [v[step.name]] : [],
      );
    case "union":
      return step.items.flatMap((item) => select(item, value));
    case "filter":
      if (!Array.isArray(value)) return [];
      return value.filter((item) => filterMatches(step, item));
  }
}

function descendants(value: unknown): unknown[] {
  const out: unknown[] = [value];
  if (Array.isArray(value)) for (const v of value) out.push(...descendants(v));
  else if (isRecord(value)) for (const k of Object.keys(value).sort()) out.push(...descendants(value[k]));
  return out;
}

function select(item: number | string | Slice, value: unknown): unknown[] {
  if (typeof item === "string") return isRecord(value) && Object.hasOwn(value, item) ? [value[item]] : [];
  if (!Array.isArray(value)) return [];
  const length = value.length;
  if (typeof item === "number") {
    const i = item < 0 ? length + item : item;
    return i >= 0 && i < length ? [value[i]] : [];
  }
  const step = item.step ?? 1;
  if (step <= 0) return [];
  const clamp = (n: number) => Math.min(Math.max(n < 0 ? length + n : n, 0), length);
  const start = clamp(item.start ?? 0);
  const end = clamp(item.end ?? length);
  const out: unknown[] = [];
  for (let i = start; i < end; i += step) out.push(value[i]);
  return out;
}

function filterMatches(filter: Extract<Step, { kind: "filter" }>, item: unknown): boolean {
  const left = findResults(item, filter.left);
  if (!filter.op || !filter.right) return left.length > 0 && left[0] !== undefined;
  const rights =
    filter.right.kind === "literal" ? [filter.right.value] : findResults(item, filter.right.steps);
  if (left.length === 0 || rights.length === 0) return false;
  const a = left[0];
  const b = rights[0];
  switch (filter.op) {
    case "==":
      return looseEqual(a, b);
    case "!=":
      return !looseEqual(a, b);
    default: {
      if (typeof a !== "number" || typeof b !== "number") return false;
      if (filter.op === "<") return a < b;
      if (filter.op === ">") return a > b;
      if (filter.op === "<=") return a <= b;
      return a >= b;
    }
  }
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "string") return String(a) === b;
  if (typeof b === "number" && typeof a === "string") return a === String(b);
  return a === b;
}
