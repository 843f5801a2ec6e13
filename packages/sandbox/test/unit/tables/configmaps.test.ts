import assert from "node:assert/strict";
import { test } from "node:test";
import { configMapPrinter } from "../../../src/tables/configmaps.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("DATA counts text and binary keys together", () => {
  assert.deepEqual(
    configMapPrinter.cells(
      {
        metadata: { name: "istio", creationTimestamp: "2025-06-01T09:00:00Z" },
        data: { mesh: "...", meshNetworks: "..." },
        binaryData: { logo: "iVBORw0KGgo=" },
      },
      NOW,
    ),
    ["istio", 3, "3h"],
  );
  assert.deepEqual(
    configMapPrinter.cells({ metadata: { name: "empty", creationTimestamp: "2025-06-01T09:00:00Z" } }, NOW),
    ["empty", 0, "3h"],
  );
  assert.deepEqual(
    configMapPrinter.columns.map((c) => c.name),
    ["Name", "Data", "Age"],
  );
});
