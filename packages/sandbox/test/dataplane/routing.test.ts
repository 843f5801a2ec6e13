import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  deployBookinfo,
  fixture,
  manifest,
  pages,
  podsGone,
  type Tutorial,
  tally,
} from "../../testing/tutorial.ts";

// Request routing and traffic shifting from the Istio tasks, in the order a user applies them.

let t: Tutorial;
let productpage: string;

before(async () => {
  t = await deployBookinfo("routing", true);
  await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
  productpage = `${t.gatewayUrl}/productpage`;
});
after(async () => t?.close());

describe("routing rules, with curl and kubectl", () => {
  test("virtual-service-all-v1 before destination-rule-all: both fetch errors, but the page is served", async () => {
    await t.ok("-n", t.ns, "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    const [page] = await pages(productpage, 1);
    assert.equal(page!.status, 200);
    assert.match(page!.body, /Error fetching product details/);
    assert.match(page!.body, /Error fetching product reviews/);
  });

  test("with destination-rule-all as well, 60 of 60 pages are v1", async () => {
    await t.ok("-n", t.ns, "apply", "-f", manifest("destination-rule-all.yaml"));
    assert.deepEqual(tally(await pages(productpage, 60)), { v1: 60 });
  });

  test("end-user jason to v2: jason's session gets v2 every time, an anonymous client v1", async () => {
    await t.ok("-n", t.ns, "apply", "-f", fixture("virtual-service-reviews-test-v2.yaml"));
    const jar = await t.login("jason");
    const jason = await pages(productpage, 20, jar);
    assert.deepEqual(tally(jason), { v2: 20 });
    assert.match(jason[0]!.body, /jason/);
    assert.match(jason[0]!.body, /Sign out/);
    assert.deepEqual(tally(await pages(productpage, 20)), { v1: 20 });
    const other = await t.login("alice");
    assert.deepEqual(tally(await pages(productpage, 10, other)), { v1: 10 });
  });

  test("v1/v3 weights 50/50: between 40 % and 60 % v1 over 200 pages, no v2", async () => {
    await t.ok("-n", t.ns, "apply", "-f", fixture("virtual-service-reviews-50-v3.yaml"));
    const mix = tally(await pages(productpage, 200));
    assert.equal(mix.v2, undefined, JSON.stringify(mix));
    assert.equal((mix.v1 ?? 0) + (mix.v3 ?? 0), 200, JSON.stringify(mix));
    assert.ok(mix.v1! >= 80 && mix.v1! <= 120, JSON.stringify(mix));
  });

  test("reviews-v1 scaled to 0 under the all-v1 rules: the reviews error", async () => {
    await t.ok("-n", t.ns, "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    await t.ok("-n", t.ns, "scale", "deployment", "reviews-v1", "--replicas=0");
    await podsGone(t, "reviews-v1");
    const [page] = await pages(productpage, 1);
    assert.equal(page!.status, 200);
    assert.match(page!.body, /Error fetching product reviews/);
    assert.match(page!.body, /Sorry, product reviews are currently unavailable for this book\./);
    assert.doesNotMatch(page!.body, /Error fetching product details/);
  });
});
