import { createHash } from "node:crypto";
import { customResourceSchemas, metaSchemas } from "../crd/openapi.ts";
import { builtinSchemasFor } from "./builtinSchemas.ts";
import { groups, RESOURCES, type ResourceType, resourcesIn, type Served } from "./resources.ts";

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

interface Published {
  document: ReturnType<typeof buildDocument>;
  hash: string;
}

// Documents only change when what is served changes, and the same served list is the same object.
const published = new WeakMap<Served, Map<string, Published>>();

function publish(group: string, version: string, served: Served): Published {
  let byGv = published.get(served);
  if (!byGv) {
    byGv = new Map();
    published.set(served, byGv);
  }
  const key = `${group}/${version}`;
  let entry = byGv.get(key);
  if (!entry) {
    const document = buildDocument(group, version, served);
    const hash = createHash("sha512")
      .update(JSON.stringify(document))
      .digest("hex")
      .toUpperCase()
      .slice(0, 64);
    entry = { document, hash };
    byGv.set(key, entry);
  }
  return entry;
}

function buildDocument(group: string, version: string, served: Served) {
  const resources = resourcesIn(group, version, served);
  const paths = Object.assign({}, ...resources.map((r) => operations(r, version)));
  const custom = Object.assign({}, ...resources.map((r) => customResourceSchemas(r, version)));
  const builtin = resources.some((r) => !r.custom) ? builtinSchemasFor(group, version) : {};
  const own = { ...custom, ...builtin };
  const schemas = Object.keys(own).length ? { ...own, ...metaSchemas } : {};
  const onlyCustom = resources.length > 0 && resources.every((r) => r.custom);
  return {
    openapi: "3.0.0",
    info: onlyCustom
      ? { title: "Kubernetes CRD Swagger", version: "v0.1.0" }
      : { title: "Kubernetes", version: "v1.32.4" },
    paths,
    components: { schemas },
  };
}

export function openApiDocument(group: string, version: string, served: Served = RESOURCES) {
  return publish(group, version, served).document;
}

const hashOf = (group: string, version: string, served: Served) => publish(group, version, served).hash;

export function openApiRoot(served: Served = RESOURCES) {
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
  served: Served = RESOURCES,
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
