import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reviewsRouting } from "../../source/model/reviewsRouting.ts";
import type { Sample } from "../../source/model/snapshot.ts";
import { bar, distribution } from "../../source/ui/view/distribution.ts";
import {
  DEPLOYMENTS,
  failed,
  istioDestinationRules,
  istioVirtualServicesV1,
  ok,
  pod,
  reviewsVirtualService,
  snapshot,
} from "../unit/tutorial/fixtures.ts";

const times = (n: number, sample: () => Sample): Sample[] => Array.from({ length: n }, sample);
const drs = istioDestinationRules("networking.istio.io/v1");

describe("distribution", () => {
  test("codes sorted numerically, then network errors; one bar per version", () => {
    const d = distribution(
      snapshot({
        samples: [
          failed(503),
          ok("v1"),
          ok("v1"),
          ok("v3"),
          failed("timeout"),
          failed(404),
          failed("refused"),
        ],
      }),
    );
    assert.deepEqual(
      d.codes.map((c) => [c.label, c.count, c.ok]),
      [
        ["200", 3, true],
        ["404", 1, false],
        ["503", 1, false],
        ["refused", 1, false],
        ["timeout", 1, false],
      ],
    );
    assert.deepEqual(
      d.bars.map((b) => [b.version, b.count, b.percent]),
      [
        ["v1", 2, 67],
        ["v2", 0, 0],
        ["v3", 1, 33],
      ],
    );
  });

  test("an unknown bar appears only when pages rendered without a version", () => {
    assert.equal(distribution(snapshot({ samples: [ok("v1")] })).bars.length, 3);
    const d = distribution(snapshot({ samples: [ok("v1"), ok(undefined)] }));
    assert.deepEqual(d.bars.at(-1), {
      version: "unknown",
      count: 1,
      fraction: 0.5,
      percent: 50,
      configuredPercent: null,
    });
  });

  test("without a reviews VirtualService the expected split follows the ready reviews pods", () => {
    const pods = DEPLOYMENTS.map((d) => pod(d));
    const d = distribution(snapshot({ pods, samples: times(9, () => ok("v2")) }));
    assert.equal(d.routing.kind, "service");
    assert.deepEqual(
      d.bars.map((b) => b.configuredPercent),
      [33, 33, 33],
    );
  });

  test("virtual-service-all-v1: configured 100 % v1", () => {
    const d = distribution(
      snapshot({ destinationRules: drs, virtualServices: istioVirtualServicesV1("networking.istio.io/v1") }),
    );
    assert.equal(d.routing.kind, "virtualservice");
    assert.equal(d.routing.virtualService, "reviews");
    assert.deepEqual(d.routing.weights, [{ subset: "v1", version: "v1", fraction: 1, percent: 100 }]);
    assert.deepEqual(
      d.bars.map((b) => b.configuredPercent),
      [100, 0, 0],
    );
  });

  test("weights are normalised by their sum", () => {
    for (const [a, b, expected, description] of [
      [80, 20, [80, 20, 0], "v1 80%, v2 20%"],
      [3, 1, [75, 25, 0], "v1 75%, v2 25%"],
    ] as const) {
      const vs = reviewsVirtualService([
        {
          route: [
            { destination: { host: "reviews", subset: "v1" }, weight: a },
            { destination: { host: "reviews", subset: "v2" }, weight: b },
          ],
        },
      ]);
      const d = distribution(snapshot({ destinationRules: drs, virtualServices: [vs] }));
      assert.deepEqual(
        d.bars.map((x) => x.configuredPercent),
        expected,
      );
      assert.equal(d.routing.description, description);
    }
  });

  test("destinations without weights split evenly", () => {
    const vs = reviewsVirtualService([
      {
        route: [
          { destination: { host: "reviews", subset: "v2" } },
          { destination: { host: "reviews", subset: "v3" } },
        ],
      },
    ]);
    const d = distribution(snapshot({ destinationRules: drs, virtualServices: [vs] }));
    assert.deepEqual(
      d.bars.map((x) => x.configuredPercent),
      [0, 50, 50],
    );
  });

  test("header-match rules are noted and the first rule without a match sets the split", () => {
    const vs = reviewsVirtualService([
      {
        match: [{ headers: { "end-user": { exact: "jason" } } }],
        route: [{ destination: { host: "reviews", subset: "v2" } }],
      },
      {
        route: [
          { destination: { host: "reviews", subset: "v1" }, weight: 50 },
          { destination: { host: "reviews", subset: "v3" }, weight: 50 },
        ],
      },
      { route: [{ destination: { host: "reviews", subset: "v2" } }] },
    ]);
    const routing = reviewsRouting(snapshot({ destinationRules: drs, virtualServices: [vs] }));
    assert.deepEqual(routing.matchRules, ["end-user exact jason -> v2"]);
    assert.deepEqual(
      routing.weights.map((w) => [w.subset, w.percent]),
      [
        ["v1", 50],
        ["v3", 50],
      ],
    );
  });

  test("subsets map to versions through the DestinationRule's labels", () => {
    const renamed = [
      {
        ...drs[1]!,
        spec: { host: "reviews", subsets: [{ name: "stable", labels: { version: "v1" } }] },
      },
    ];
    const vs = reviewsVirtualService([{ route: [{ destination: { host: "reviews", subset: "stable" } }] }]);
    const d = distribution(snapshot({ destinationRules: renamed, virtualServices: [vs] }));
    assert.deepEqual(
      d.bars.map((b) => b.configuredPercent),
      [100, 0, 0],
    );
  });

  test("a destination without a subset spreads over the ready pods", () => {
    const pods = DEPLOYMENTS.filter((d) => d !== "reviews-v3").map((d) => pod(d));
    const vs = reviewsVirtualService([{ route: [{ destination: { host: "reviews" } }] }]);
    const d = distribution(snapshot({ pods, virtualServices: [vs] }));
    assert.deepEqual(
      d.bars.map((b) => b.configuredPercent),
      [50, 50, 0],
    );
  });

  test("a VirtualService whose every rule has a match: nothing to compare with", () => {
    const vs = reviewsVirtualService([
      {
        match: [{ uri: { prefix: "/reviews" } }],
        route: [{ destination: { host: "reviews", subset: "v1" } }],
      },
    ]);
    const d = distribution(snapshot({ destinationRules: drs, virtualServices: [vs], samples: [ok("v1")] }));
    assert.equal(d.routing.kind, "none");
    assert.deepEqual(d.routing.matchRules, ["uri prefix /reviews -> v1"]);
    assert.ok(d.bars.every((b) => b.configuredPercent === null));
  });

  test("window keeps only the latest samples", () => {
    const samples = [...times(5, () => ok("v3")), ...times(5, () => ok("v1"))];
    const d = distribution(snapshot({ samples }), { window: 5 });
    assert.equal(d.summary.total, 5);
    assert.equal(d.bars[0]!.percent, 100);
  });

  test("latency percentiles come along", () => {
    const d = distribution(snapshot({ samples: [ok("v1", 10), ok("v1", 30), ok("v1", 20)] }));
    assert.deepEqual(d.latencyMs, { p50: 20, p95: 30 });
  });
});

describe("bar", () => {
  test("fills cells in proportion, Unicode or ASCII", () => {
    assert.equal(bar(0.5, 10), "█████░░░░░");
    assert.equal(bar(1, 4, true), "####");
    assert.equal(bar(0, 4, true), "....");
    assert.equal(bar(Number.NaN, 3, true), "...");
    assert.equal(bar(2, 3, true), "###");
  });
});
