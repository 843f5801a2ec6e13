// Every module a source file asks for, found by parsing it (not by grepping): static imports and
// re-exports, type-only ones, `import("...")` in code and in types, `import x = require()`,
// require() and createRequire()(), and the react/jsx-runtime import that JSX compiles to.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { posix } from "node:path";
import { parse } from "@babel/parser";

export type ImportKind =
  | "import"
  | "re-export"
  | "dynamic import"
  | "type import"
  | "require"
  | "jsx"
  | "global";

export type Target =
  /** A Node built-in, named without its `node:` prefix. */
  | { kind: "builtin"; module: string }
  /** An npm package by name, with the subpath after it ("" for its main entry). */
  | { kind: "package"; name: string; subpath: string }
  /** A file of this tree, as a root-relative posix path (outside the tree it starts with "../"). */
  | { kind: "file"; path: string }
  /** A global that reaches the network without any import (fetch, WebSocket). */
  | { kind: "global"; name: string }
  /** A module named by an expression, which no rule can follow. */
  | { kind: "computed" };

export interface ImportSite {
  /** The importing file, root-relative posix path. */
  file: string;
  line: number;
  /** The module as written (or the global's name). */
  specifier: string;
  kind: ImportKind;
  /** Erased at compile time: `import type`, `export type`, `typeof import("...")`. */
  typeOnly: boolean;
  target: Target;
}

const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
// Globals that open connections on their own; a file that imports or declares the name is not
// using the global.
const NETWORK_GLOBALS = new Set(["fetch", "WebSocket", "EventSource"]);

/** Source files under `dir` (root-relative), sorted, skipping node_modules. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    let entries: string[];
    try {
      entries = readdirSync(posix.join(root, relative));
    } catch {
      return;
    }
    for (const name of entries.sort()) {
      if (name === "node_modules") continue;
      const path = posix.join(relative, name);
      if (statSync(posix.join(root, path)).isDirectory()) walk(path);
      else if (SOURCE_FILE.test(name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Where a specifier written in `file` points. */
export function resolveSpecifier(file: string, specifier: string): Target {
  if (specifier.startsWith("node:")) return { kind: "builtin", module: specifier.slice(5) };
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const joined = specifier.startsWith("/") ? specifier : posix.join(posix.dirname(file), specifier);
    return { kind: "file", path: posix.normalize(joined) };
  }
  if (isBuiltin(specifier)) return { kind: "builtin", module: specifier };
  const parts = specifier.split("/");
  const scoped = specifier.startsWith("@");
  const name = parts.slice(0, scoped ? 2 : 1).join("/");
  return { kind: "package", name, subpath: parts.slice(scoped ? 2 : 1).join("/") };
}

interface Node {
  type: string;
  loc?: { start: { line: number } };
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && typeof (value as Node).type === "string";

/** The string a literal-ish node spells, or undefined when it is computed. */
function literal(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === "StringLiteral") return node.value as string;
  if (node.type === "TSLiteralType") return literal(node.literal);
  if (node.type === "TemplateLiteral" && (node.expressions as unknown[]).length === 0) {
    const [quasi] = node.quasis as { value: { cooked: string } }[];
    return quasi?.value.cooked;
  }
  return undefined;
}

/** Parses `file` (root-relative) under `root` and lists every module it asks for. */
export function importsOf(root: string, file: string): ImportSite[] {
  const text = readFileSync(posix.join(root, file), "utf8");
  const jsx = /\.[jt]sx$/.test(file);
  const typescript = /\.[cm]?tsx?$/.test(file);
  const ast = parse(text, {
    sourceType: "module",
    sourceFilename: file,
    plugins: [
      ...(typescript ? [["typescript", { dts: file.endsWith(".d.ts") }] as ["typescript", object]] : []),
      ...(jsx ? (["jsx"] as const) : []),
    ],
  });

  const sites: ImportSite[] = [];
  const declared = new Set<string>();
  const add = (node: Node, specifier: string | undefined, kind: ImportKind, typeOnly: boolean) => {
    sites.push({
      file,
      line: node.loc?.start.line ?? 0,
      specifier: specifier ?? "<expression>",
      kind,
      typeOnly,
      target: specifier === undefined ? { kind: "computed" } : resolveSpecifier(file, specifier),
    });
  };
  const globalUses: Node[] = [];
  let jsxAt: Node | undefined;

  const visit = (node: Node) => {
    switch (node.type) {
      case "ImportDeclaration": {
        add(node, literal(node.source), "import", node.importKind === "type" || node.importKind === "typeof");
        for (const s of node.specifiers as Node[]) declared.add((s.local as { name: string }).name);
        break;
      }
      case "ExportNamedDeclaration":
      case "ExportAllDeclaration":
        if (node.source) add(node, literal(node.source), "re-export", node.exportKind === "type");
        break;
      case "TSImportEqualsDeclaration": {
        const reference = node.moduleReference as Node;
        if (reference.type === "TSExternalModuleReference") {
          add(node, literal(reference.expression), "require", node.importKind === "type");
        }
        declared.add((node.id as { name: string }).name);
        break;
      }
      case "ImportExpression":
        add(node, literal(node.source), "dynamic import", false);
        break;
      case "TSImportType":
        add(node, literal(node.argument), "type import", true);
        break;
      case "CallExpression": {
        const callee = node.callee as Node;
        const [first] = node.arguments as Node[];
        if (callee.type === "Import") add(node, literal(first), "dynamic import", false);
        const viaCreateRequire =
          callee.type === "CallExpression" && (callee.callee as Node).name === "createRequire";
        if ((callee.type === "Identifier" && callee.name === "require") || viaCreateRequire) {
          add(node, literal(first), "require", false);
        }
        if (callee.type === "Identifier" && NETWORK_GLOBALS.has(callee.name as string))
          globalUses.push(callee);
        break;
      }
      case "NewExpression": {
        const callee = node.callee as Node;
        if (callee.type === "Identifier" && NETWORK_GLOBALS.has(callee.name as string))
          globalUses.push(callee);
        break;
      }
      case "FunctionDeclaration":
      case "ClassDeclaration":
        if (isNode(node.id)) declared.add(node.id.name as string);
        break;
      case "VariableDeclarator":
        if (isNode(node.id) && node.id.type === "Identifier") declared.add(node.id.name as string);
        break;
      case "JSXElement":
      case "JSXFragment":
        jsxAt ??= node;
        break;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "loc" || key === "leadingComments" || key === "trailingComments") continue;
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item);
      } else if (isNode(value)) visit(value);
    }
  };
  visit(ast.program as unknown as Node);

  // tsconfig's "jsx": "react-jsx" turns every JSX element into an import of react/jsx-runtime.
  if (jsxAt) add(jsxAt, "react/jsx-runtime", "jsx", false);
  for (const use of globalUses) {
    const name = use.name as string;
    if (declared.has(name)) continue;
    sites.push({
      file,
      line: use.loc?.start.line ?? 0,
      specifier: name,
      kind: "global",
      typeOnly: false,
      target: { kind: "global", name },
    });
  }
  return sites.sort((a, b) => a.line - b.line);
}

const CANDIDATES = ["", ".ts", ".tsx", "/index.ts", "/index.tsx"];

/** The file of the tree a relative import lands on, trying the extensions TypeScript would. */
export function landsOn(root: string, path: string): string | undefined {
  const bases = [path, path.replace(/\.js$/, ".ts"), path.replace(/\.jsx$/, ".tsx")];
  for (const base of bases) {
    for (const suffix of CANDIDATES) {
      const candidate = base + suffix;
      try {
        if (statSync(posix.join(root, candidate)).isFile()) return candidate;
      } catch {
        // not this one
      }
    }
  }
  return undefined;
}
