import { createHash } from "node:crypto";
import { ALL_SERVED, groups, type ResourceType, resourcesIn, type Served } from "./resources.ts";

// kubectl (1.29+) validates an apply by finding, per kind, a PATCH operation that declares the
// fieldValidation parameter; then the server validates and no schema is needed client-side.
const fieldValidation = [
  { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
];

const docPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

function operations(r: ResourceType, version: string) {
  const gvk = { group: r.group, version, kind: r.kind };
  const prefix = r.group ? `/apis/${r.group}/${version}` : `/api/${version}`;
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const op = (action: string) => ({
    operationId: `${action}${r.kind}`,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    parameters: action === "patch" || action === "post" || action === "put" ? fieldValidation : [],
    responses: { "200": { description: "OK" } },
  });
  return {
    [collection]: { get: op("list"), post: op("post") },
    [`${collection}/{name}`]: { get: op("get"), put: op("put"), patch: op("patch"), delete: op("delete") },
  };
}

export function openApiDocument(group: string, version: string, served: Served = ALL_SERVED) {
  const paths = Object.assign({}, ...resourcesIn(group, version, served).map((r) => operations(r, version)));
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.4" },
    paths,
    components: { schemas: {} },
  };
}

const hashOf = (group: string, version: string, served: Served) =>
  createHash("sha512")
    .update(JSON.stringify(openApiDocument(group, version, served)))
    .digest("hex")
    .toUpperCase()
    .slice(0, 64);

export function openApiRoot(served: Served = ALL_SERVED) {
  const entries: [string, { serverRelativeURL: string }][] = [];
  const add = (group: string, version: string) => {
    const path = docPath(group, version);
    entries.push([path, { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(group, version, served)}` }]);
  };
  add("", "v1");
  for (const g of groups(served)) for (const v of g.versions) add(g.name, v);
  return { paths: Object.fromEntries(entries) };
}

/** `api/v1` or `apis/apps/v1` to its group and version, if served. */
export function parseOpenApiPath(
  path: string,
  served: Served = ALL_SERVED,
): { group: string; version: string } | undefined {
  const parts = path.split("/").filter(Boolean);
  const found =
    parts[0] === "api" && parts.length === 2
      ? { group: "", version: parts[1] ?? "" }
      : parts[0] === "apis" && parts.length === 3
        ? { group: parts[1] ?? "", version: parts[2] ?? "" }
        : undefined;
  if (!found || resourcesIn(found.group, found.version, served).length === 0) return undefined;
  return found;
}

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/**
 * An OpenAPI v2 document with no definitions, in the protobuf kubectl insists on for v2. kubectl
 * falls back to it for kinds the v3 documents do not name; with nothing defined it lets the
 * apply go on to the API mapping, which reports an unknown kind as a real cluster does
 * ("no matches for kind ... ensure CRDs are installed first").
 */
export function emptyOpenApiV2(): Buffer {
  const field = (number: number, payload: Buffer) =>
    Buffer.concat([Buffer.from([(number << 3) | 2, payload.length]), payload]);
  const info = Buffer.concat([field(1, Buffer.from("Kubernetes")), field(2, Buffer.from("v1.32.4"))]);
  return Buffer.concat([field(1, Buffer.from("2.0")), field(2, info)]);
}
