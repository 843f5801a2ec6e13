import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { curl, deployBookinfo, fixture, manifest, pages, type Tutorial } from "../../testing/tutorial.ts";

// The fault-injection task: jason is routed to reviews v2, then ratings fails or stalls for him.

let t: Tutorial;
let jar: string;
let productpage: string;

before(async () => {
  t = await deployBookinfo("faults", true);
  for (const file of ["bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"]) {
    await t.ok("-n", t.ns, "apply", "-f", manifest(file));
  }
  await t.ok("-n", t.ns, "apply", "-f", fixture("virtual-service-reviews-test-v2.yaml"));
  productpage = `${t.gatewayUrl}/productpage`;
  jar = await t.login("jason");
});
after(async () => t?.close());

describe("fault injection, with curl and kubectl", () => {
  test("a ratings abort (500) for jason: his page is 200 and says ratings are unavailable", async () => {
    await t.ok("-n", t.ns, "apply", "-f", fixture("virtual-service-ratings-test-abort.yaml"));
    const started = performance.now();
    const [page] = await pages(productpage, 1, jar);
    assert.ok(performance.now() - started < 2000, "no waiting involved");
    assert.equal(page!.status, 200);
    assert.match(page!.body, /Ratings service is currently unavailable/);
    assert.doesNotMatch(page!.body, /glyphicon/);
    const [anonymous] = await pages(productpage, 1);
    assert.doesNotMatch(anonymous!.body, /Ratings service is currently unavailable/);
  });

  test("a 7 s ratings delay for jason with reviews v2: the page arrives after about 6 s with the reviews error", async () => {
    await t.ok("-n", t.ns, "apply", "-f", fixture("virtual-service-ratings-test-delay.yaml"));
    const result = await curl("-s", "-b", jar, "-w", "\n@@ %{http_code} %{time_total}", productpage);
    const [body, outcome] = result.stdout.split("\n@@ ");
    const [status, seconds] = outcome!.split(" ");
    assert.equal(status, "200");
    assert.ok(Number(seconds) > 5.8 && Number(seconds) < 7, `took ${seconds} s`);
    assert.match(body!, /Error fetching product reviews/);
    assert.match(body!, /Sorry, product reviews are currently unavailable for this book\./);
    assert.doesNotMatch(body!, /Error fetching product details/);
  });
});
