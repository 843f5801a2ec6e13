import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findResults, parseJsonPath } from "../../../src/tables/jsonpath.ts";

const object = {
  metadata: { name: "bookinfo", labels: { "app.kubernetes.io/name": "bookinfo", app: "web" } },
  spec: {
    hosts: ["a", "b", "c"],
    http: [
      {
        route: [
          { destination: { host: "productpage" }, weight: 80 },
          { destination: { host: "v2" }, weight: 20 },
        ],
      },
    ],
  },
  status: {
    conditions: [
      { type: "Accepted", status: "True", observedGeneration: 2 },
      { type: "Programmed", status: "False", observedGeneration: 1 },
    ],
  },
};

const eval_ = (path: string) => {
  const steps = parseJsonPath(path);
  assert.ok(steps, `parses ${path}`);
  return findResults(object, steps);
};

describe("JSONPath", () => {
  test("fields, braces and escaped dots", () => {
    assert.deepEqual(eval_(".spec.hosts"), [["a", "b", "c"]]);
    assert.deepEqual(eval_("{.metadata.name}"), ["bookinfo"]);
    assert.deepEqual(eval_(".metadata.labels.app\\.kubernetes\\.io/name"), ["bookinfo"]);
    assert.deepEqual(eval_(".metadata.labels['app.kubernetes.io/name']"), ["bookinfo"]);
  });

  test("indexes, negative indexes, slices, unions and wildcards", () => {
    assert.deepEqual(eval_(".spec.hosts[0]"), ["a"]);
    assert.deepEqual(eval_(".spec.hosts[-1]"), ["c"]);
    assert.deepEqual(eval_(".spec.hosts[0:2]"), ["a", "b"]);
    assert.deepEqual(eval_(".spec.hosts[0,2]"), ["a", "c"]);
    assert.deepEqual(eval_(".spec.hosts[*]"), ["a", "b", "c"]);
    assert.deepEqual(eval_(".spec.http[*].route[*].weight"), [80, 20]);
    assert.deepEqual(eval_(".metadata.labels.*"), ["web", "bookinfo"]);
  });

  test("recursive descent", () => {
    assert.deepEqual(eval_("..host"), ["productpage", "v2"]);
  });

  test("filters compare with literals and test for presence", () => {
    assert.deepEqual(eval_('.status.conditions[?(@.type=="Programmed")].status'), ["False"]);
    assert.deepEqual(eval_(".status.conditions[?(@.type=='Accepted')].status"), ["True"]);
    assert.deepEqual(eval_(".status.conditions[?(@.observedGeneration > 1)].type"), ["Accepted"]);
    assert.deepEqual(eval_('.status.conditions[?(@.type!="Accepted")].type'), ["Programmed"]);
    assert.deepEqual(eval_(".spec.http[0].route[?(@.weight)].destination.host"), ["productpage", "v2"]);
  });

  test("missing keys select nothing", () => {
    assert.deepEqual(eval_(".spec.tcp"), []);
    assert.deepEqual(eval_(".spec.hosts[7]"), []);
    assert.deepEqual(eval_('.status.conditions[?(@.type=="Ready")].status'), []);
  });

  test("what is not a path is undefined", () => {
    assert.equal(parseJsonPath("spec.hosts"), undefined);
    assert.equal(parseJsonPath(".spec.hosts[abc]"), undefined);
    assert.equal(parseJsonPath(".spec.conditions[?(@.type==)]"), undefined);
  });
});
