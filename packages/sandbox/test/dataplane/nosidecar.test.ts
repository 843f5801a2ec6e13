import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { deployBookinfo, manifest, pages, type Tutorial, tally } from "../../testing/tutorial.ts";

// Bookinfo deployed before injection was turned on: pods are 1/1, so no sidecar applies the
// mesh rules, while the gateway (a proxy of its own) still routes.

let t: Tutorial;

before(async () => {
  t = await deployBookinfo("plain", false);
});
after(async () => t?.close());

describe("a namespace without sidecars, with curl and kubectl", () => {
  test("the all-v1 rules do not change the version mix, and the gateway still serves productpage", async () => {
    for (const file of [
      "bookinfo-gateway.yaml",
      "destination-rule-all.yaml",
      "virtual-service-all-v1.yaml",
    ]) {
      await t.ok("-n", t.ns, "apply", "-f", manifest(file));
    }
    const list = await pages(`${t.gatewayUrl}/productpage`, 60);
    assert.ok(list.every((p) => p.status === 200));
    const mix = tally(list);
    for (const v of ["v1", "v2", "v3"]) assert.ok((mix[v] ?? 0) >= 10, JSON.stringify(mix));
  });
});
