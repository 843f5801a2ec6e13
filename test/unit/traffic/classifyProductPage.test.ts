import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { ProductPageClass } from "../../../source/traffic/classifyProductPage.ts";
import { classifyProductPage, isCompleteProductPage } from "../../../source/traffic/classifyProductPage.ts";

const FIXTURES = new URL("../../fixtures/productpage/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

const POD = {
  v1: "reviews-v1-7b9f8c6d5f-h2x9k",
  v2: "reviews-v2-5c7d9f8b64-q8lzn",
  v3: "reviews-v3-6f9b7d4c85-m4ptw",
};

// What each fixture page must classify as when served with 200.
const EXPECTED: Record<string, ProductPageClass> = {
  "tailwind-v1.html": { version: "v1", reviewsPod: POD.v1, pageErrors: [] },
  "tailwind-v1-no-pod.html": { version: "v1", pageErrors: [] },
  "tailwind-v2.html": { version: "v2", reviewsPod: POD.v2, pageErrors: [] },
  "tailwind-v2-no-pod.html": { version: "v2", pageErrors: [] },
  "tailwind-v3.html": { version: "v3", reviewsPod: POD.v3, pageErrors: [] },
  "tailwind-v3-no-pod.html": { version: "v3", pageErrors: [] },
  "tailwind-reviews-error.html": { pageErrors: ["reviews"] },
  "tailwind-details-error.html": { version: "v3", reviewsPod: POD.v3, pageErrors: ["details"] },
  // The details error heading is `text-red-500` too; without stars it must not read as v3.
  "tailwind-details-error-v1-no-pod.html": { version: "v1", pageErrors: ["details"] },
  "tailwind-both-errors.html": { pageErrors: ["details", "reviews"] },
  "tailwind-ratings-unavailable-v2.html": { version: "v2", reviewsPod: POD.v2, pageErrors: ["ratings"] },
  "tailwind-ratings-unavailable-v3.html": { version: "v3", reviewsPod: POD.v3, pageErrors: ["ratings"] },
  // v2 or v3, but the colour is gone with the ratings: unknown, and certainly not v1.
  "tailwind-ratings-unavailable-no-pod.html": { pageErrors: ["ratings"] },
  "bootstrap-v1.html": { version: "v1", reviewsPod: POD.v1, pageErrors: [] },
  "bootstrap-v1-no-pod.html": { version: "v1", pageErrors: [] },
  "bootstrap-v2.html": { version: "v2", reviewsPod: POD.v2, pageErrors: [] },
  "bootstrap-v2-no-pod.html": { version: "v2", pageErrors: [] },
  "bootstrap-v3.html": { version: "v3", reviewsPod: POD.v3, pageErrors: [] },
  "bootstrap-v3-no-pod.html": { version: "v3", pageErrors: [] },
  "bootstrap-reviews-error.html": { pageErrors: ["reviews"] },
  "bootstrap-details-error.html": { version: "v1", pageErrors: ["details"] },
  "bootstrap-both-errors.html": { pageErrors: ["details", "reviews"] },
  "bootstrap-ratings-unavailable-v2.html": { version: "v2", reviewsPod: POD.v2, pageErrors: ["ratings"] },
  "bootstrap-ratings-unavailable-v3.html": { version: "v3", reviewsPod: POD.v3, pageErrors: ["ratings"] },
  "bootstrap-ratings-unavailable-no-pod.html": { pageErrors: ["ratings"] },
};

const ENVOY: Record<string, number> = {
  "envoy-404-no-route.txt": 404,
  "envoy-503-no-healthy-upstream.txt": 503,
  "envoy-fault-filter-abort.txt": 500,
};

describe("classifyProductPage on the fixture pages", () => {
  test("every fixture file has an expectation", () => {
    const files = readdirSync(FIXTURES).filter((name) => /\.(html|txt)$/.test(name));
    assert.deepEqual(files.sort(), [...Object.keys(EXPECTED), ...Object.keys(ENVOY)].sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    test(name, () => {
      assert.deepEqual(classifyProductPage(200, fixture(name)), expected);
    });
  }

  for (const [name, code] of Object.entries(ENVOY)) {
    test(`${name} (${code}) is no version`, () => {
      assert.deepEqual(classifyProductPage(code, fixture(name)), { pageErrors: [] });
    });
    // Envoy's bodies are not a product page even if some proxy said 200: unknown, not v1.
    test(`${name} served as 200 is no version either`, () => {
      assert.deepEqual(classifyProductPage(200, fixture(name)), { pageErrors: [] });
    });
  }

  test("a product page behind a non-200 status is not a version", () => {
    for (const code of [500, 503, 302]) {
      assert.deepEqual(classifyProductPage(code, fixture("tailwind-v3.html")), { pageErrors: [] });
    }
  });
});

describe("the fixtures carry the markers the research describes", () => {
  const count = (text: string, marker: string) => text.split(marker).length - 1;

  test("Tailwind prints 'Reviews served by:' per review, Bootstrap once", () => {
    assert.equal(count(fixture("tailwind-v2.html"), "Reviews served by:"), 2);
    assert.equal(count(fixture("bootstrap-v2.html"), "Reviews served by:"), 1);
    assert.match(fixture("bootstrap-v2.html"), /<u>reviews-v2-/);
  });

  test("stars: 9 full and 1 empty per page, coloured by generation", () => {
    const tailwind = fixture("tailwind-v3.html");
    assert.equal(count(tailwind, 'id="glyphicon glyphicon-star"'), 9);
    assert.equal(count(tailwind, 'fill="none"'), 1);
    assert.equal(count(tailwind, "gap-x-1 text-red-500"), 2);
    const bootstrap = fixture("bootstrap-v2.html");
    assert.equal(count(bootstrap, 'class="glyphicon glyphicon-star"'), 9);
    assert.equal(count(bootstrap, "glyphicon-star-empty"), 1);
    assert.equal(count(bootstrap, '<font color="black">'), 2);
  });

  test("error headings: no '!' on Tailwind, '!' on Bootstrap; v1 has no star at all", () => {
    assert.match(fixture("tailwind-reviews-error.html"), /Error fetching product reviews</);
    assert.match(fixture("bootstrap-reviews-error.html"), /Error fetching product reviews!/);
    assert.doesNotMatch(fixture("tailwind-v1.html"), /glyphicon-star/);
    assert.doesNotMatch(fixture("bootstrap-v1.html"), /glyphicon-star/);
  });
});

/** A fragment inside the least a page needs to count as a whole product page. */
const whole = (fragment: string) =>
  `<html><title>Simple Bookstore App</title><h4>Book Reviews</h4>${fragment}</html>`;

describe("classifyProductPage rules", () => {
  test("the pod name pins the version over the star markup", () => {
    const page = fixture("tailwind-v2.html").replaceAll(POD.v2, POD.v3);
    assert.equal(classifyProductPage(200, page).version, "v3");
    const old = fixture("bootstrap-v3.html").replaceAll(POD.v3, POD.v1);
    assert.equal(classifyProductPage(200, old).version, "v1");
  });

  test("a pod name that is not reviews-vN-... falls back to the stars", () => {
    const page = fixture("tailwind-v3.html").replaceAll(POD.v3, "my-reviews-6f9b7d4c85-m4ptw");
    assert.deepEqual(classifyProductPage(200, page), {
      version: "v3",
      reviewsPod: "my-reviews-6f9b7d4c85-m4ptw",
      pageErrors: [],
    });
  });

  test("the cluster name after the pod is not part of it", () => {
    assert.match(fixture("tailwind-v3.html"), /on cluster <u>Kubernetes<\/u>/);
    assert.equal(classifyProductPage(200, fixture("tailwind-v3.html")).reviewsPod, POD.v3);
  });

  test("a row of only empty stars is still a rating row", () => {
    const page = whole(`<font color="red"><span class="glyphicon glyphicon-star-empty"></span></font>`);
    assert.equal(classifyProductPage(200, page).version, "v3");
  });

  test("stars with no colour that can be read count as v2, the default colour", () => {
    const page = whole(`<span class="glyphicon glyphicon-star"></span>`);
    assert.equal(classifyProductPage(200, page).version, "v2");
  });

  test("an unclosed star row is still read, within its window", () => {
    const page = whole(`<div class="flex gap-x-1 text-red-500"><svg id="glyphicon glyphicon-star"></svg>`);
    assert.equal(classifyProductPage(200, page).version, "v3");
  });

  test("a red element without stars (rating error, error heading) is not v3", () => {
    const page = whole(`<p class="text-red-500">Something else</p>`);
    assert.equal(classifyProductPage(200, page).version, "v1");
  });

  test("a 200 page that is not the product page is no version", () => {
    assert.deepEqual(classifyProductPage(200, "<html><title>Welcome to nginx!</title></html>"), {
      pageErrors: [],
    });
    assert.deepEqual(classifyProductPage(200, ""), { pageErrors: [] });
    // productpage's own front page has the same title and no reviews.
    const front =
      "<title>Simple Bookstore App</title><h1>Hello! This is a simple bookstore application.</h1>";
    assert.deepEqual(classifyProductPage(200, front), { pageErrors: [] });
  });

  test("only a whole page gives a version: the title, the reviews section and the end of the document", () => {
    const v2 = fixture("tailwind-v2.html");
    assert.equal(classifyProductPage(200, v2).version, "v2");
    assert.deepEqual(classifyProductPage(200, v2.slice(0, v2.length / 2)), { pageErrors: [] });
    assert.deepEqual(classifyProductPage(200, v2.replace(/<title>[^<]*<\/title>/, "")), { pageErrors: [] });
    assert.deepEqual(classifyProductPage(200, v2.replaceAll("Book Reviews", "")), { pageErrors: [] });
    assert.equal(isCompleteProductPage(`${v2}\n  `), true, "whitespace after </html> is still the end");
  });

  test("page errors come in a fixed order whatever the page order", () => {
    const page = whole(
      "Ratings service is currently unavailable Error fetching product reviews Error fetching product details",
    );
    assert.deepEqual(classifyProductPage(200, page).pageErrors, ["details", "reviews", "ratings"]);
  });
});
