import assert from "node:assert/strict";
import { test } from "node:test";
import { mutatingWebhookPrinter } from "../../../src/tables/mutatingwebhookconfigurations.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("WEBHOOKS counts the configuration's webhooks", () => {
  assert.deepEqual(
    mutatingWebhookPrinter.cells(
      {
        metadata: { name: "istio-sidecar-injector", creationTimestamp: "2025-06-01T11:00:00Z" },
        webhooks: [
          { name: "rev.namespace.sidecar-injector.istio.io" },
          { name: "rev.object.sidecar-injector.istio.io" },
        ],
      },
      NOW,
    ),
    ["istio-sidecar-injector", 2, "60m"],
  );
  assert.deepEqual(
    mutatingWebhookPrinter.columns.map((c) => [c.name, c.type]),
    [
      ["Name", "string"],
      ["Webhooks", "integer"],
      ["Age", "string"],
    ],
  );
});
