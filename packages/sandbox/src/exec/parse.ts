// The POSIX shell grammar the docs' one-liners need: words with quotes, escapes, $VAR,
// ${VAR}, $? and $(...), pipelines, && || ; and &, and the common redirections. Parsing
// keeps words unexpanded; the interpreter expands them when the command runs, so $? is live.

/** A piece of a word: literal text, or something expanded at run time. */
export type WordPart =
  | { kind: "text"; text: string; quoted: boolean }
  | { kind: "var"; name: string; quoted: boolean }
  | { kind: "command"; script: string; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: 1 | 2 | 0;
  op: ">" | ">>" | "<" | ">&";
  /** A file name, or for ">&" the descriptor number. */
  target: Word;
}

export interface SimpleCommand {
  kind?: undefined;
  assignments: { name: string; value: Word }[];
  words: Word[];
  redirects: Redirect[];
}

/** `for NAME [in WORDS]; do LIST; done`: the loop traffic generators are written with. */
export interface ForLoop {
  kind: "for";
  name: string;
  /** Undefined without `in`: the positional parameters. */
  items: Word[] | undefined;
  body: Script;
}

export type Pipeline = { commands: (SimpleCommand | ForLoop)[]; negated: boolean };
export type AndOr = { first: Pipeline; rest: { op: "&&" | "||"; pipeline: Pipeline }[] };
export type Script = AndOr[];

export class ShellSyntaxError extends Error {}

type Token =
  | { kind: "word"; word: Word }
  | { kind: "op"; op: "|" | "||" | "&&" | ";" | "&" | "!" }
  | { kind: "redirect"; fd: 0 | 1 | 2; op: Redirect["op"]; both?: true };

const isSpace = (c: string) => c === " " || c === "\t";
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Finds the ")" closing a "$(" that opened just before `start`. */
function closingParen(input: string, start: number): number {
  let depth = 1;
  for (let i = start; i < input.length; i++) {
    const c = input[i]!;
    if (c === "\\") i++;
    else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) break;
      i = end;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  throw new ShellSyntaxError('Syntax error: end of file unexpected (expecting ")")');
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word: Word | undefined;
  const text = (t: string, quoted: boolean) => {
    word ??= [];
    const last = word.at(-1);
    if (last?.kind === "text" && last.quoted === quoted) last.text += t;
    else word.push({ kind: "text", text: t, quoted });
  };
  const endWord = () => {
    if (word) tokens.push({ kind: "word", word });
    word = undefined;
  };
  /** `$...` at input[i] (the "$"); returns the index after it. */
  const dollar = (at: number, quoted: boolean): number => {
    const next = input[at + 1];
    if (next === "(") {
      const end = closingParen(input, at + 2);
      word ??= [];
      word.push({ kind: "command", script: input.slice(at + 2, end), quoted });
      return end + 1;
    }
    if (next === "{") {
      const end = input.indexOf("}", at + 2);
      if (end === -1) throw new ShellSyntaxError("Syntax error: Missing '}'");
      word ??= [];
      word.push({ kind: "var", name: input.slice(at + 2, end), quoted });
      return end + 1;
    }
    if (next === "?" || next === "$" || next === "#" || (next !== undefined && /[0-9]/.test(next))) {
      word ??= [];
      word.push({ kind: "var", name: next, quoted });
      return at + 2;
    }
    NAME.lastIndex = at + 1;
    const name = NAME.exec(input)?.[0];
    if (!name) {
      text("$", quoted);
      return at + 1;
    }
    word ??= [];
    word.push({ kind: "var", name, quoted });
    return at + 1 + name.length;
  };

  while (i < input.length) {
    const c = input[i]!;
    if (isSpace(c)) {
      endWord();
      i++;
    } else if (c === "\n") {
      endWord();
      tokens.push({ kind: "op", op: ";" });
      i++;
    } else if (c === "#" && !word) {
      const end = input.indexOf("\n", i);
      i = end === -1 ? input.length : end;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) throw new ShellSyntaxError("Syntax error: Unterminated quoted string");
      text(input.slice(i + 1, end), true);
      i = end + 1;
    } else if (c === '"') {
      word ??= [];
      i++;
      let closed = false;
      while (i < input.length) {
        const d = input[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < input.length && '$`"\\\n'.includes(input[i + 1]!)) {
          if (input[i + 1] !== "\n") text(input[i + 1]!, true);
          i += 2;
        } else if (d === "$") i = dollar(i, true);
        else {
          text(d, true);
          i++;
        }
      }
      if (!closed) throw new ShellSyntaxError("Syntax error: Unterminated quoted string");
      // An empty "" still makes a word.
      if (word.length === 0) word.push({ kind: "text", text: "", quoted: true });
    } else if (c === "\\") {
      if (input[i + 1] === "\n") i += 2;
      else {
        text(input[i + 1] ?? "", true);
        i += 2;
      }
    } else if (c === "$") {
      i = dollar(i, false);
    } else if (c === "|" || c === "&" || c === ";") {
      endWord();
      const two = input.slice(i, i + 2);
      if (two === "||" || two === "&&") {
        tokens.push({ kind: "op", op: two });
        i += 2;
      } else if (two === "&>") {
        // &>file: both outputs to the file.
        tokens.push({ kind: "redirect", fd: 1, op: ">", both: true });
        i += 2;
      } else {
        tokens.push({ kind: "op", op: c as "|" | "&" | ";" });
        i++;
      }
    } else if (c === ">" || c === "<") {
      // A lone digit just before is the descriptor: 2>, 1>, 0<.
      let fd: 0 | 1 | 2 = c === "<" ? 0 : 1;
      const last = word?.at(-1);
      if (word?.length === 1 && last?.kind === "text" && !last.quoted && /^[012]$/.test(last.text)) {
        fd = Number(last.text) as 0 | 1 | 2;
        word = undefined;
      }
      endWord();
      if (c === "<") {
        tokens.push({ kind: "redirect", fd, op: "<" });
        i++;
      } else if (input[i + 1] === ">") {
        tokens.push({ kind: "redirect", fd, op: ">>" });
        i += 2;
      } else if (input[i + 1] === "&") {
        tokens.push({ kind: "redirect", fd, op: ">&" });
        i += 2;
      } else {
        tokens.push({ kind: "redirect", fd, op: ">" });
        i++;
      }
    } else if (c === "!" && !word && (i + 1 >= input.length || isSpace(input[i + 1]!))) {
      tokens.push({ kind: "op", op: "!" });
      i++;
    } else {
      text(c, false);
      i++;
    }
  }
  endWord();
  return tokens;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/** Parses a script; throws ShellSyntaxError with dash's wording. */
export function parseScript(input: string): Script {
  const tokens = tokenize(input);
  let at = 0;
  const peek = () => tokens[at];
  const unexpected = (token: Token | undefined): never => {
    const what = !token ? "end of file" : token.kind === "op" ? `"${token.op}"` : "redirection";
    throw new ShellSyntaxError(`Syntax error: ${what} unexpected`);
  };

  /** A word that is the reserved word `name` here: unquoted and alone. */
  const reserved = (token: Token | undefined, name: string) =>
    token?.kind === "word" &&
    token.word.length === 1 &&
    token.word[0]!.kind === "text" &&
    !token.word[0]!.quoted &&
    token.word[0]!.text === name;
  const skipSeparators = () => {
    while (peek()?.kind === "op" && (peek() as { op: string }).op === ";") at++;
  };

  const forLoop = (): ForLoop => {
    at++;
    const nameToken = peek();
    const name =
      nameToken?.kind === "word" && nameToken.word[0]?.kind === "text" ? nameToken.word[0].text : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ShellSyntaxError(`Syntax error: Bad for loop variable`);
    at++;
    let items: Word[] | undefined;
    if (reserved(peek(), "in")) {
      at++;
      items = [];
      while (peek()?.kind === "word" && !reserved(peek(), "do")) {
        items.push((peek() as { word: Word }).word);
        at++;
      }
    }
    skipSeparators();
    if (!reserved(peek(), "do")) unexpected(peek());
    at++;
    const body = list("done");
    if (!reserved(peek(), "done"))
      throw new ShellSyntaxError('Syntax error: end of file unexpected (expecting "done")');
    at++;
    return { kind: "for", name, items, body };
  };

  const command = (): SimpleCommand | ForLoop => {
    if (reserved(peek(), "for")) return forLoop();
    const result: SimpleCommand = { assignments: [], words: [], redirects: [] };
    for (;;) {
      const token = peek();
      if (!token || token.kind === "op") break;
      at++;
      if (token.kind === "redirect") {
        const target = peek();
        if (target?.kind !== "word") unexpected(target);
        at++;
        result.redirects.push({ fd: token.fd, op: token.op, target: (target as { word: Word }).word });
        if (token.both)
          result.redirects.push({ fd: 2, op: ">&", target: [{ kind: "text", text: "1", quoted: false }] });
        continue;
      }
      const first = token.word[0];
      const match = first?.kind === "text" && !first.quoted ? ASSIGNMENT.exec(first.text) : null;
      if (match && result.words.length === 0) {
        const value: Word = [
          { ...first!, text: (first as { text: string }).text.slice(match[0].length) } as WordPart,
          ...token.word.slice(1),
        ];
        result.assignments.push({ name: match[1]!, value });
      } else result.words.push(token.word);
    }
    if (!result.words.length && !result.assignments.length && !result.redirects.length) unexpected(peek());
    return result;
  };

  const pipeline = (): Pipeline => {
    let negated = false;
    if (peek()?.kind === "op" && (peek() as { op: string }).op === "!") {
      negated = true;
      at++;
    }
    const commands = [command()];
    while (peek()?.kind === "op" && (peek() as { op: string }).op === "|") {
      at++;
      commands.push(command());
    }
    return { commands, negated };
  };

  /** Commands up to the end, or up to the reserved word `stop` where a command would start. */
  function list(stop?: string): Script {
    const script: Script = [];
    while (at < tokens.length) {
      const token = peek()!;
      if (stop && reserved(token, stop)) break;
      if (token.kind === "op" && (token.op === ";" || token.op === "&")) {
        if (script.length === 0 && !stop) unexpected(token);
        at++;
        continue;
      }
      const chain: AndOr = { first: pipeline(), rest: [] };
      for (;;) {
        const next = peek();
        if (next?.kind !== "op" || (next.op !== "&&" && next.op !== "||")) break;
        at++;
        chain.rest.push({ op: next.op, pipeline: pipeline() });
      }
      script.push(chain);
      const after = peek();
      if (
        after &&
        !(after.kind === "op" && (after.op === ";" || after.op === "&")) &&
        !(stop && reserved(after, stop))
      )
        unexpected(after);
    }
    return script;
  }

  const script = list();
  if (at < tokens.length) unexpected(peek());
  return script;
}
