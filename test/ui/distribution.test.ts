import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bar, distribution, fitRows } from "../../source/ui/view/distribution.ts";
import {
  failed,
  istioDestinationRules,
  istioSample,
  istioVirtualServicesV1,
  NOW,
  page,
  snapshot,
  withVirtualServices,
} from "../unit/tutorial/fixtures.ts";

// The samples panel's figures: one column per stream, its counts next to what its routing asks for.

const drs = istioDestinationRules("networking.istio.io/v1");
const allV1 = istioVirtualServicesV1("networking.istio.io/v1");

describe("distribution", () => {
  test("codes sorted numerically, then network errors, per stream", () => {
    const d = distribution(
      snapshot({
        samples: [
          { ...failed(503), stream: "anonymous" },
          page("anonymous", NOW, { version: "v1" }),
          { ...failed("timeout"), stream: "anonymous" },
          { ...failed(404), stream: "anonymous" },
          page("jason", NOW, { version: "v2" }),
        ],
      }),
    );
    assert.deepEqual(
      d.streams.map((s) => s.stream),
      ["anonymous", "jason"],
    );
    assert.deepEqual(
      d.streams[0]!.codes.map((c) => [c.label, c.count, c.ok]),
      [
        ["200", 1, true],
        ["404", 1, false],
        ["503", 1, false],
        ["timeout", 1, false],
      ],
    );
    assert.deepEqual(
      d.streams[1]!.codes.map((c) => c.label),
      ["200"],
    );
  });

  test("reviews-test-v2: each stream next to its own configured split", () => {
    const samples = [
      ...Array.from({ length: 4 }, (_, i) => page("anonymous", NOW + i, { version: "v1" })),
      ...Array.from({ length: 3 }, (_, i) => page("jason", NOW + i, { version: "v2" })),
      page("jason", NOW + 9, { version: "v1" }),
    ];
    const s = snapshot({
      destinationRules: drs,
      virtualServices: withVirtualServices(allV1, istioSample("virtual-service-reviews-test-v2.yaml")),
      samples,
    });
    const [anonymous, jason] = distribution(s).streams;
    assert.deepEqual([anonymous!.cells.v1.percent, anonymous!.cells.v1.configuredPercent], [100, 100]);
    assert.deepEqual([jason!.cells.v2.percent, jason!.cells.v2.configuredPercent], [75, 100]);
    assert.deepEqual([jason!.cells.v1.percent, jason!.cells.v1.configuredPercent], [25, 0]);
  });

  test("pages without reviews or ratings get rows of their own, when some stream had them", () => {
    const plain = distribution(snapshot({ samples: [page("anonymous", NOW, { version: "v1" })] }));
    assert.deepEqual(plain.rows, ["v1", "v2", "v3"]);
    const faulty = distribution(
      snapshot({
        samples: [
          page("jason", NOW, { pageErrors: ["reviews"], latencyMs: 6000 }),
          page("jason", NOW, { version: "v2", pageErrors: ["ratings"] }),
          page("anonymous", NOW, { version: "v1" }),
        ],
      }),
    );
    assert.deepEqual(faulty.rows, ["v1", "v2", "v3", "unavailable", "ratings"]);
    const jason = faulty.streams[1]!;
    assert.equal(jason.cells.unavailable.percent, 50);
    assert.equal(jason.cells.ratings.percent, 50);
    assert.equal(jason.cells.ratings.configuredPercent, null);
    // Three lines of room: the version nobody got nor is configured to get goes first.
    assert.deepEqual(fitRows(faulty, 3), ["v1", "v2", "unavailable"]);
  });

  test("a signed-in stream's pages that lost the session are not counted as versions", () => {
    const lost = { ...page("jason", NOW, { version: "v1" }), signedIn: false };
    const jason = distribution(snapshot({ samples: [lost, page("jason", NOW, { version: "v2" })] }))
      .streams[1]!;
    assert.equal(jason.notSignedIn, 1);
    assert.equal(jason.cells.v2.percent, 100);
    assert.equal(jason.cells.v1.count, 0);
  });

  test("latency percentiles per stream", () => {
    const d = distribution(
      snapshot({
        samples: [
          page("anonymous", NOW, { version: "v1", latencyMs: 10 }),
          page("anonymous", NOW, { version: "v1", latencyMs: 30 }),
          page("anonymous", NOW, { version: "v1", latencyMs: 20 }),
          page("jason", NOW, { pageErrors: ["reviews"], latencyMs: 6012 }),
        ],
      }),
    );
    assert.deepEqual(d.streams[0]!.latencyMs, { p50: 20, p95: 30 });
    assert.deepEqual(d.streams[1]!.latencyMs, { p50: 6012, p95: 6012 });
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
