import assert from "node:assert/strict";
import { test } from "node:test";
import {
  endpointSliceColumns,
  endpointSlicePrinter,
  formatSliceEndpoints,
  formatSlicePorts,
} from "../../../src/tables/endpointslices.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("the columns kubectl get endpointslices shows", () => {
  assert.deepEqual(
    endpointSliceColumns.map((c) => [c.name, c.priority]),
    [
      ["Name", 0],
      ["AddressType", 0],
      ["Ports", 0],
      ["Endpoints", 0],
      ["Age", 0],
    ],
  );
});

test("ports by number and every address, ready or not", () => {
  assert.deepEqual(
    endpointSlicePrinter.cells(
      {
        metadata: { name: "reviews-x7k2p", creationTimestamp: "2025-06-01T11:58:00Z" },
        addressType: "IPv4",
        ports: [{ name: "http", port: 9080 }],
        endpoints: [{ addresses: ["10.244.0.5"] }, { addresses: ["10.244.0.9"] }],
      },
      NOW,
    ),
    ["reviews-x7k2p", "IPv4", "9080", "10.244.0.5,10.244.0.9", "2m"],
  );
});

test("three shown, the rest counted; <unset> for none; a port's name or * without a number", () => {
  const endpoints = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map((ip) => ({
    addresses: [ip],
  }));
  assert.equal(formatSliceEndpoints(endpoints), "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...");
  assert.equal(formatSliceEndpoints(null), "<unset>");
  assert.equal(formatSlicePorts(null), "<unset>");
  assert.equal(formatSlicePorts([{ name: "http" }, {}, { port: 80 }, { port: 81 }]), "http,*,80 + 1 more...");
});
