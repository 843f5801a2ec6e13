import { badRequest } from "./status.ts";

interface Operation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

type Container = Record<string, unknown> | unknown[];

const unescapeToken = (token: string) => token.replace(/~1/g, "/").replace(/~0/g, "~");

function split(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`JSON patch path must start with '/': ${path}`);
  return path.slice(1).split("/").map(unescapeToken);
}

function parentOf(root: unknown, tokens: string[], path: string): [Container, string] {
  let node = root;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : (node as Record<string, unknown> | undefined)?.[token];
    if (node === undefined || node === null || typeof node !== "object") {
      throw badRequest(
        `the server rejected our request due to an error in our request: doc is missing path: "${path}"`,
      );
    }
  }
  return [node as Container, tokens[tokens.length - 1] ?? ""];
}

function read(root: unknown, path: string): unknown {
  const tokens = split(path);
  if (tokens.length === 0) return root;
  const [parent, last] = parentOf(root, tokens, path);
  const value = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (value === undefined) throw badRequest(`doc is missing path: "${path}"`);
  return value;
}

function remove(root: unknown, path: string): void {
  const tokens = split(path);
  const [parent, last] = parentOf(root, tokens, path);
  if (Array.isArray(parent)) {
    const index = Number(last);
    if (!(index in parent)) throw badRequest(`doc is missing path: "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!(last in parent)) throw badRequest(`doc is missing path: "${path}"`);
    delete parent[last];
  }
}

function add(root: unknown, path: string, value: unknown, replace: boolean): void {
  const tokens = split(path);
  const [parent, last] = parentOf(root, tokens, path);
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw badRequest(`invalid index in "${path}"`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(last in parent)) throw badRequest(`doc is missing path: "${path}"`);
    parent[last] = structuredClone(value);
  }
}

/** RFC 6902, for `kubectl patch --type=json`. Returns a new document; the input is untouched. */
export function applyJsonPatch<T>(document: T, operations: unknown[]): T {
  const root = structuredClone(document);
  for (const raw of operations) {
    const op = raw as Operation;
    switch (op?.op) {
      case "add":
        add(root, op.path, op.value, false);
        break;
      case "replace":
        add(root, op.path, op.value, true);
        break;
      case "remove":
        remove(root, op.path);
        break;
      case "copy":
        add(root, op.path, read(root, op.from ?? ""), false);
        break;
      case "move": {
        const value = read(root, op.from ?? "");
        remove(root, op.from ?? "");
        add(root, op.path, value, false);
        break;
      }
      case "test":
        if (JSON.stringify(read(root, op.path)) !== JSON.stringify(op.value)) {
          throw badRequest(`testing value ${op.path} failed`);
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${String(op?.op)}`);
    }
  }
  return root;
}
