// Request bodies read the way the API server's Go decoder reads them: its syntax error wording
// ("invalid character '}' looking for beginning of value"), its nesting limit of 10,000, and the
// text of each number, which Go's decoder quotes when a number does not fit its field.

/** encoding/json's limit; deeper documents are refused before anything walks them. */
export const MAX_NESTING_DEPTH = 10_000;

export class JsonSyntaxError extends Error {
  override name = "JsonSyntaxError";
}

/** A parsed body, and the source text of every number that is not written as a plain integer. */
export interface JsonBody {
  value: unknown;
  /** `2.5`, `1e308`, `1.0` as written; plain integers are not recorded (their text is String(n)). */
  numberText: Map<number, string>;
}

// Go's quoteChar: a byte in single quotes, escaped as strconv.Quote would.
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const code = c.charCodeAt(0);
  const named: Record<string, string> = {
    "\u0007": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
  };
  if (named[c]) return `'${named[c]}'`;
  if (code < 0x20 || code === 0x7f) return `'\\x${code.toString(16).padStart(2, "0")}'`;
  return `'${c}'`;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
// Space, tab, newline, carriage return: the only whitespace JSON has.
const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;

/**
 * Validates `text` as Go's scanner does, then parses it. Throws JsonSyntaxError with Go's
 * message for the first problem, so callers can word their Status like the API server.
 */
export function readJson(text: string): JsonBody {
  const numberText = new Map<number, string>();
  checkSyntax(text, (literal) => {
    const parsed = Number(literal);
    if (literal !== String(parsed) && !numberText.has(parsed)) numberText.set(parsed, literal);
  });
  return { value: JSON.parse(text), numberText };
}

/** Go's encoding/json scanner, reduced to what it reports: the first error, in its words. */
function checkSyntax(text: string, onNumber: (literal: string) => void): void {
  // The containers open at the current position, innermost last.
  const stack: ("object" | "array")[] = [];
  let i = 0;
  const n = text.length;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message);
  };
  const end = () => fail("unexpected end of JSON input");
  const skipSpace = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };
  const invalid = (context: string): never => fail(`invalid character ${quoteChar(text[i]!)} ${context}`);

  const readString = () => {
    i++; // opening quote
    for (;;) {
      if (i >= n) end();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        i++;
        if (i >= n) end();
        const e = text[i]!;
        if (e === "u") {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n) end();
            if (!/[0-9a-fA-F]/.test(text[i]!)) invalid("in \\u hexadecimal character escape");
          }
          i++;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) invalid("in string escape code");
        i++;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) invalid("in string literal");
      i++;
      // Plain characters in bulk: most of a body is string content.
      while (i < n) {
        const code = text.charCodeAt(i);
        if (code === 34 || code === 92 || code < 0x20) break;
        i++;
      }
    }
  };

  const readNumber = () => {
    const start = i;
    readNumberText();
    onNumber(text.slice(start, i));
  };
  const readNumberText = () => {
    if (text[i] === "-") {
      i++;
      if (i >= n) end();
      if (!isDigit(text.charCodeAt(i))) invalid("in numeric literal");
    }
    if (text[i] === "0") i++;
    else while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (text[i] === ".") {
      i++;
      if (i >= n) end();
      if (!isDigit(text.charCodeAt(i))) invalid("after decimal point in numeric literal");
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (i >= n) end();
      if (!isDigit(text.charCodeAt(i))) invalid("in exponent of numeric literal");
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
  };

  const readLiteral = (word: string) => {
    for (let k = 0; k < word.length; k++, i++) {
      if (i >= n) end();
      if (text[i] !== word[k]) invalid(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
    }
  };

  const readKeyAndColon = () => {
    skipSpace();
    if (i >= n) end();
    if (text[i] !== '"') invalid("looking for beginning of object key string");
    readString();
    skipSpace();
    if (i >= n) end();
    if (text[i] !== ":") invalid("after object key");
    i++;
  };

  // One flat loop over the scanner's states, so neither depth nor length costs stack.
  let state: "value" | "firstKey" | "key" | "firstElement" | "after" = "value";
  for (;;) {
    if (state === "value") {
      skipSpace();
      if (i >= n) end();
      const c = text[i]!;
      if (c === "{" || c === "[") {
        if (stack.length >= MAX_NESTING_DEPTH) fail("exceeded max depth");
        stack.push(c === "{" ? "object" : "array");
        i++;
        state = c === "{" ? "firstKey" : "firstElement";
        continue;
      }
      if (c === '"') readString();
      else if (c === "-" || (c >= "0" && c <= "9")) readNumber();
      else if (c === "t") readLiteral("true");
      else if (c === "f") readLiteral("false");
      else if (c === "n") readLiteral("null");
      else invalid("looking for beginning of value");
      state = "after";
    } else if (state === "firstKey") {
      skipSpace();
      if (i >= n) end();
      if (text[i] === "}") {
        i++;
        stack.pop();
        state = "after";
        continue;
      }
      readKeyAndColon();
      state = "value";
    } else if (state === "key") {
      readKeyAndColon();
      state = "value";
    } else if (state === "firstElement") {
      skipSpace();
      if (i >= n) end();
      if (text[i] === "]") {
        i++;
        stack.pop();
        state = "after";
        continue;
      }
      state = "value";
    } else {
      const top = stack[stack.length - 1];
      skipSpace();
      if (top === undefined) {
        if (i < n) invalid("after top-level value");
        return;
      }
      if (i >= n) end();
      const c = text[i]!;
      const close = top === "object" ? "}" : "]";
      if (c === ",") {
        i++;
        state = top === "object" ? "key" : "value";
      } else if (c === close) {
        i++;
        stack.pop();
      } else invalid(top === "object" ? "after object key:value pair" : "after array element");
    }
  }
}
