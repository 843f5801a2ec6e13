import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { streamRouting } from "../../../source/model/reviewsRouting.ts";
import {
  DEPLOYMENTS,
  istioDestinationRules,
  istioSample,
  istioVirtualServicesV1,
  pod,
  reviewsVirtualService,
  snapshot,
  withVirtualServices,
} from "../tutorial/fixtures.ts";

// What each stream is configured to get, read the way a sidecar reads the rules: Istio's own
// traffic-management files (our copies), weights that do not sum to 100, header matches of every
// kind, and routes to subsets nothing defines.

const drs = istioDestinationRules("networking.istio.io/v1");
const allV1 = istioVirtualServicesV1("networking.istio.io/v1");
const pct = (shares: Record<string, number> | null) =>
  shares ? Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, Math.round(v * 1000) / 10])) : null;

function configured(...files: string[]) {
  const s = snapshot({
    destinationRules: drs,
    virtualServices: withVirtualServices(allV1, ...files.map(istioSample)),
  });
  return { anonymous: streamRouting(s, "anonymous"), jason: streamRouting(s, "jason") };
}

describe("the configured split per stream, for Istio's own files", () => {
  const cases: [string, Record<string, number>, Record<string, number>][] = [
    ["virtual-service-reviews-test-v2.yaml", { v1: 100 }, { v2: 100 }],
    ["virtual-service-reviews-50-v3.yaml", { v1: 50, v3: 50 }, { v1: 50, v3: 50 }],
    ["virtual-service-reviews-v3.yaml", { v3: 100 }, { v3: 100 }],
    ["virtual-service-reviews-80-20.yaml", { v1: 80, v2: 20 }, { v1: 80, v2: 20 }],
    ["virtual-service-reviews-90-10.yaml", { v1: 90, v2: 10 }, { v1: 90, v2: 10 }],
    ["virtual-service-reviews-jason-v2-v3.yaml", { v3: 100 }, { v2: 100 }],
    ["virtual-service-reviews-v2-v3.yaml", { v2: 50, v3: 50 }, { v2: 50, v3: 50 }],
  ];
  for (const [file, anonymous, jason] of cases) {
    test(file, () => {
      const r = configured(file);
      assert.deepEqual(pct(r.anonymous.shares), anonymous);
      assert.deepEqual(pct(r.jason.shares), jason);
      assert.equal(r.anonymous.reviews.virtualService, "reviews");
    });
  }

  test("virtual-service-reviews-test-v2.yaml: which rule caught each stream, and why", () => {
    const r = configured("virtual-service-reviews-test-v2.yaml");
    assert.equal(r.jason.reviews.rule, 1);
    assert.equal(r.jason.reviews.match, "end-user exact jason");
    assert.equal(r.anonymous.reviews.rule, 2);
    assert.equal(r.anonymous.reviews.match, null);
    assert.equal(r.jason.description, "VirtualService reviews rule 1 (end-user exact jason): v2 100%");
    assert.equal(r.anonymous.description, "VirtualService reviews rule 2: v1 100%");
  });

  test("virtual-service-ratings-test-delay.yaml: a 7 s delay on jason's ratings only", () => {
    const r = configured("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml");
    assert.deepEqual(r.jason.ratings.v2.fault, { delay: { ms: 7000, percent: 100 } });
    assert.equal(r.anonymous.ratings.v2.fault, null);
    assert.deepEqual(pct(r.jason.ratings.v2.shares), { v1: 100 });
  });

  test("virtual-service-ratings-test-abort.yaml: a 500 abort on jason's ratings only", () => {
    const r = configured("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml");
    assert.deepEqual(r.jason.ratings.v3.fault, { abort: { status: 500, percent: 100 } });
    assert.equal(r.anonymous.ratings.v3.fault, null);
  });

  test("Istio 1.0's fault syntax (integer percent) reads the same", () => {
    const ratings = istioSample("virtual-service-ratings-test-delay.yaml")[0]!;
    const old = structuredClone(ratings);
    const delay = (old.spec as { http: { fault?: { delay: Record<string, unknown> } }[] }).http[0]!.fault!
      .delay;
    delete delay.percentage;
    delay.percent = 100;
    const s = snapshot({ destinationRules: drs, virtualServices: withVirtualServices(allV1, [old]) });
    assert.deepEqual(streamRouting(s, "jason").ratings.v2.fault, { delay: { ms: 7000, percent: 100 } });
  });
});

describe("weights, matches and subsets", () => {
  const weighted = (...weights: (number | undefined)[]) =>
    reviewsVirtualService([
      {
        route: weights.map((weight, i) => ({
          destination: { host: "reviews", subset: `v${i + 1}` },
          ...(weight === undefined ? {} : { weight }),
        })),
      },
    ]);
  const shares = (vs: ReturnType<typeof reviewsVirtualService>, stream = "anonymous", rules = drs) =>
    pct(streamRouting(snapshot({ destinationRules: rules, virtualServices: [vs] }), stream).shares);

  test("weights that do not sum to 100 are shares of their sum", () => {
    assert.deepEqual(shares(weighted(1, 3)), { v1: 25, v2: 75 });
    assert.deepEqual(shares(weighted(30, 30)), { v1: 50, v2: 50 });
    assert.deepEqual(shares(weighted(20, 20, 40)), { v1: 25, v2: 25, v3: 50 });
    assert.deepEqual(shares(weighted(90, 0)), { v1: 100 });
  });

  test("without weights the destinations share evenly; a single destination takes all, whatever its weight", () => {
    assert.deepEqual(shares(weighted(undefined, undefined)), { v1: 50, v2: 50 });
    assert.deepEqual(shares(weighted(30)), { v1: 100 });
  });

  const byHeader = (condition: Record<string, unknown>, header = "end-user") =>
    reviewsVirtualService([
      {
        match: [{ headers: { [header]: condition } }],
        route: [{ destination: { host: "reviews", subset: "v2" } }],
      },
      { route: [{ destination: { host: "reviews", subset: "v1" } }] },
    ]);

  test("header matches: exact, prefix, regex (the whole value), and presence", () => {
    for (const [condition, jasonGets] of [
      [{ exact: "jason" }, "v2"],
      [{ exact: "Jason" }, "v1"],
      [{ prefix: "ja" }, "v2"],
      [{ prefix: "json" }, "v1"],
      [{ regex: "j.*n" }, "v2"],
      [{ regex: "jas" }, "v1"],
      [{ regex: "(jason|admin)" }, "v2"],
      [{}, "v2"],
    ] as const) {
      const vs = byHeader(condition);
      assert.deepEqual(shares(vs, "jason"), { [jasonGets]: 100 }, JSON.stringify(condition));
      assert.deepEqual(shares(vs, "anonymous"), { v1: 100 }, `anonymous, ${JSON.stringify(condition)}`);
    }
  });

  test("a header the request does not carry, and withoutHeaders", () => {
    assert.deepEqual(shares(byHeader({ exact: "x" }, "x-canary"), "jason"), { v1: 100 });
    const without = reviewsVirtualService([
      {
        match: [{ withoutHeaders: { "end-user": { exact: "jason" } } }],
        route: [{ destination: { host: "reviews", subset: "v3" } }],
      },
      { route: [{ destination: { host: "reviews", subset: "v2" } }] },
    ]);
    assert.deepEqual(shares(without, "anonymous"), { v3: 100 });
    assert.deepEqual(shares(without, "jason"), { v2: 100 });
  });

  test("a route to a subset no DestinationRule defines is unavailable (503), and says why", () => {
    const vs = reviewsVirtualService([
      {
        route: [
          { destination: { host: "reviews", subset: "v1" }, weight: 50 },
          { destination: { host: "reviews", subset: "v4" }, weight: 50 },
        ],
      },
    ]);
    const s = snapshot({ destinationRules: drs, virtualServices: [vs] });
    const r = streamRouting(s, "anonymous");
    assert.deepEqual(pct(r.shares), { v1: 50, unavailable: 50 });
    assert.equal(r.reviews.destinations[1]!.problem, "DestinationRule reviews does not define subset v4");
    assert.match(
      r.description,
      /v1 50%, unavailable 50% \(DestinationRule reviews does not define subset v4\)/,
    );
    const none = streamRouting(snapshot({ virtualServices: [vs] }), "anonymous");
    assert.deepEqual(pct(none.shares), { unavailable: 100 });
    assert.equal(none.reviews.destinations[0]!.problem, "no DestinationRule defines subset v1");
  });

  test("subsets are versions by the DestinationRule's labels, whatever their names", () => {
    const renamed = [
      {
        ...drs[1]!,
        spec: {
          host: "reviews",
          subsets: [
            { name: "stable", labels: { version: "v1" } },
            { name: "canary", labels: { version: "v3" } },
          ],
        },
      },
    ];
    const vs = reviewsVirtualService([
      {
        route: [
          { destination: { host: "reviews", subset: "stable" }, weight: 3 },
          { destination: { host: "reviews", subset: "canary" }, weight: 1 },
        ],
      },
    ]);
    assert.deepEqual(shares(vs, "anonymous", renamed), { v1: 75, v3: 25 });
  });

  test("no VirtualService: the Service spreads over its ready pods; none caught: 404, unavailable", () => {
    const pods = DEPLOYMENTS.filter((d) => d !== "reviews-v3").map((d) => pod(d));
    const spread = streamRouting(snapshot({ pods }), "anonymous");
    assert.equal(spread.reviews.kind, "service");
    assert.deepEqual(pct(spread.shares), { v1: 50, v2: 50 });
    const onlyUri = reviewsVirtualService([
      {
        match: [{ uri: { prefix: "/ratings" } }],
        route: [{ destination: { host: "reviews", subset: "v1" } }],
      },
    ]);
    const caught = streamRouting(
      snapshot({ destinationRules: drs, virtualServices: [onlyUri] }),
      "anonymous",
    );
    assert.equal(caught.reviews.kind, "no-rule");
    assert.deepEqual(pct(caught.shares), { unavailable: 100 });
  });

  test("a VirtualService bound to a gateway only does not route sidecar calls; the route timeout is read", () => {
    const atGateway = {
      ...weighted(50, 50),
      spec: { ...(weighted(50, 50).spec as object), gateways: ["bookinfo-gateway"] },
    };
    const pods = DEPLOYMENTS.map((d) => pod(d));
    assert.equal(
      streamRouting(snapshot({ pods, virtualServices: [atGateway] }), "anonymous").reviews.kind,
      "service",
    );
    const timed = reviewsVirtualService([
      { route: [{ destination: { host: "reviews", subset: "v2" } }], timeout: "0.5s" },
    ]);
    assert.equal(
      streamRouting(snapshot({ destinationRules: drs, virtualServices: [timed] }), "jason").reviews.timeoutMs,
      500,
    );
  });
});
