import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bookinfoPrograms } from "../../../src/bookinfo/index.ts";
import { Decks } from "../../../src/dataplane/balancer.ts";
import type { SimResponse } from "../../../src/dataplane/http.ts";
import { Mesh } from "../../../src/dataplane/mesh.ts";
import { watchMesh } from "../../../src/dataplane/meshView.ts";
import { retriable, retryPolicy } from "../../../src/dataplane/retries.ts";
import {
  addBookinfo,
  addIngressGateway,
  allDestinationRules,
  gateway,
  gatewayVirtualService,
  ManualClock,
  newStore,
  seededRandom,
  toSubset,
  virtualService,
} from "./fixtures.ts";

// Route timeouts and retries as Envoy applies them, on a manual clock: the request-timeouts
// task (reviews v2 with 0.5 s, ratings delayed 2 s) and the retries a route may add.

const PORT = 31380;
const NS = "default";
const VS = "virtualservices.networking.istio.io";

function setup() {
  const store = newStore();
  addIngressGateway(store, PORT);
  addBookinfo(store, NS, true);
  store.create("gateways.networking.istio.io", gateway(NS));
  store.create(VS, gatewayVirtualService(NS));
  allDestinationRules(store, NS);
  store.create(
    VS,
    virtualService(NS, "ratings", [
      {
        fault: { delay: { percentage: { value: 100 }, fixedDelay: "2s" } },
        route: [toSubset("ratings", "v1")],
      },
    ]),
  );
  const clock = new ManualClock();
  const random = seededRandom(3);
  const mesh = new Mesh({
    index: watchMesh(store).current,
    programFor: bookinfoPrograms({ sessionSecret: Buffer.alloc(32, 1) }),
    clock,
    random,
    decks: new Decks(random),
  });
  const reviews = (rule: Record<string, unknown>) =>
    store.create(VS, virtualService(NS, "reviews", [{ route: [toSubset("reviews", "v2")], ...rule }]));
  async function page(ms: number): Promise<{ response: SimResponse; at: number }> {
    let at = -1;
    const pending = mesh
      .fromGateway(
        PORT,
        { method: "GET", path: "/productpage", body: "", headers: { host: "localhost" } },
        new AbortController().signal,
      )
      .then((r) => {
        at = clock.now();
        return r;
      });
    await clock.advance(ms);
    return { response: await pending, at };
  }
  return { reviews, page, clock };
}

describe("route timeouts and retries", () => {
  test("the request-timeouts task: a 0.5 s timeout on reviews gives the page in 1 s, without reviews", async () => {
    const { reviews, page, clock } = setup();
    reviews({ timeout: "0.5s" });
    const { response, at } = await page(3_000);
    assert.equal(at, 1000, "0.5 s, and productpage's own second try");
    assert.equal(response.status, 200);
    assert.match(response.body, /Sorry, product reviews are currently unavailable for this book\./);
    assert.equal(clock.pending, 0);
  });

  test("without the timeout reviews v2 waits the 2 s delay out and the page has its stars", async () => {
    const { reviews, page } = setup();
    reviews({});
    const { response, at } = await page(5_000);
    assert.equal(at, 2000);
    assert.match(response.body, /glyphicon glyphicon-star/);
  });

  test("retries on 5xx with a per-try timeout: each try 0.2 s, three of them, then 504; productpage tries twice", async () => {
    const { reviews, page } = setup();
    reviews({ retries: { attempts: 2, perTryTimeout: "0.2s", retryOn: "5xx" } });
    const { response, at } = await page(5_000);
    assert.equal(at, 1200);
    assert.match(response.body, /Error fetching product reviews/);
  });

  test("a per-try timeout is not retried unless retryOn covers it; the route timeout bounds every try", async () => {
    const connect = setup();
    connect.reviews({ retries: { attempts: 3, perTryTimeout: "0.2s", retryOn: "connect-failure" } });
    assert.equal((await connect.page(5_000)).at, 400, "one try of 0.2 s per productpage attempt");
    const bounded = setup();
    bounded.reviews({
      timeout: "0.5s",
      retries: { attempts: 5, perTryTimeout: "0.2s", retryOn: "gateway-error" },
    });
    assert.equal((await bounded.page(5_000)).at, 1000, "0.5 s whatever the retries, twice");
  });

  test("retry policies as Istio writes them", () => {
    assert.equal(retryPolicy(undefined), undefined);
    assert.equal(retryPolicy({ attempts: 0 }), undefined);
    const byDefault = retryPolicy({ attempts: 2 })!;
    assert.equal(retriable(byDefault, { status: 503, headers: {}, body: "" }), true);
    assert.equal(retriable(byDefault, { status: 504, headers: {}, body: "" }), false);
    const gateway = retryPolicy({ attempts: 1, retryOn: "gateway-error,retriable-4xx" })!;
    for (const [status, expected] of [
      [502, true],
      [504, true],
      [500, false],
      [409, true],
      [200, false],
    ] as const)
      assert.equal(retriable(gateway, { status, headers: {}, body: "" }), expected, String(status));
  });
});
