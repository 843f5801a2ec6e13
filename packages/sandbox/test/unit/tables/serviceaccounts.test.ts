import assert from "node:assert/strict";
import { test } from "node:test";
import { serviceAccountPrinter } from "../../../src/tables/serviceaccounts.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("SECRETS counts the listed secrets (0 for token-less accounts)", () => {
  assert.deepEqual(
    serviceAccountPrinter.cells(
      { metadata: { name: "bookinfo-productpage", creationTimestamp: "2025-06-01T11:59:30Z" } },
      NOW,
    ),
    ["bookinfo-productpage", 0, "30s"],
  );
  assert.deepEqual(
    serviceAccountPrinter.cells({ metadata: { name: "legacy" }, secrets: [{ name: "legacy-token-x" }] }, NOW),
    ["legacy", 1, "<unknown>"],
  );
  assert.deepEqual(
    serviceAccountPrinter.columns.map((c) => [c.name, c.type]),
    [
      ["Name", "string"],
      ["Secrets", "integer"],
      ["Age", "string"],
    ],
  );
});
