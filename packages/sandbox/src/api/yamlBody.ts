// YAML request bodies (server-side apply, application/yaml) with aliases bounded the way the API
// server's YAML decoder bounds them: an anchor that contains itself is refused, and a document
// whose aliases expand it far beyond what was sent ("billion laughs") is refused before anything
// expands it. A parsed document shares one value per anchor; nothing here copies it out.

import { load } from "js-yaml";

export class YamlBodyError extends Error {
  override name = "YamlBodyError";
}

class SelfContainingAnchor extends Error {}

/** Far deeper than any manifest (a CRD's schema nests a few dozen levels), well inside the stack. */
const MAX_DEPTH = 1000;

// go-yaml's alias budget: past 100 aliases and 1,000 decoded nodes, aliases may account for
// 99 % of the nodes of a small document, falling to 10 % for one of 4,000,000 nodes.
const ALIAS_RATIO_RANGE_LOW = 400_000;
const ALIAS_RATIO_RANGE_HIGH = 4_000_000;

function allowedAliasRatio(decoded: number): number {
  if (decoded <= ALIAS_RATIO_RANGE_LOW) return 0.99;
  if (decoded >= ALIAS_RATIO_RANGE_HIGH) return 0.1;
  return 0.99 - (0.89 * (decoded - ALIAS_RATIO_RANGE_LOW)) / (ALIAS_RATIO_RANGE_HIGH - ALIAS_RATIO_RANGE_LOW);
}

/** What a document expands to: nodes once every alias is replaced by its anchor's value. */
export interface Expansion {
  /** Nodes after expansion (go-yaml's decode count). */
  nodes: number;
  /** Nodes as written: each shared value counted once. */
  written: number;
  /** Roughly the JSON size after expansion, in bytes. */
  bytes: number;
}

/**
 * Parses one YAML document. Throws YamlBodyError with go-yaml's wording (after the `yaml: `
 * prefix the API server's messages carry) for a syntax error, a self-containing anchor, or
 * excessive aliasing; or when the expansion would exceed `maxExpandedBytes`.
 */
export function readYaml(text: string, maxExpandedBytes: number): unknown {
  let value: unknown;
  try {
    value = load(text, { maxDepth: MAX_DEPTH } as Parameters<typeof load>[1]);
  } catch (error) {
    const { reason, mark } = error as { reason?: string; mark?: { line?: number } };
    const line = mark?.line === undefined ? "" : `line ${mark.line + 1}: `;
    throw new YamlBodyError(`yaml: ${line}${reason ?? (error as Error).message.split("\n")[0]}`);
  }
  let expansion: Expansion;
  try {
    expansion = expand(value);
  } catch (error) {
    if (!(error instanceof SelfContainingAnchor)) throw error;
    // The parsed value no longer names its anchors; the document's first one is the usual culprit.
    const anchor = /&([^\s,[\]{}]+)/.exec(text)?.[1] ?? "";
    throw new YamlBodyError(`yaml: anchor '${anchor}' value contains itself`);
  }
  const aliased = expansion.nodes - expansion.written;
  if (
    aliased > 100 &&
    expansion.nodes > 1000 &&
    aliased / expansion.nodes > allowedAliasRatio(expansion.nodes)
  )
    throw new YamlBodyError("yaml: document contains excessive aliasing");
  if (expansion.bytes > maxExpandedBytes)
    throw new YamlBodyError(
      `yaml: the document expands to about ${expansion.bytes} bytes through its aliases, more than the ${maxExpandedBytes} a request may hold`,
    );
  return value;
}

/**
 * Walks the value once per distinct container (iteratively: the depth costs no stack), so a
 * document of 10 aliases of 10 aliases ... is measured without being expanded. A container met
 * again while it is still being walked is an anchor that contains itself.
 */
export function expand(root: unknown): Expansion {
  const measured = new Map<object, { nodes: number; bytes: number }>();
  const onPath = new Set<object>();
  let written = 0;
  type Frame = {
    node: object;
    children: unknown[];
    next: number;
    nodes: number;
    bytes: number;
    keyBytes: number;
  };
  const stack: Frame[] = [];
  let result: { nodes: number; bytes: number } = { nodes: 0, bytes: 0 };

  const scalarBytes = (value: unknown) =>
    typeof value === "string" ? value.length + 2 : value === null ? 4 : String(value).length;

  const enter = (node: unknown, key?: string): { nodes: number; bytes: number } | undefined => {
    const keyBytes = key === undefined ? 0 : key.length + 4;
    if (node === null || typeof node !== "object") {
      written++;
      return { nodes: 1, bytes: scalarBytes(node) + keyBytes };
    }
    const known = measured.get(node);
    if (known) return { nodes: known.nodes, bytes: known.bytes + keyBytes };
    if (onPath.has(node)) throw new SelfContainingAnchor();
    onPath.add(node);
    written++;
    const children = Array.isArray(node) ? node : Object.entries(node);
    stack.push({ node, children, next: 0, nodes: 1, bytes: 2, keyBytes });
    return undefined;
  };

  const first = enter(root);
  if (first) return { nodes: first.nodes, written, bytes: first.bytes };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      const [key, value] = Array.isArray(frame.node) ? [undefined, child] : (child as [string, unknown]);
      const done = enter(value, key);
      if (done) {
        frame.nodes += done.nodes;
        frame.bytes += done.bytes + 1;
      }
      continue;
    }
    stack.pop();
    onPath.delete(frame.node);
    // Measured without its key, which belongs to each place it is used.
    const own = { nodes: frame.nodes, bytes: frame.bytes };
    measured.set(frame.node, own);
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.nodes += own.nodes;
      parent.bytes += own.bytes + frame.keyBytes + 1;
    } else result = own;
  }
  return { nodes: result.nodes, written, bytes: result.bytes };
}
