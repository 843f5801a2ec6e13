import assert from "node:assert/strict";
import { test } from "node:test";
import { customResourceDefinitionPrinter, rfc3339 } from "../../../src/tables/customresourcedefinitions.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("CRDs show NAME and CREATED AT as an RFC 3339 timestamp, not an age", () => {
  assert.deepEqual(
    customResourceDefinitionPrinter.cells(
      {
        metadata: { name: "virtualservices.networking.istio.io", creationTimestamp: "2025-06-01T09:15:42Z" },
      },
      NOW,
    ),
    ["virtualservices.networking.istio.io", "2025-06-01T09:15:42Z"],
  );
  assert.deepEqual(
    customResourceDefinitionPrinter.columns.map((c) => [c.name, c.type]),
    [
      ["Name", "string"],
      ["Created At", "date"],
    ],
  );
});

test("timestamps are normalised to UTC seconds, and missing ones are Go's zero time", () => {
  assert.equal(rfc3339("2025-06-01T11:15:42.731+02:00"), "2025-06-01T09:15:42Z");
  assert.equal(rfc3339(undefined), "0001-01-01T00:00:00Z");
});
