// Label selectors, parsed the way apimachinery parses them, so that a bad selector earns the same
// 400 message a real API server sends (kubectl prefixes it with "Unable to find ...").

import { labelValueErrors, qualifiedNameErrors, SelectorError } from "./labelSyntax.ts";

export type { FieldRequirement, FieldSelector } from "./fieldSelectors.ts";
export { matchesFields, parseFieldSelector } from "./fieldSelectors.ts";
export { labelValueErrors, qualifiedNameErrors, SelectorError } from "./labelSyntax.ts";

export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** No requirements matches everything; `nothing` is what a missing (null) spec selector means. */
export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  readonly nothing?: boolean;
}

const invalid = (field: string, value: string, detail: string) =>
  `${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`;

function aggregate(errs: string[]): string | undefined {
  if (errs.length === 0) return undefined;
  return errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`;
}

function newRequirement(key: string, operator: LabelOperator, values: string[]): Requirement {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(invalid("key", key, keyErrs.join("; ")));
  if ((operator === "in" || operator === "notin") && values.length === 0) {
    errs.push("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
  }
  if ((operator === "=" || operator === "==" || operator === "!=") && values.length !== 1) {
    errs.push("values: Invalid value: exact-match compatibility requires one single value");
  }
  if (operator === "gt" || operator === "lt") {
    values.forEach((v, i) => {
      if (!/^[-+]?\d+$/.test(v)) {
        errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      }
    });
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}]`, v, valueErrs.join("; ")));
  });
  const message = aggregate(errs);
  if (message !== undefined) throw new SelectorError(message);
  return { key, operator, values };
}

// ---- lexer and parser (same tokens, same error texts as labels.Parse) ----

type Tok = "id" | "!" | "," | "=" | "==" | "!=" | "in" | "notin" | "(" | ")" | ">" | "<" | "end";
interface Item {
  tok: Tok;
  lit: string;
}
const SPECIAL = "=!(),<>";
const SYMBOLS: ReadonlySet<string> = new Set(["!", ",", "=", "==", "!=", "(", ")", ">", "<"]);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";

function lex(s: string): Item[] {
  const items: Item[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i]!)) i++;
    if (i >= s.length) {
      items.push({ tok: "end", lit: "" });
      return items;
    }
    let j = i + 1;
    if (SPECIAL.includes(s[i]!)) {
      // Longest run of symbol characters that still spells an operator ("!=" before "!").
      while (j < s.length && SPECIAL.includes(s[j]!) && SYMBOLS.has(s.slice(i, j + 1))) j++;
      const lit = s.slice(i, j);
      items.push({ tok: lit as Tok, lit });
    } else {
      while (j < s.length && !isSpace(s[j]!) && !SPECIAL.includes(s[j]!)) j++;
      const lit = s.slice(i, j);
      items.push({ tok: lit === "in" || lit === "notin" ? lit : "id", lit });
    }
    i = j;
  }
}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";
const OPERATOR_TOKENS: ReadonlyMap<Tok, LabelOperator> = new Map<Tok, LabelOperator>([
  ["in", "in"],
  ["notin", "notin"],
  ["=", "="],
  ["==", "=="],
  ["!=", "!="],
  [">", "gt"],
  ["<", "lt"],
]);

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  // In value position the keywords are plain words: "in=in" is a valid requirement.
  peek(values = true): Item {
    const item = this.items[Math.min(this.pos, this.items.length - 1)]!;
    return values && (item.tok === "in" || item.tok === "notin") ? { tok: "id", lit: item.lit } : item;
  }
  next(values = true): Item {
    const item = this.peek(values);
    this.pos++;
    return item;
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek();
      if (tok === "end") return out;
      if (tok !== "id" && tok !== "!") {
        throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
      try {
        out.push(this.requirement());
      } catch (error) {
        throw new SelectorError(`unable to parse requirement: ${(error as Error).message}`);
      }
      const after = this.next();
      if (after.tok === "end") return out;
      if (after.tok !== ",")
        throw new SelectorError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.tok !== "id" && following.tok !== "!") {
        throw new SelectorError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Requirement {
    let item = this.next();
    const negated = item.tok === "!";
    if (negated) item = this.next();
    if (item.tok !== "id") throw new SelectorError(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) throw new SelectorError(invalid("key", key, keyErrs.join("; ")));
    const ahead = this.peek().tok;
    if (negated || ahead === "end" || ahead === ",") return newRequirement(key, negated ? "!" : "exists", []);

    const op = this.next(false);
    const operator = OPERATOR_TOKENS.get(op.tok);
    if (operator === undefined) throw new SelectorError(`found '${op.lit}', expected: ${BINARY_OPERATORS}`);
    const values = operator === "in" || operator === "notin" ? this.valueSet() : [this.exactValue()];
    return newRequirement(key, operator, values);
  }

  private exactValue(): string {
    const ahead = this.peek();
    if (ahead.tok === "end" || ahead.tok === ",") return "";
    const item = this.next();
    if (item.tok !== "id") throw new SelectorError(`found '${item.lit}', expected: identifier`);
    return item.lit;
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== "(") throw new SelectorError(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ")") {
      this.next();
      return [""];
    }
    if (first.tok !== "id" && first.tok !== ",") {
      throw new SelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
    }
    // Empty entries ("(a,,b)", "(,a)") stand for the empty value, as in apimachinery.
    const values = new Set<string>();
    for (;;) {
      const item = this.next();
      if (item.tok === "id") {
        values.add(item.lit);
        const ahead = this.peek();
        if (ahead.tok === ")") break;
        if (ahead.tok !== ",") throw new SelectorError(`found '${ahead.lit}', expected: ',' or ')'`);
      } else if (item.tok === ",") {
        if (values.size === 0) values.add("");
        const ahead = this.peek().tok;
        if (ahead === ")") {
          values.add("");
          break;
        }
        if (ahead === ",") {
          this.next();
          values.add("");
        }
      } else {
        throw new SelectorError(`found '${item.lit}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    if (close.tok !== ")") throw new SelectorError(`found '${first.lit}', expected: ')'`);
    return [...values].sort();
  }
}

const byKey = (a: Requirement, b: Requirement) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Parses a `labelSelector` query value; throws SelectorError with apimachinery's message. */
export function parseLabelSelector(text: string): LabelSelector {
  return { requirements: new Parser(lex(text)).parse().sort(byKey) };
}

export function matchesLabels(selector: LabelSelector, labels?: Readonly<Record<string, string>>): boolean {
  if (selector.nothing) return false;
  return selector.requirements.every((r) => matchesRequirement(r, labels ?? {}));
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return value !== undefined && r.values.includes(value);
    case "!=":
    case "notin":
      return value === undefined || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (value === undefined || !/^[-+]?\d+$/.test(value)) return false;
      const actual = BigInt(value);
      const bound = BigInt(r.values[0]!);
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

/** The canonical text form (Selector.String()): what kubectl shows in a SELECTOR column. */
export function formatLabelSelector(selector: LabelSelector): string {
  return selector.requirements
    .map((r) => {
      const values = [...r.values].sort().join(",");
      switch (r.operator) {
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        case "in":
        case "notin":
          return `${r.key} ${r.operator} (${values})`;
        case "gt":
          return `${r.key}>${values}`;
        case "lt":
          return `${r.key}<${values}`;
        default:
          return `${r.key}${r.operator}${values}`;
      }
    })
    .join(",");
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

const SPEC_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/** metav1.LabelSelectorAsSelector: null selects nothing, an empty selector selects everything. */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  if (spec === null || spec === undefined) return { requirements: [], nothing: true };
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(spec.matchLabels ?? {})) {
    requirements.push(newRequirement(key, "=", [value]));
  }
  for (const expr of spec.matchExpressions ?? []) {
    const operator = SPEC_OPERATORS[expr.operator];
    if (operator === undefined) {
      throw new SelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    }
    requirements.push(newRequirement(expr.key, operator, [...(expr.values ?? [])]));
  }
  return { requirements: requirements.sort(byKey) };
}
