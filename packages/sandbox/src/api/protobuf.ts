// Decodes request bodies sent as application/vnd.kubernetes.protobuf. kubectl's typed clients (create namespace,
// configmap, secret, serviceaccount, deployment, service; debug --copy-to) send protobuf bodies, and client-go
// does not retry a 415 as JSON, so the sandbox has to read them. Responses can stay JSON: the same clients
// accept it.
//
// Envelope: the magic bytes "k8s\0", then a runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2,
// contentEncoding=3, contentType=4} whose raw holds the object. The result is the object kubectl would have
// sent as JSON, built from the field tables in protobufSchemas.ts.

import type { KubeObject, ObjectMeta } from "../kube.ts";
import {
  ClusterRole,
  ClusterRoleBinding,
  ConfigMap,
  Deployment,
  type Field,
  LocalSubjectAccessReview,
  type MessageSchema,
  Namespace,
  Pod,
  ReplicaSet,
  Role,
  RoleBinding,
  Secret,
  SelfSubjectAccessReview,
  SelfSubjectReview,
  SelfSubjectRulesReview,
  Service,
  ServiceAccount,
  SubjectAccessReview,
  TokenRequest,
} from "./protobufSchemas.ts";

export const KUBERNETES_PROTOBUF = "application/vnd.kubernetes.protobuf";

const MAGIC = Buffer.from("k8s\0", "latin1");

/** The body is not valid Kubernetes protobuf (bad magic, truncated, wrong wire type...): a 400. */
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
}

/** The envelope is fine but the sandbox has no field table for this kind: a 415 naming it. */
export class ProtobufUnsupportedError extends Error {
  override name = "ProtobufUnsupportedError";
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(
      `the sandbox cannot decode ${apiVersion} ${kind} sent as ${KUBERNETES_PROTOBUF}; ` +
        `it decodes ${supportedProtobufKinds().join(", ")}`,
    );
  }
}

const KINDS = new Map<string, MessageSchema>([
  ["v1 Namespace", Namespace],
  ["v1 ConfigMap", ConfigMap],
  ["v1 Secret", Secret],
  ["v1 ServiceAccount", ServiceAccount],
  ["v1 Service", Service],
  ["v1 Pod", Pod],
  ["apps/v1 Deployment", Deployment],
  ["apps/v1 ReplicaSet", ReplicaSet],
  ["rbac.authorization.k8s.io/v1 Role", Role],
  ["rbac.authorization.k8s.io/v1 ClusterRole", ClusterRole],
  ["rbac.authorization.k8s.io/v1 RoleBinding", RoleBinding],
  ["rbac.authorization.k8s.io/v1 ClusterRoleBinding", ClusterRoleBinding],
  ["authentication.k8s.io/v1 TokenRequest", TokenRequest],
  ["authentication.k8s.io/v1 SelfSubjectReview", SelfSubjectReview],
  ["authorization.k8s.io/v1 SelfSubjectAccessReview", SelfSubjectAccessReview],
  ["authorization.k8s.io/v1 SelfSubjectRulesReview", SelfSubjectRulesReview],
  ["authorization.k8s.io/v1 SubjectAccessReview", SubjectAccessReview],
  ["authorization.k8s.io/v1 LocalSubjectAccessReview", LocalSubjectAccessReview],
]);

/** "apiVersion Kind" for every kind decodeKubernetesProtobuf understands. */
export function supportedProtobufKinds(): string[] {
  return [...KINDS.keys()];
}

/** True for application/vnd.kubernetes.protobuf with or without parameters. */
export function isKubernetesProtobuf(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === KUBERNETES_PROTOBUF;
}

export function decodeKubernetesProtobuf(body: Buffer): KubeObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ProtobufDecodeError('the protobuf body does not start with the "k8s\\0" magic bytes');
  }
  const unknown = readUnknown(new Reader(body, MAGIC.length, body.length));
  if (unknown.contentEncoding) {
    throw new ProtobufDecodeError(
      `the protobuf content encoding "${unknown.contentEncoding}" is not supported`,
    );
  }
  if (!unknown.kind || !unknown.apiVersion) {
    throw new ProtobufDecodeError("the protobuf body does not name its apiVersion and kind");
  }
  const schema = KINDS.get(`${unknown.apiVersion} ${unknown.kind}`);
  if (!schema) throw new ProtobufUnsupportedError(unknown.apiVersion, unknown.kind);
  // Without this a body cut off before its raw field would pass as an empty object.
  if (!unknown.raw) throw new ProtobufDecodeError(`the protobuf body carries no ${unknown.kind} object`);
  const fields = decodeMessage(new Reader(unknown.raw, 0, unknown.raw.length), schema, unknown.kind);
  const metadata = (fields.metadata ?? {}) as ObjectMeta;
  return { apiVersion: unknown.apiVersion, kind: unknown.kind, ...fields, metadata };
}

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Buffer | undefined;
  contentEncoding: string;
}

function readUnknown(reader: Reader): Unknown {
  const out: Unknown = { apiVersion: "", kind: "", raw: undefined, contentEncoding: "" };
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    if (wireType !== WIRE_LEN) {
      reader.skip(wireType, "Unknown");
      continue;
    }
    const bytes = reader.bytes(`Unknown field ${number}`);
    if (number === 1) {
      const typeMeta = new Reader(bytes, 0, bytes.length);
      while (!typeMeta.done()) {
        const t = typeMeta.tag();
        if (t.wireType !== WIRE_LEN) typeMeta.skip(t.wireType, "TypeMeta");
        else if (t.number === 1) out.apiVersion = typeMeta.bytes("TypeMeta.apiVersion").toString("utf8");
        else if (t.number === 2) out.kind = typeMeta.bytes("TypeMeta.kind").toString("utf8");
        else typeMeta.bytes("TypeMeta");
      }
    } else if (number === 2) out.raw = bytes;
    else if (number === 3) out.contentEncoding = bytes.toString("utf8");
  }
  return out;
}

// ---- wire format ----

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  // BigInt keeps 64-bit values and negative int32s (sent as ten-byte varints) exact until we narrow them.
  varint(where: string): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw truncated(where, "a varint");
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    throw new ProtobufDecodeError(`malformed protobuf: a varint in ${where} is longer than ten bytes`);
  }

  tag(): { number: number; wireType: number } {
    const start = this.pos;
    const tag = this.varint("a field tag");
    const number = Number(tag >> 3n);
    if (number === 0) throw new ProtobufDecodeError(`malformed protobuf: field number 0 at offset ${start}`);
    return { number, wireType: Number(tag & 7n) };
  }

  bytes(where: string): Buffer {
    const length = Number(this.varint(where));
    if (length > this.end - this.pos) {
      throw truncated(where, `${length} bytes but only ${this.end - this.pos} remain`);
    }
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  skip(wireType: number, where: string): void {
    if (wireType === WIRE_VARINT) this.varint(where);
    else if (wireType === WIRE_LEN) this.bytes(where);
    else if (wireType === WIRE_FIXED64 || wireType === WIRE_FIXED32) {
      const size = wireType === WIRE_FIXED64 ? 8 : 4;
      if (size > this.end - this.pos) throw truncated(where, `${size} bytes`);
      this.pos += size;
    } else {
      // Groups (3, 4) are proto2 legacy that no Kubernetes type uses; anything else is corruption.
      throw new ProtobufDecodeError(`malformed protobuf: unsupported wire type ${wireType} in ${where}`);
    }
  }
}

function truncated(where: string, needed: string): ProtobufDecodeError {
  return new ProtobufDecodeError(`the protobuf body is truncated: ${where} needs ${needed}`);
}

// ---- messages ----

type JsonObject = Record<string, unknown>;

function expectedWireType(field: Field): number {
  const t = field.type;
  return t === "int32" || t === "int64" || t === "bool" ? WIRE_VARINT : WIRE_LEN;
}

function decodeMessage(reader: Reader, schema: MessageSchema, path: string): JsonObject {
  const out: JsonObject = {};
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    const field = schema.fields[number];
    if (!field) {
      reader.skip(wireType, `${path} (${schema.name} field ${number})`);
      continue;
    }
    const where = `${path}.${field.json}`;
    const expected = expectedWireType(field);
    if (wireType === expected) {
      store(out, field, readValue(reader, field, where));
    } else if (field.repeated && expected === WIRE_VARINT && wireType === WIRE_LEN) {
      // A packed repeated scalar: proto2 Kubernetes types are not packed, but decoders must accept both.
      const packed = reader.bytes(where);
      const inner = new Reader(packed, 0, packed.length);
      while (!inner.done()) store(out, field, scalar(field, inner.varint(where)));
    } else {
      throw new ProtobufDecodeError(
        `malformed protobuf: ${where} has wire type ${wireType}, expected ${expected} (${schema.name} field ${number})`,
      );
    }
  }
  return out;
}

/** Sentinel for a value that the JSON encoding would leave out entirely (a zero meta.v1.Time). */
const OMIT = Symbol("omit");

function readValue(reader: Reader, field: Field, where: string): unknown {
  const t = field.type;
  if (t === "int32" || t === "int64" || t === "bool") return scalar(field, reader.varint(where));
  const bytes = reader.bytes(where);
  if (t === "string") return bytes.toString("utf8");
  const inner = new Reader(bytes, 0, bytes.length);
  switch (t) {
    case "time":
      return time(inner, where);
    case "intOrString":
      return intOrString(inner, where);
    case "quantity":
      return quantity(inner, where);
    case "rawJSON":
      return rawJSON(inner, where);
    case "stringMap":
    case "bytesMap":
    case "quantityMap":
      return mapEntry(inner, t, where);
    default:
      return decodeMessage(inner, t, where);
  }
}

function scalar(field: Field, value: bigint): number | boolean {
  if (field.type === "bool") return value !== 0n;
  if (field.type === "int32") return Number(BigInt.asIntN(32, value));
  return Number(BigInt.asIntN(64, value));
}

// IntOrString and Quantity are Go structs, which omitempty never drops, so only true scalars qualify.
function isScalar(field: Field): boolean {
  const t = field.type;
  return t === "string" || t === "int32" || t === "int64" || t === "bool";
}

function isZero(value: unknown): boolean {
  return value === "" || value === 0 || value === false;
}

function store(out: JsonObject, field: Field, value: unknown): void {
  const name = field.json;
  if (value === OMIT) {
    delete out[name];
  } else if (field.inline) {
    Object.assign(out, value as JsonObject);
  } else if (field.repeated) {
    const list = Array.isArray(out[name]) ? out[name] : [];
    list.push(value);
    out[name] = list;
  } else if (field.type === "stringMap" || field.type === "bytesMap" || field.type === "quantityMap") {
    const [key, entry] = value as [string, unknown];
    const map = isPlainObject(out[name]) ? out[name] : {};
    map[key] = entry;
    out[name] = map;
  } else if (typeof field.type === "object" && isPlainObject(out[name])) {
    // Protobuf merges a repeated occurrence of a singular message into the earlier one.
    Object.assign(out[name] as JsonObject, value as JsonObject);
  } else if (isScalar(field) && !field.keep && isZero(value)) {
    delete out[name];
  } else {
    out[name] = value;
  }
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the fields of a small fixed-layout message, skipping anything else. */
function readFields(
  reader: Reader,
  where: string,
  wanted: Record<number, "varint" | "bytes">,
): Map<number, bigint | Buffer> {
  const values = new Map<number, bigint | Buffer>();
  while (!reader.done()) {
    const { number, wireType } = reader.tag();
    const kind = wanted[number];
    if (kind === "varint" && wireType === WIRE_VARINT) values.set(number, reader.varint(where));
    else if (kind === "bytes" && wireType === WIRE_LEN) values.set(number, reader.bytes(where));
    else reader.skip(wireType, where);
  }
  return values;
}

function time(reader: Reader, where: string): string | typeof OMIT {
  const values = readFields(reader, where, { 1: "varint", 2: "varint" });
  const seconds = BigInt.asIntN(64, (values.get(1) as bigint | undefined) ?? 0n);
  const nanos = Number(BigInt.asIntN(32, (values.get(2) as bigint | undefined) ?? 0n));
  // Go marshals a zero Time as null; leaving it out says the same without a null in a string-typed field.
  if (seconds === 0n && nanos === 0) return OMIT;
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) {
    throw new ProtobufDecodeError(`malformed protobuf: ${where} is out of range (${seconds} seconds)`);
  }
  // meta.v1.Time marshals whole seconds only.
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function intOrString(reader: Reader, where: string): number | string {
  const values = readFields(reader, where, { 1: "varint", 2: "varint", 3: "bytes" });
  if (values.get(1) === 1n)
    return ((values.get(3) as Buffer | undefined) ?? Buffer.alloc(0)).toString("utf8");
  return Number(BigInt.asIntN(32, (values.get(2) as bigint | undefined) ?? 0n));
}

function quantity(reader: Reader, where: string): string {
  const text = (readFields(reader, where, { 1: "bytes" }).get(1) as Buffer | undefined)?.toString("utf8");
  // A zero Quantity marshals as "0".
  return text || "0";
}

function rawJSON(reader: Reader, where: string): unknown {
  const raw = readFields(reader, where, { 1: "bytes" }).get(1) as Buffer | undefined;
  if (!raw || raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new ProtobufDecodeError(`malformed protobuf: ${where} does not hold JSON`);
  }
}

function mapEntry(
  reader: Reader,
  type: "stringMap" | "bytesMap" | "quantityMap",
  where: string,
): [string, unknown] {
  const values = readFields(reader, where, { 1: "bytes", 2: "bytes" });
  const key = ((values.get(1) as Buffer | undefined) ?? Buffer.alloc(0)).toString("utf8");
  const raw = (values.get(2) as Buffer | undefined) ?? Buffer.alloc(0);
  if (type === "stringMap") return [key, raw.toString("utf8")];
  if (type === "bytesMap") return [key, raw.toString("base64")];
  return [key, quantity(new Reader(raw, 0, raw.length), `${where}[${key}]`)];
}
