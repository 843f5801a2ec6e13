import assert from "node:assert/strict";
import { test } from "node:test";
import { endpointsPrinter, formatEndpoints } from "../../../src/tables/endpoints.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

test("ready addresses with their port", () => {
  assert.deepEqual(
    endpointsPrinter.cells(
      {
        metadata: { name: "reviews", creationTimestamp: "2025-06-01T11:55:00Z" },
        subsets: [
          {
            addresses: [{ ip: "10.244.0.5" }, { ip: "10.244.0.6" }],
            notReadyAddresses: [{ ip: "10.244.0.9" }],
            ports: [{ name: "http", port: 9080, protocol: "TCP" }],
          },
        ],
      },
      NOW,
    ),
    ["reviews", "10.244.0.5:9080,10.244.0.6:9080", "5m"],
  );
});

test("past three endpoints kubectl counts the rest", () => {
  const addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((ip) => ({ ip }));
  assert.equal(
    formatEndpoints([{ addresses, ports: [{ port: 80 }] }]),
    "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...",
  );
  assert.equal(
    formatEndpoints([{ addresses, ports: [{ port: 80 }, { port: 443 }] }]),
    "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more...",
  );
  assert.equal(
    formatEndpoints([{ addresses: addresses.slice(0, 3), ports: [{ port: 80 }] }]),
    "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80",
  );
});

test("no subsets is <none>; only not-ready addresses is empty", () => {
  assert.equal(formatEndpoints(undefined), "<none>");
  assert.equal(formatEndpoints([]), "<none>");
  assert.equal(formatEndpoints([{ notReadyAddresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }]), "");
});

test("headless services without ports list bare IPs; IPv6 gets brackets", () => {
  assert.equal(formatEndpoints([{ addresses: [{ ip: "10.0.0.1" }] }]), "10.0.0.1");
  assert.equal(
    formatEndpoints([{ addresses: [{ ip: "fd00::5" }], ports: [{ port: 9080 }] }]),
    "[fd00::5]:9080",
  );
});
