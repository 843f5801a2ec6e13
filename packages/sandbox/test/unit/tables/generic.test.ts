import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { crdPrinter, genericPrinter, goJson, goText } from "../../../src/tables/generic.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

const virtualService = {
  apiVersion: "networking.istio.io/v1",
  kind: "VirtualService",
  metadata: { name: "bookinfo", namespace: "default", creationTimestamp: "2025-06-01T11:58:00Z" },
  spec: {
    hosts: ["*"],
    gateways: ["bookinfo-gateway"],
    http: [
      {
        match: [{ uri: { exact: "/productpage" } }],
        route: [{ destination: { host: "productpage", port: { number: 9080 } } }],
      },
    ],
  },
};

describe("crdPrinter", () => {
  const vsPrinter = crdPrinter([
    { name: "Gateways", type: "string", jsonPath: ".spec.gateways" },
    { name: "Hosts", type: "string", jsonPath: ".spec.hosts" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ]);

  test("VirtualService columns print lists as JSON, as a real cluster does", () => {
    assert.deepEqual(vsPrinter.cells(virtualService, NOW), [
      "bookinfo",
      '["bookinfo-gateway"]',
      '["*"]',
      "2m",
    ]);
  });

  test("columns start with NAME and keep the CRD's names and types", () => {
    assert.deepEqual(
      vsPrinter.columns.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ["Name", "string", "name", 0],
        ["Gateways", "string", "", 0],
        ["Hosts", "string", "", 0],
        ["Age", "date", "", 0],
      ],
    );
    assert.equal(
      vsPrinter.columns[1]?.description,
      "Custom resource definition column (in JSONPath format): .spec.gateways",
    );
  });

  test("a missing field is a null cell", () => {
    const mesh = { ...virtualService, spec: { hosts: ["reviews"] } };
    assert.deepEqual(vsPrinter.cells(mesh, NOW), ["bookinfo", null, '["reviews"]', "2m"]);
  });

  test("DestinationRule HOST is a plain string", () => {
    const dr = crdPrinter([{ name: "Host", type: "string", jsonPath: ".spec.host" }]);
    assert.deepEqual(dr.cells({ metadata: { name: "reviews" }, spec: { host: "reviews" } }, NOW), [
      "reviews",
      "reviews",
    ]);
  });

  test("integer, number, boolean and date columns keep their JSON types", () => {
    const printer = crdPrinter([
      { name: "Replicas", type: "integer", jsonPath: ".status.replicas" },
      { name: "Weight", type: "number", jsonPath: ".status.weight" },
      { name: "Ready", type: "boolean", jsonPath: ".status.ready" },
      { name: "Since", type: "date", jsonPath: ".status.since" },
      { name: "Wrong", type: "integer", jsonPath: ".status.ready" },
    ]);
    const object = {
      metadata: { name: "x" },
      status: { replicas: 2.9, weight: 0.5, ready: true, since: "soon" },
    };
    assert.deepEqual(printer.cells(object, NOW), ["x", 2, 0.5, true, "<invalid>", null]);
  });

  test("Gateway API columns: the first address and a condition's status by filter", () => {
    const gateway = crdPrinter([
      { name: "Class", type: "string", jsonPath: ".spec.gatewayClassName" },
      { name: "Address", type: "string", jsonPath: ".status.addresses[*].value" },
      { name: "Programmed", type: "string", jsonPath: '.status.conditions[?(@.type=="Programmed")].status' },
    ]);
    const object = {
      metadata: { name: "bookinfo-gateway" },
      spec: { gatewayClassName: "istio" },
      status: {
        addresses: [{ value: "127.0.0.1" }, { value: "10.96.0.7" }],
        conditions: [
          { type: "Accepted", status: "True" },
          { type: "Programmed", status: "False" },
        ],
      },
    };
    assert.deepEqual(gateway.cells(object, NOW), ["bookinfo-gateway", "istio", "127.0.0.1", "False"]);
    assert.deepEqual(gateway.cells({ metadata: { name: "g" }, spec: {} }, NOW), ["g", null, null, null]);
  });
});

test("genericPrinter is NAME AGE", () => {
  assert.deepEqual(
    genericPrinter.columns.map((c) => c.name),
    ["Name", "Age"],
  );
  assert.deepEqual(
    genericPrinter.cells(
      { metadata: { name: "bookinfo-gateway", creationTimestamp: "2025-06-01T11:00:00Z" } },
      NOW,
    ),
    ["bookinfo-gateway", "60m"],
  );
});

describe("Go-style text", () => {
  test("strings stay as they are; numbers print like fmt", () => {
    assert.equal(goText("reviews"), "reviews");
    assert.equal(goText(9080), "9080");
    assert.equal(goText(0.25), "0.25");
    assert.equal(goText(1234567.5), "1.2345675e+06");
    assert.equal(goText(0.00001), "1e-05");
    assert.equal(goText(true), "true");
  });

  test("lists and maps are compact JSON with sorted keys and HTML-safe escapes", () => {
    assert.equal(goText({ number: 9080, host: "reviews" }), '{"host":"reviews","number":9080}');
    assert.equal(goJson(["a<b", "x&y"]), '["a\\u003cb","x\\u0026y"]');
  });
});
