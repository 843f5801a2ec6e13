import assert from "node:assert/strict";
import { test } from "node:test";
import { namespacePrinter } from "../../../src/tables/namespaces.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("STATUS is the namespace phase", () => {
  assert.deepEqual(
    namespacePrinter.cells(
      {
        metadata: { name: "istio-system", creationTimestamp: "2025-05-31T12:00:00Z" },
        status: { phase: "Active" },
      },
      NOW,
    ),
    ["istio-system", "Active", "24h"],
  );
  assert.deepEqual(
    namespacePrinter.cells(
      {
        metadata: { name: "old", creationTimestamp: "2025-04-01T12:00:00Z" },
        status: { phase: "Terminating" },
      },
      NOW,
    ),
    ["old", "Terminating", "61d"],
  );
  assert.deepEqual(
    namespacePrinter.columns.map((c) => c.name),
    ["Name", "Status", "Age"],
  );
});
