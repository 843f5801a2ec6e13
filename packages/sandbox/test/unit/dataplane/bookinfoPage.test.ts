import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PRODUCT } from "../../../src/bookinfo/catalog.ts";
import { details } from "../../../src/bookinfo/details.ts";
import { renderIndexPage, renderProductPage } from "../../../src/bookinfo/productpageHtml.ts";
import { pythonDumps } from "../../../src/bookinfo/pythonJson.ts";
import { reviewsJson } from "../../../src/bookinfo/reviews.ts";
import { cookieValue, decodeSession, encodeSession } from "../../../src/bookinfo/session.ts";

const DETAILS = {
  id: 0,
  type: "paperback",
  pages: 200,
  publisher: "PublisherA",
  language: "English",
  "ISBN-10": "1234567890",
  "ISBN-13": "123-1234567890",
};
const page = (reviews: string, user?: string) =>
  renderProductPage({
    user,
    product: PRODUCT,
    details: { ok: true, value: DETAILS },
    reviews: { ok: true, value: JSON.parse(reviews) },
  });
const POD = "reviews-v2-5b667bcbf8-7bdwh";

describe("the product page markup", () => {
  test("title, headings and details", () => {
    const html = page(reviewsJson("0", POD, undefined, undefined));
    assert.match(html, /<title>Simple Bookstore App<\/title>/);
    assert.match(html, /Book Details/);
    assert.match(html, /Book Reviews/);
    assert.match(html, /<dt>ISBN-13:<\/dt><dd>123-1234567890<\/dd>/);
    assert.match(html, /The Comedy of Errors/);
  });

  test("v1: no star markup at all, and 'Reviews served by:' with the pod in each review", () => {
    const html = page(reviewsJson("0", "reviews-v1-5b5d6494f4-hn9dk", undefined, undefined));
    assert.doesNotMatch(html, /glyphicon/);
    assert.doesNotMatch(
      html,
      /text-(red|black)-500/,
      "the marker classes appear nowhere, not even in the stylesheet",
    );
    assert.equal(html.match(/Reviews served by:<\/dt><dd><u>reviews-v1-5b5d6494f4-hn9dk<\/u>/g)?.length, 2);
  });

  test("v2: 9 full black stars and 1 empty for ratings 5 and 4", () => {
    const html = page(reviewsJson("0", POD, "black", { Reviewer1: 5, Reviewer2: 4 }));
    assert.equal(html.match(/<svg id="glyphicon glyphicon-star"/g)?.length, 9);
    assert.equal(html.match(/<svg class="star"[^>]*fill="none"/g)?.length, 1);
    assert.equal(html.match(/<div class="flex gap-x-1 text-black-500"/g)?.length, 2);
    assert.doesNotMatch(html, /text-red-500/);
  });

  test("v3: red stars", () => {
    const html = page(reviewsJson("0", "reviews-v3-5b9bd44f4-kqd58", "red", { Reviewer1: 5, Reviewer2: 4 }));
    assert.equal(html.match(/<div class="flex gap-x-1 text-red-500"/g)?.length, 2);
    assert.equal(html.match(/glyphicon glyphicon-star/g)?.length, 9);
  });

  test("a rating error replaces the stars of each review", () => {
    const html = page(reviewsJson("0", POD, "black", undefined));
    assert.equal(html.match(/Ratings service is currently unavailable/g)?.length, 2);
    assert.doesNotMatch(html, /glyphicon/);
  });

  test("fetch errors, without the old template's exclamation marks", () => {
    const html = renderProductPage({
      user: undefined,
      product: PRODUCT,
      details: { ok: false, error: "Sorry, product details are currently unavailable for this book." },
      reviews: { ok: false, error: "Sorry, product reviews are currently unavailable for this book." },
    });
    assert.match(
      html,
      /Error fetching product details<\/p><p>Sorry, product details are currently unavailable for this book\.<\/p>/,
    );
    assert.match(
      html,
      /Error fetching product reviews<\/p><p>Sorry, product reviews are currently unavailable for this book\.<\/p>/,
    );
    assert.doesNotMatch(html, /Error fetching product (details|reviews)!/);
    assert.doesNotMatch(html, /Reviews served by/);
  });

  test("signed out: a sign-in form posting username and passwd; signed in: the name, escaped, and sign out", () => {
    const out = page(reviewsJson("0", POD, undefined, undefined));
    assert.match(out, /<form method="post" action="login">/);
    assert.match(out, /name="username"/);
    assert.match(out, /name="passwd"/);
    const signedIn = page(reviewsJson("0", POD, undefined, undefined), "<b>jason</b>");
    assert.match(signedIn, /&lt;b&gt;jason&lt;\/b&gt;/);
    assert.match(signedIn, /<a href="logout">Sign out<\/a>/);
    assert.doesNotMatch(signedIn, /action="login"/);
  });

  test("the front page links to the product page", () => {
    assert.match(renderIndexPage(), /href="productpage\?u=normal"/);
  });
});

describe("service bodies", () => {
  test("reviews: id as a string, podname, clustername null, ratings only when enabled", () => {
    const v1 = JSON.parse(reviewsJson("0", "p", undefined, undefined));
    assert.deepEqual(Object.keys(v1), ["id", "podname", "clustername", "reviews"]);
    assert.equal(v1.id, "0");
    assert.equal(v1.clustername, "null");
    assert.equal(v1.reviews[0].rating, undefined);
    const v3 = JSON.parse(reviewsJson("0", "p", "red", { Reviewer1: 5, Reviewer2: 4 }));
    assert.deepEqual(v3.reviews[1].rating, { stars: 4, color: "red" });
    const failed = JSON.parse(reviewsJson("0", "p", "red", undefined));
    assert.deepEqual(failed.reviews[0].rating, { error: "Ratings service is currently unavailable" });
  });

  test("details: compact JSON; a non-numeric id is a 400", async () => {
    const ok = await details({ method: "GET", path: "/details/0", headers: {}, body: "" });
    assert.equal(
      ok.body,
      '{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
    );
    const bad = await details({ method: "GET", path: "/details/x", headers: {}, body: "" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body, '{"error":"please provide numeric product id"}');
    const health = await details({ method: "GET", path: "/health", headers: {}, body: "" });
    assert.equal(health.body, '{"status":"Details is healthy"}');
  });

  test("Python-style JSON", () => {
    assert.equal(
      pythonDumps({ a: [1, "x"], b: { c: null, d: true } }),
      '{"a": [1, "x"], "b": {"c": null, "d": true}}',
    );
    assert.equal(pythonDumps("é"), '"\\u00e9"');
  });

  test("the session cookie round-trips and resists tampering", () => {
    const secret = Buffer.alloc(32, 1);
    const value = encodeSession(secret, "jason");
    assert.deepEqual(decodeSession(secret, value), { user: "jason" });
    assert.deepEqual(decodeSession(Buffer.alloc(32, 2), value), {});
    assert.deepEqual(decodeSession(secret, `${value}x`), {});
    assert.deepEqual(decodeSession(secret, undefined), {});
    assert.equal(cookieValue(`a=1; session=${value}; b=2`, "session"), value);
  });
});
