import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bookinfoPrograms } from "../../../src/bookinfo/index.ts";
import { encodeSession } from "../../../src/bookinfo/session.ts";
import { Decks } from "../../../src/dataplane/balancer.ts";
import type { SimRequest, SimResponse } from "../../../src/dataplane/http.ts";
import { Mesh } from "../../../src/dataplane/mesh.ts";
import { watchMesh } from "../../../src/dataplane/meshView.ts";
import {
  addBookinfo,
  addIngressGateway,
  allDestinationRules,
  allV1,
  gateway,
  gatewayVirtualService,
  ManualClock,
  newStore,
  POD_NAMES,
  seededRandom,
  toSubset,
  virtualService,
} from "./fixtures.ts";

// The whole request path of the product page, gateway to ratings, on a manual clock: timeouts
// and fault delays are checked to the millisecond without waiting for them.

const PORT = 31380;
const NS = "default";
const VS = "virtualservices.networking.istio.io";
const SECRET = Buffer.alloc(32, 7);
const JASON = { cookie: `session=${encodeSession(SECRET, "jason")}` };

function setup(sidecars = true) {
  const store = newStore();
  addIngressGateway(store, PORT);
  addBookinfo(store, NS, sidecars);
  store.create("gateways.networking.istio.io", gateway(NS));
  store.create(VS, gatewayVirtualService(NS));
  const clock = new ManualClock();
  const random = seededRandom(11);
  const view = watchMesh(store);
  const mesh = new Mesh({
    index: view.current,
    programFor: bookinfoPrograms({ sessionSecret: SECRET }),
    clock,
    random,
    decks: new Decks(random),
  });
  const send = (request: Partial<SimRequest>, signal = new AbortController().signal) =>
    mesh.fromGateway(
      PORT,
      {
        method: "GET",
        path: "/productpage",
        body: "",
        ...request,
        headers: { host: "localhost", ...request.headers },
      },
      signal,
    );
  /** Sends, lets the clock run `ms`, and reports when (on the clock) the answer came. */
  async function timed(
    request: Partial<SimRequest>,
    ms: number,
  ): Promise<{ response: SimResponse; at: number }> {
    const start = clock.now();
    let at = -1;
    const pending = send(request).then((r) => {
      at = clock.now() - start;
      return r;
    });
    await clock.advance(ms);
    const response = await pending;
    return { response, at };
  }
  return { store, clock, send, timed };
}

const version = (page: string): string => {
  if (!page.includes("glyphicon glyphicon-star")) return page.includes("Reviews served by:") ? "v1" : "none";
  return page.includes('class="flex gap-x-1 text-red-500"') ? "v3" : "v2";
};
const servedBy = (page: string) => /Reviews served by:<\/dt><dd><u>([^<]+)<\/u>/.exec(page)?.[1];

describe("the product page through the gateway", () => {
  test("without rules all three reviews versions answer, each page naming the pod that served it", async () => {
    const { send } = setup();
    const seen: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const r = await send({});
      assert.equal(r.status, 200);
      assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
      const v = version(r.body);
      seen[v] = (seen[v] ?? 0) + 1;
      assert.equal(servedBy(r.body), POD_NAMES[`reviews-${v}` as keyof typeof POD_NAMES]);
    }
    assert.deepEqual(seen, { v1: 10, v2: 10, v3: 10 });
  });

  test("login sets the session cookie; the page then greets jason and sends end-user downstream", async () => {
    const { store, send } = setup();
    const login = await send({
      method: "POST",
      path: "/login",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        referer: "http://localhost/productpage",
      },
      body: "username=jason&passwd=whatever",
    });
    assert.equal(login.status, 302);
    assert.equal(login.headers.location, "http://localhost/productpage");
    const cookie = login.headers["set-cookie"]!;
    assert.match(cookie, /^session=[^;]+; HttpOnly; Path=\/$/);
    allDestinationRules(store, NS);
    store.create(
      VS,
      virtualService(NS, "reviews", [
        { match: [{ headers: { "end-user": { exact: "jason" } } }], route: [toSubset("reviews", "v2")] },
        { route: [toSubset("reviews", "v1")] },
      ]),
    );
    const jason = await send({ headers: { cookie: cookie.split(";")[0]! } });
    assert.match(jason.body, /<span class="user">jason<\/span> <a href="logout">Sign out<\/a>/);
    assert.equal(version(jason.body), "v2");
    const anonymous = await send({ headers: { "end-user": "jason" } });
    assert.equal(version(anonymous.body), "v1", "productpage does not pass on a client's end-user header");
    assert.match(anonymous.body, /Sign in/);
    const logout = await send({ path: "/logout", headers: { cookie: cookie.split(";")[0]! } });
    assert.equal(logout.status, 302);
    assert.match(logout.headers["set-cookie"]!, /^session=; Expires=Thu, 01 Jan 1970/);
  });

  test("a tampered session cookie is no session", async () => {
    const { send } = setup();
    const forged = `session=${Buffer.from('{"user":"jason"}').toString("base64url")}.AAAA`;
    const r = await send({ headers: { cookie: forged } });
    assert.match(r.body, /Sign in/);
  });

  test("all-v1 without DestinationRules: both errors; the ingress route still works", async () => {
    const { store, send } = setup();
    allV1(store, NS);
    const r = await send({});
    assert.equal(r.status, 200);
    assert.match(
      r.body,
      /Error fetching product details<\/p><p>Sorry, product details are currently unavailable for this book\./,
    );
    assert.match(
      r.body,
      /Error fetching product reviews<\/p><p>Sorry, product reviews are currently unavailable for this book\./,
    );
    allDestinationRules(store, NS);
    for (let i = 0; i < 10; i++) assert.equal(version((await send({})).body), "v1");
  });

  test("a 7 s ratings delay for jason with reviews v2: the page comes after 6 s with the reviews error", async () => {
    const { store, clock, timed } = setup();
    allDestinationRules(store, NS);
    store.create(VS, virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v2")] }]));
    store.create(
      VS,
      virtualService(NS, "ratings", [
        {
          match: [{ headers: { "end-user": { exact: "jason" } } }],
          fault: { delay: { percentage: { value: 100.0 }, fixedDelay: "7s" } },
          route: [toSubset("ratings", "v1")],
        },
        { route: [toSubset("ratings", "v1")] },
      ]),
    );
    const { response, at } = await timed({ headers: JASON }, 10_000);
    assert.equal(at, 6000, "3 s timeout, tried twice");
    assert.match(response.body, /Error fetching product reviews/);
    assert.match(response.body, /Sorry, product reviews are currently unavailable for this book\./);
    assert.doesNotMatch(response.body, /Error fetching product details/);
    assert.equal(clock.pending, 0, "no timer outlives the page");
    const anonymous = await timed({}, 100);
    assert.equal(anonymous.at, 0);
    assert.equal(version(anonymous.response.body), "v2");
  });

  test("the same delay with reviews v3: ratings gives up after 2.5 s and each review says so", async () => {
    const { store, timed } = setup();
    allDestinationRules(store, NS);
    store.create(VS, virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v3")] }]));
    store.create(
      VS,
      virtualService(NS, "ratings", [
        {
          fault: { delay: { percentage: { value: 100 }, fixedDelay: "7s" } },
          route: [toSubset("ratings", "v1")],
        },
      ]),
    );
    const { response, at } = await timed({ headers: JASON }, 10_000);
    assert.equal(at, 2500);
    assert.equal(response.body.match(/Ratings service is currently unavailable/g)?.length, 2);
    assert.doesNotMatch(response.body, /glyphicon/);
  });

  test("a 500 abort on ratings for jason: the page is immediate and shows the rating error", async () => {
    const { store, timed } = setup();
    allDestinationRules(store, NS);
    store.create(VS, virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v2")] }]));
    store.create(
      VS,
      virtualService(NS, "ratings", [
        {
          match: [{ headers: { "end-user": { exact: "jason" } } }],
          fault: { abort: { percentage: { value: 100.0 }, httpStatus: 500 } },
          route: [toSubset("ratings", "v1")],
        },
        { route: [toSubset("ratings", "v1")] },
      ]),
    );
    const { response, at } = await timed({ headers: JASON }, 1);
    assert.equal(at, 0);
    assert.equal(response.status, 200);
    assert.match(response.body, /<p class="text-red-500"[^>]*>Ratings service is currently unavailable<\/p>/);
    const other = await timed({}, 1);
    assert.equal(version(other.response.body), "v2");
  });

  test("details slower than 3 s: the details error, and the page does not wait for details", async () => {
    const { store, timed } = setup();
    allDestinationRules(store, NS);
    store.create(
      VS,
      virtualService(NS, "details", [
        {
          fault: { delay: { percentage: { value: 100 }, fixedDelay: "4s" } },
          route: [toSubset("details", "v1")],
        },
      ]),
    );
    const { response, at } = await timed({}, 5000);
    assert.equal(at, 3000);
    assert.match(response.body, /Error fetching product details/);
    assert.doesNotMatch(response.body, /Error fetching product reviews/);
  });

  test("reviews v1 scaled to zero under all-v1: the reviews error; productpage gone: no healthy upstream", async () => {
    const { store, send } = setup();
    allDestinationRules(store, NS);
    allV1(store, NS);
    store.remove("pods", NS, POD_NAMES["reviews-v1"]);
    const r = await send({});
    assert.match(r.body, /Error fetching product reviews/);
    assert.doesNotMatch(r.body, /Error fetching product details/);
    store.remove("pods", NS, POD_NAMES.productpage);
    const gone = await send({});
    assert.equal(gone.status, 503);
    assert.equal(gone.body, "no healthy upstream");
  });

  test("without sidecars the mesh rules change nothing, and the gateway still serves productpage", async () => {
    const { store, send } = setup(false);
    allDestinationRules(store, NS);
    allV1(store, NS);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await send({});
      assert.equal(r.status, 200);
      seen.add(version(r.body));
    }
    assert.deepEqual([...seen].sort(), ["v1", "v2", "v3"]);
  });

  test("a client that gives up cancels everything downstream", async () => {
    const { store, clock, send } = setup();
    allDestinationRules(store, NS);
    store.create(VS, virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v2")] }]));
    store.create(
      VS,
      virtualService(NS, "ratings", [
        {
          fault: { delay: { percentage: { value: 100 }, fixedDelay: "7s" } },
          route: [toSubset("ratings", "v1")],
        },
      ]),
    );
    const controller = new AbortController();
    const pending = send({}, controller.signal);
    await clock.advance(1000);
    assert.ok(clock.pending > 0);
    controller.abort(new Error("client went away"));
    await assert.rejects(pending, /client went away/);
    await clock.advance(0);
    assert.equal(clock.pending, 0);
  });

  test("a route timeout shorter than the upstream answers 504 upstream request timeout", async () => {
    const { store, timed } = setup();
    allDestinationRules(store, NS);
    const vs = gatewayVirtualService(NS);
    (vs.spec as { http: Record<string, unknown>[] }).http[0]!.timeout = "1s";
    store.remove(VS, NS, "bookinfo");
    store.create(VS, vs);
    store.create(
      VS,
      virtualService(NS, "details", [
        {
          fault: { delay: { percentage: { value: 100 }, fixedDelay: "2s" } },
          route: [toSubset("details", "v1")],
        },
      ]),
    );
    const { response, at } = await timed({}, 3000);
    assert.equal(at, 1000);
    assert.equal(response.status, 504);
    assert.equal(response.body, "upstream request timeout");
  });
});

describe("the product API through the gateway", () => {
  test("products, details, reviews and ratings as JSON, re-serialised the Python way", async () => {
    const { send } = setup();
    const products = await send({ path: "/api/v1/products" });
    assert.equal(products.headers["content-type"], "application/json");
    const list = JSON.parse(products.body);
    assert.equal(list[0].id, 0);
    assert.equal(list[0].title, "The Comedy of Errors");
    assert.match(list[0].descriptionHtml, /William Shakespeare/);
    assert.match(products.body, /^\[\{"id": 0, "title": "The Comedy of Errors", /);
    const details = await send({ path: "/api/v1/products/0" });
    assert.equal(
      details.body,
      '{"id": 0, "author": "William Shakespeare", "year": 1595, "type": "paperback", "pages": 200, "publisher": "PublisherA", "language": "English", "ISBN-10": "1234567890", "ISBN-13": "123-1234567890"}',
    );
    const ratings = await send({ path: "/api/v1/products/0/ratings" });
    assert.equal(ratings.body, '{"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}}');
    const reviews = JSON.parse((await send({ path: "/api/v1/products/0/reviews" })).body);
    assert.equal(reviews.id, "0");
    assert.match(reviews.podname, /^reviews-v[123]-/);
    const bad = await send({ path: "/api/v1/products/abc" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body, '{"error": "Sorry, product details are currently unavailable for this book."}');
  });
});
