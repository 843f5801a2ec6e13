import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { JSONSchemaProps } from "../../../src/schema/types.ts";
import { validateResource, validateValue } from "../../../src/schema/validate.ts";

const messages = (value: unknown, schema: JSONSchemaProps, path = "spec") =>
  validateValue(value, schema, path).map((c) => `${c.field}: ${c.message}`);

describe("validateValue, in the API server's words", () => {
  test("type mismatches name the actual type twice", () => {
    assert.deepEqual(messages("abc", { type: "integer" }, "spec.weight"), [
      'spec.weight: Invalid value: "string": spec.weight in body must be of type integer: "string"',
    ]);
    assert.deepEqual(messages(1.5, { type: "integer" }, "spec.n"), [
      'spec.n: Invalid value: "number": spec.n in body must be of type integer: "number"',
    ]);
    assert.deepEqual(messages(3, { type: "number" }), []);
    assert.deepEqual(messages(null, { type: "string" }, "spec.s"), [
      'spec.s: Invalid value: "null": spec.s in body must be of type string: "null"',
    ]);
    assert.deepEqual(messages(null, { type: "string", nullable: true }), []);
  });

  test("int-or-string accepts both and names both when neither", () => {
    const schema: JSONSchemaProps = { "x-kubernetes-int-or-string": true };
    assert.deepEqual(messages(8080, schema), []);
    assert.deepEqual(messages("http", schema), []);
    assert.deepEqual(messages(true, schema, "spec.port"), [
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
    ]);
  });

  test("required fields, reported under their own path", () => {
    const schema: JSONSchemaProps = {
      type: "object",
      required: ["host"],
      properties: {
        host: { type: "string" },
        port: { type: "object", required: ["number"], properties: {} },
      },
    };
    assert.deepEqual(messages({ port: {} }, schema, "spec.destination"), [
      "spec.destination.host: Required value",
      "spec.destination.port.number: Required value",
    ]);
  });

  test("enums are Unsupported value with the supported ones listed", () => {
    assert.deepEqual(messages("Sometimes", { type: "string", enum: ["All", "Same"] }, "spec.from"), [
      'spec.from: Unsupported value: "Sometimes": supported values: "All", "Same"',
    ]);
    assert.deepEqual(messages(303, { type: "integer", enum: [301, 302] }, "spec.code"), [
      'spec.code: Unsupported value: 303: supported values: "301", "302"',
    ]);
  });

  test("string limits, patterns and formats", () => {
    assert.deepEqual(messages("x".repeat(5), { type: "string", maxLength: 3 }, "spec.name"), [
      "spec.name: Too long: may not be longer than 3",
    ]);
    assert.deepEqual(messages("", { type: "string", minLength: 1 }, "spec.name"), [
      'spec.name: Invalid value: "": spec.name in body should be at least 1 chars long',
    ]);
    assert.deepEqual(messages("Bad", { type: "string", pattern: "^[a-z]+$" }, "spec.name"), [
      "spec.name: Invalid value: \"Bad\": spec.name in body should match '^[a-z]+$'",
    ]);
    assert.deepEqual(messages("300.1.1.1", { type: "string", format: "ipv4" }, "spec.ip"), [
      'spec.ip: Invalid value: "300.1.1.1": spec.ip in body must be of type ipv4: "300.1.1.1"',
    ]);
    assert.deepEqual(messages("10.0.0.1", { type: "string", format: "ipv4" }), []);
    assert.deepEqual(messages("anything", { type: "string", format: "int32" }), []);
  });

  test("numeric bounds", () => {
    assert.deepEqual(messages(70000, { type: "integer", maximum: 65535, minimum: 1 }, "spec.port"), [
      "spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535",
    ]);
    assert.deepEqual(messages(0, { type: "integer", minimum: 1 }, "spec.port"), [
      "spec.port: Invalid value: 0: spec.port in body should be greater than or equal to 1",
    ]);
  });

  test("list limits and list types", () => {
    assert.deepEqual(
      messages([1, 2, 3], { type: "array", maxItems: 2, items: { type: "integer" } }, "spec.l"),
      ["spec.l: Too many: 3: must have at most 2 items"],
    );
    assert.deepEqual(messages([], { type: "array", minItems: 1, items: { type: "integer" } }, "spec.l"), [
      "spec.l: Invalid value: []interface {}{}: spec.l in body should have at least 1 items",
    ]);
    const listeners: JSONSchemaProps = {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } } },
    };
    assert.deepEqual(
      messages(
        [
          { name: "http", port: 80 },
          { name: "http", port: 8080 },
        ],
        listeners,
        "spec.listeners",
      ),
      ['spec.listeners[1]: Duplicate value: map[string]interface {}{"name":"http"}'],
    );
    assert.deepEqual(
      messages(
        ["a", "a"],
        { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        "spec.s",
      ),
      ['spec.s[1]: Duplicate value: "a"'],
    );
  });

  test("oneOf as Istio's oneofs use it: at most one of the keys", () => {
    const stringMatch: JSONSchemaProps = {
      type: "object",
      properties: { exact: { type: "string" }, prefix: { type: "string" } },
      oneOf: [
        { not: { anyOf: [{ required: ["exact"] }, { required: ["prefix"] }] } },
        { required: ["exact"] },
        { required: ["prefix"] },
      ],
    };
    assert.deepEqual(messages({ exact: "/a" }, stringMatch), []);
    assert.deepEqual(messages({}, stringMatch), []);
    assert.deepEqual(messages({ exact: "/a", prefix: "/" }, stringMatch, "spec.http[0].match[0].uri"), [
      '<nil>: Invalid value: "": "spec.http[0].match[0].uri" must validate one and only one schema (oneOf). Found 2 valid alternatives',
    ]);
  });

  test("an undefined property is an absent one", () => {
    const schema: JSONSchemaProps = {
      type: "object",
      required: ["host"],
      properties: { host: { type: "string" }, status: { type: "object" } },
    };
    assert.deepEqual(messages({ host: undefined, status: undefined }, schema, "spec"), [
      "spec.host: Required value",
    ]);
  });

  test("maps validate their values by additionalProperties", () => {
    assert.deepEqual(
      messages({ app: 1 }, { type: "object", additionalProperties: { type: "string" } }, "spec.labels"),
      [
        'spec.labels.app: Invalid value: "integer": spec.labels.app in body must be of type string: "integer"',
      ],
    );
  });

  test("the duration rule Istio's CRDs carry", () => {
    const timeout: JSONSchemaProps = {
      type: "string",
      "x-kubernetes-validations": [
        { message: "must be a valid duration greater than 1ms", rule: "duration(self) >= duration('1ms')" },
      ],
    };
    assert.deepEqual(messages("0.5s", timeout), []);
    assert.deepEqual(messages("1h2m", timeout), []);
    assert.deepEqual(messages("fast", timeout, "spec.http[0].timeout"), [
      'spec.http[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms',
    ]);
    assert.deepEqual(messages("0s", timeout, "spec.t"), [
      'spec.t: Invalid value: "string": must be a valid duration greater than 1ms',
    ]);
  });
});

describe("validateResource", () => {
  test("checks the root's own fields and leaves apiVersion, kind and metadata to the machinery", () => {
    const schema: JSONSchemaProps = {
      type: "object",
      required: ["spec"],
      properties: {
        metadata: { type: "object" },
        spec: { type: "object", required: ["host"], properties: { host: { type: "string" } } },
      },
    };
    assert.deepEqual(
      validateResource({ apiVersion: "x/v1", kind: "X", metadata: { name: "x" } }, schema).map((c) => [
        c.field,
        c.message,
        c.reason,
      ]),
      [["spec", "Required value", "FieldValueRequired"]],
    );
    assert.deepEqual(
      validateResource({ metadata: {}, spec: {} }, schema).map((c) => c.field),
      ["spec.host"],
    );
  });
});
