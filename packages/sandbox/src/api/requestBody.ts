// Request bodies turned into objects, refused the way the API server refuses them: a body it
// cannot decode is 400 BadRequest in the words of its decoder, a patch whose result does not
// decode is 422 Invalid on the field "patch". Nothing here writes; callers store only what passes.

import type { KubeObject } from "../kube.ts";
import { type Decoder, decodeError, goFormat, typeOfKind } from "./decoding.ts";
import { JsonSyntaxError, readJson } from "./jsonBody.ts";
import type { ResourceType } from "./resources.ts";
import { badRequest, StatusError } from "./status.ts";
import { readYaml, YamlBodyError } from "./yamlBody.ts";

/** The API server's body limit (3 MiB); YAML may not expand past it through aliases either. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/**
 * How deep a stored object may nest. Go's decoder takes 10,000 levels and drops what no field
 * holds; the sandbox keeps every field, and copying 5,000 levels overflows the stack, so it
 * refuses what no manifest comes near (a CRD's schema nests a few dozen levels).
 */
export const MAX_OBJECT_DEPTH = 1000;

/** kube-apiserver's cap on the operations of one JSON patch. */
const MAX_JSON_PATCH_OPERATIONS = 10_000;

// What the API server's JSON serializer decodes first to find a body's kind, as reflect prints it.
const KIND_FINDER =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** Up to 30 bytes of the body, as the API server quotes it: text for JSON objects, hex otherwise. */
function summarize(raw: string): string {
  const bytes = Buffer.from(raw, "utf8");
  if (bytes.length === 0) return "<empty>";
  const head = bytes.subarray(0, 30);
  const more = bytes.length > 30 ? " ..." : "";
  return raw.startsWith("{") ? `${head.toString("utf8")}${more}` : `${head.toString("hex")}${more}`;
}

const unrecognized = (r: ResourceType, cause: string, raw: string) =>
  badRequest(`the object provided is unrecognized (must be of type ${r.kind}): ${cause} (${summarize(raw)})`);

/** A parsed body and the source text of its numbers (see readJson). */
export interface DecodedBody {
  value: unknown;
  numberText: Map<number, string>;
}

function parse(raw: string, yaml: boolean): DecodedBody {
  const body = yaml ? { value: readYaml(raw, MAX_BODY_BYTES), numberText: new Map() } : readJson(raw);
  checkDepth(body.value);
  return body;
}

/** Refuses a body nested deeper than MAX_OBJECT_DEPTH, measured without recursion. */
function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > MAX_OBJECT_DEPTH)
      throw badRequest(
        `the request body nests more than ${MAX_OBJECT_DEPTH} levels deep, which this API server does not store`,
      );
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
}

/**
 * A create or update body (JSON or YAML) as the object it names, or the API server's 400:
 * `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal ...`.
 */
export function decodeObject(r: ResourceType, urlVersion: string, raw: string, yaml: boolean): KubeObject {
  let body: DecodedBody;
  try {
    body = parse(raw, yaml);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw unrecognized(r, `couldn't get version/kind; json parse error: ${error.message}`, raw);
    if (error instanceof YamlBodyError)
      throw unrecognized(r, `error converting YAML to JSON: ${error.message}`, raw);
    throw error;
  }
  const { value } = body;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    // null decodes into the kind finder without complaint and leaves an empty object.
    if (value !== null)
      throw unrecognized(
        r,
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${kind === "boolean" ? "bool" : kind} into Go value of type ${KIND_FINDER}`,
        raw,
      );
    return checkDecoded(r, urlVersion, { metadata: {} }, body.numberText);
  }
  const object = value as Record<string, unknown>;
  for (const field of ["apiVersion", "kind"]) {
    const found = object[field];
    if (found !== undefined && found !== null && typeof found !== "string")
      throw unrecognized(
        r,
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(found)} into Go struct field .${field} of type string`,
        raw,
      );
  }
  return checkDecoded(r, urlVersion, object as KubeObject, body.numberText);
}

/** Decodes an already parsed object (also protobuf bodies) into its kind's Go type. */
export function checkDecoded(
  r: ResourceType,
  urlVersion: string,
  object: KubeObject,
  numberText: Map<number, string> = new Map(),
): KubeObject {
  const problem = decodeError(typeOfKind(r.kind, r.custom !== undefined), object, "json", numberText);
  if (problem) {
    const version = object.apiVersion?.split("/").pop() || urlVersion;
    const kind = object.kind || r.kind;
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${r.kind}: ${problem}`);
  }
  object.metadata ??= {};
  return object;
}

const jsonKind = (v: unknown) =>
  Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v === "boolean" ? "bool" : typeof v;

/** A JSON patch, merge patch or strategic merge patch body, refused as the API server refuses it. */
export function decodePatch(contentType: string, raw: string): DecodedBody {
  let body: DecodedBody;
  try {
    body = readJson(raw);
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // The merge patch library answers any syntax error with one sentence of its own.
    if (contentType === "application/merge-patch+json") throw badRequest("Invalid JSON Patch");
    throw badRequest(error.message);
  }
  checkDepth(body.value);
  const { value } = body;
  if (contentType === "application/json-patch+json") {
    if (!Array.isArray(value))
      throw badRequest(`json: cannot unmarshal ${jsonKind(value)} into Go value of type jsonpatch.Patch`);
    const notAnOperation = value.find((op) => op === null || typeof op !== "object" || Array.isArray(op));
    if (notAnOperation !== undefined && notAnOperation !== null)
      throw badRequest(
        `json: cannot unmarshal ${jsonKind(notAnOperation)} into Go value of type jsonpatch.Operation`,
      );
    if (value.length > MAX_JSON_PATCH_OPERATIONS)
      throw new StatusError(
        413,
        "RequestEntityTooLarge",
        `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${value.length}`,
      );
    return body;
  }
  if (contentType === "application/merge-patch+json") {
    if (value === null) throw badRequest("Invalid JSON Patch");
    return body;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw badRequest(
      `json: cannot unmarshal ${value === null ? "null" : jsonKind(value)} into Go value of type map[string]interface {}`,
    );
  return body;
}

/** A server-side apply body: one YAML (or JSON) object. */
export function decodeApply(raw: string): DecodedBody {
  let value: unknown;
  try {
    value = readYaml(raw, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof YamlBodyError) throw badRequest(`error converting YAML to JSON: ${error.message}`);
    throw error;
  }
  checkDepth(value);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw badRequest(
      `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${value === null ? "null" : jsonKind(value)} into Go value of type map[string]interface {}`,
    );
  return { value, numberText: new Map() };
}

/**
 * The result of a patch must decode into the kind's Go type: 422 on "patch" otherwise, quoting
 * the patched object (JSON and merge patches) or the patch (strategic merge), as the API does.
 */
export function checkPatched(
  r: ResourceType,
  patched: unknown,
  patch: DecodedBody,
  decoder: Exclude<Decoder, "apply">,
): void {
  const type = typeOfKind(r.kind, r.custom !== undefined);
  const problem = decodeError(type, patched, decoder, patch.numberText);
  if (!problem) return;
  const shown = decoder === "unstructured" ? goFormat(patch.value) : JSON.stringify(patched);
  throw patchInvalid(shown, problem);
}

/** A server-side apply whose configuration does not fit the kind's schema: 400, as the API says. */
export function checkApplied(r: ResourceType, version: string, applied: unknown): void {
  const problem = decodeError(typeOfKind(r.kind, r.custom !== undefined), applied, "apply");
  if (!problem) return;
  const gvk = `${r.group}/${version}, Kind=${r.kind}`;
  throw badRequest(`failed to create typed patch object (${gvk}): ${problem}`);
}

function patchInvalid(shown: string, problem: string): StatusError {
  const message = `Invalid value: ${JSON.stringify(shown)}: ${problem}`;
  return new StatusError(422, "Invalid", ` "" is invalid: patch: ${message}`, {
    causes: [{ reason: "FieldValueInvalid", message, field: "patch" }],
  });
}
