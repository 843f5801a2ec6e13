import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applySchemaDefaults } from "../../../src/schema/defaults.ts";
import { prune, pruneNonNullableNulls, pruneResource } from "../../../src/schema/prune.ts";
import type { JSONSchemaProps } from "../../../src/schema/types.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        hosts: { type: "array", items: { type: "string" } },
        http: {
          type: "array",
          items: {
            type: "object",
            properties: {
              route: {
                type: "array",
                items: { type: "object", properties: { weight: { type: "integer" } } },
              },
            },
          },
        },
        selector: { type: "object", additionalProperties: { type: "string" } },
        config: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { known: { type: "object", properties: { a: { type: "string" } } } },
        },
      },
    },
    status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
};

describe("pruneResource", () => {
  test("drops undeclared fields at any depth and reports their paths, sorted", () => {
    const object = {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "r", bogus: 1 },
      spec: {
        hosts: ["reviews"],
        htp: [{}],
        http: [{ route: [{ weight: 1, wieght: 2 }] }, { rout: [] }],
        selector: { app: "reviews" },
      },
      status: { anything: { goes: true } },
      extra: true,
    };
    const pruned = pruneResource(object, schema);
    assert.deepEqual(pruned, [
      "extra",
      "metadata.bogus",
      "spec.htp",
      "spec.http[0].route[0].wieght",
      "spec.http[1].rout",
    ]);
    assert.deepEqual(object, {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "r" },
      spec: { hosts: ["reviews"], http: [{ route: [{ weight: 1 }] }, {}], selector: { app: "reviews" } },
      status: { anything: { goes: true } },
    });
  });

  test("keeps unknown fields of a preserved subtree but prunes its declared parts", () => {
    const object = { spec: { config: { free: { form: 1 }, known: { a: "x", b: "y" } } } };
    assert.deepEqual(pruneResource(object, schema), ["spec.config.known.b"]);
    assert.deepEqual(object.spec.config, { free: { form: 1 }, known: { a: "x" } });
  });

  test("a resource without a schema keeps only apiVersion, kind and metadata", () => {
    const object: Record<string, unknown> = {
      apiVersion: "v1",
      kind: "X",
      metadata: { name: "x" },
      spec: {},
    };
    assert.deepEqual(pruneResource(object, undefined), ["spec"]);
    assert.deepEqual(Object.keys(object), ["apiVersion", "kind", "metadata"]);
  });

  test("prune below the root reports paths from there", () => {
    const value = { a: 1, b: 2 };
    assert.deepEqual(prune(value, { type: "object", properties: { a: { type: "integer" } } }), ["b"]);
  });
});

describe("pruneNonNullableNulls", () => {
  test("drops nulls of fields that may not be null and have no default", () => {
    const s: JSONSchemaProps = {
      type: "object",
      properties: {
        a: { type: "string" },
        b: { type: "string", nullable: true },
        c: { type: "string", default: "x" },
      },
    };
    const value = { a: null, b: null, c: null };
    pruneNonNullableNulls(value, s);
    assert.deepEqual(value, { b: null, c: null });
  });
});

describe("applySchemaDefaults", () => {
  const routes: JSONSchemaProps = {
    type: "object",
    properties: {
      rules: {
        type: "array",
        default: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
        items: {
          type: "object",
          properties: {
            backendRefs: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  kind: { type: "string", default: "Service" },
                  weight: { type: "integer", default: 1 },
                },
              },
            },
            matches: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  path: {
                    type: "object",
                    default: { type: "PathPrefix", value: "/" },
                    properties: {
                      type: { type: "string", default: "PathPrefix" },
                      value: { type: "string", default: "/" },
                    },
                  },
                },
              },
            },
          },
        },
      },
      mode: { type: "string", default: "Terminate" },
    },
  };

  test("fills missing fields, parents before children, and keeps what is set", () => {
    const value: Record<string, unknown> = {
      rules: [{ backendRefs: [{ weight: 5 }, {}], matches: [{ path: { value: "/x" } }] }],
      mode: null,
    };
    applySchemaDefaults(value, routes);
    assert.deepEqual(value, {
      mode: "Terminate",
      rules: [
        {
          backendRefs: [
            { weight: 5, kind: "Service" },
            { kind: "Service", weight: 1 },
          ],
          matches: [{ path: { value: "/x", type: "PathPrefix" } }],
        },
      ],
    });
  });

  test("a missing list gets its default, whose items get theirs", () => {
    const value: Record<string, unknown> = {};
    applySchemaDefaults(value, routes);
    assert.deepEqual(value.rules, [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }]);
  });

  test("defaults are copies", () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    applySchemaDefaults(a, routes);
    applySchemaDefaults(b, routes);
    (a.rules as unknown[]).push("changed");
    assert.equal((b.rules as unknown[]).length, 1);
  });
});
