import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import type { Sample, Snapshot } from "../../../source/model/snapshot.ts";
import { stageById, stageChecks } from "../../../source/tutorial/lessons.ts";
import { STAGE_ANNOTATION } from "../../../source/tutorial/routing/istio.ts";
import { routingPosition } from "../../../source/tutorial/routing/sequence.ts";
import type { StageId } from "../../../source/tutorial/stage.ts";
import { removedRules } from "../../../source/tutorial/stages/cleanup.ts";
import {
  bookinfo,
  fixText,
  istioDestinationRules,
  istioSample,
  istioVirtualServicesV1,
  manifest,
  NOW,
  page,
  snapshot,
  withVirtualServices,
} from "./fixtures.ts";

// The traffic-management lesson, judged from the cluster and the samples alone: where the
// routing stands (our manifests and Istio's own files alike), and each stage's measured outcome.

const drs = istioDestinationRules("networking.istio.io/v1");
const allV1 = istioVirtualServicesV1("networking.istio.io/v1");
const CHANGED = NOW - 60_000;

function routed(virtualServices: KubeObject[], samples: Sample[] = []): Snapshot {
  return snapshot({
    ...bookinfo(),
    destinationRules: drs,
    virtualServices,
    samples,
    routingChangedAt: CHANGED,
  });
}
const istio = (...files: string[]) => withVirtualServices(allV1, ...files.map(istioSample));
const ours = (...files: string[]) => withVirtualServices(allV1, ...files.map(manifest));
const check = (id: StageId, s: Snapshot) => stageById(id).check(s);

/** `n` pages of a stream, a second apart, after the routing changed. */
function pages(
  stream: string,
  n: number,
  options: Parameters<typeof page>[2] = {},
  from = CHANGED + 1000,
): Sample[] {
  return Array.from({ length: n }, (_, i) => page(stream, from + i * 1000, options));
}

describe("where the routing stands", () => {
  const cases: [string, KubeObject[], StageId | null][] = [
    ["virtual-service-all-v1 (route-v1's state)", allV1, "route-v1"],
    ["Istio's reviews-test-v2", istio("virtual-service-reviews-test-v2.yaml"), "route-jason"],
    [
      "Istio's ratings-test-delay on reviews-test-v2",
      istio("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml"),
      "fault-delay",
    ],
    [
      "Istio's ratings-test-abort on reviews-test-v2",
      istio("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml"),
      "fault-abort",
    ],
    ["Istio's reviews-50-v3", istio("virtual-service-reviews-50-v3.yaml"), "canary-50"],
    ["Istio's reviews-80-20 (a canary of v2)", istio("virtual-service-reviews-80-20.yaml"), "canary-50"],
    ["Istio's reviews-90-10", istio("virtual-service-reviews-90-10.yaml"), "canary-50"],
    ["Istio's reviews-v2-v3", istio("virtual-service-reviews-v2-v3.yaml"), "canary-50"],
    ["Istio's reviews-v3", istio("virtual-service-reviews-v3.yaml"), "canary-100"],
    [
      "Istio's reviews-jason-v2-v3: none of the lesson's states",
      istio("virtual-service-reviews-jason-v2-v3.yaml"),
      null,
    ],
    ["no VirtualServices at all", [], null],
  ];
  for (const [name, vss, expected] of cases) {
    test(name, () => assert.equal(routingPosition(routed(vss)), expected));
  }

  test("our manifests land in the same states as Istio's files", () => {
    for (const [id, files] of [
      ["route-jason", ["virtual-service-reviews-test-v2.yaml"]],
      ["fault-delay", ["virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml"]],
      ["fault-abort", ["virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml"]],
      ["canary-50", ["virtual-service-reviews-50-v3.yaml"]],
      ["canary-100", ["virtual-service-reviews-v3.yaml"]],
      ["timeout", ["virtual-service-ratings-delay-2s.yaml", "virtual-service-reviews-v2-timeout.yaml"]],
    ] as const) {
      assert.equal(routingPosition(routed(ours(...files))), id, id);
      assert.deepEqual(
        stageById(id).manifests.filter((f) => f !== "virtual-service-all-v1.yaml"),
        [...files],
        id,
      );
    }
  });

  test("cleanup's mark tells its all-v1 from route-v1's", () => {
    const marked = allV1.map((vs) =>
      vs.metadata.name === "reviews"
        ? { ...vs, metadata: { ...vs.metadata, annotations: { [STAGE_ANNOTATION]: "cleanup" } } }
        : vs,
    );
    assert.equal(routingPosition(routed(marked)), "cleanup");
    // The mark alone is not the state: jason routed by hand over it is route-jason's.
    const overMark = withVirtualServices(marked, istioSample("virtual-service-reviews-test-v2.yaml"));
    assert.equal(routingPosition(routed(overMark)), "route-jason");
  });

  test("stages before the routing's state are passed, later ones not applied yet", () => {
    const s = routed(istio("virtual-service-reviews-50-v3.yaml"));
    const states = Object.fromEntries(stageChecks(s).map((r) => [r.stage.id, r.check]));
    for (const id of ["route-v1", "route-jason", "fault-delay", "fault-abort"] as const) {
      assert.equal(states[id]!.state, "done", id);
      assert.equal(states[id]!.detail, "passed (the routing is at canary-50 now)", id);
    }
    assert.equal(states["canary-50"]!.state, "pending");
    assert.equal(states["canary-100"]!.state, "pending");
    assert.match(
      states["canary-100"]!.detail,
      /^not applied yet: every call to reviews v3 \(the routing is at canary-50 now\)$/,
    );
  });

  test("a route to a subset nothing defines is one failure, at route-v1, with the fix; the lesson waits", () => {
    const s = snapshot({ ...bookinfo(), virtualServices: istio("virtual-service-reviews-test-v2.yaml") });
    const result = check("route-v1", s);
    assert.equal(result.state, "failed");
    assert.match(result.detail, /routes to subset v\d but no DestinationRule defines it/);
    assert.equal(
      fixText(result.fix),
      "kubectl -n bookinfo apply -f samples/bookinfo/networking/destination-rule-all.yaml",
    );
    // The lesson's stages say what they will do, not the same failure seven times.
    for (const later of ["route-jason", "fault-abort", "canary-50", "cleanup"] as const) {
      const waiting = check(later, s);
      assert.equal(waiting.state, "pending", later);
      assert.match(waiting.detail, /^not applied yet: /, later);
    }
  });
});

describe("route-jason", () => {
  const vss = istio("virtual-service-reviews-test-v2.yaml");

  test("done when jason's recent pages are v2 and the anonymous ones v1", () => {
    const s = routed(vss, [
      ...pages("jason", 5, { version: "v2" }),
      ...pages("anonymous", 5, { version: "v1" }),
    ]);
    const result = check("route-jason", s);
    assert.equal(result.state, "done");
    assert.equal(result.detail, "jason: 5 of 5 recent pages v2; anonymous: 5 of 5 recent pages v1");
    assert.match(result.explain ?? "", /end-user: jason/);
  });

  test("pages from before the routing changed do not count; a jason page of v1 keeps it pending", () => {
    const before = pages("jason", 5, { version: "v2" }, CHANGED - 10_000);
    const s = routed(vss, [...before, ...pages("anonymous", 5, { version: "v1" })]);
    assert.equal(
      check("route-jason", s).detail,
      "jason: 0 of 0 recent pages v2 (waiting for 5); anonymous: 5 of 5 recent pages v1",
    );
    const mixed = routed(vss, [
      ...pages("jason", 4, { version: "v2" }),
      page("jason", CHANGED + 9000, { version: "v1" }),
      ...pages("anonymous", 5, { version: "v1" }),
    ]);
    assert.equal(check("route-jason", mixed).state, "pending");
  });
});

describe("fault-delay", () => {
  const vss = istio("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml");
  const anonymous = pages("anonymous", 3, { version: "v1", latencyMs: 30 });

  test("jason's page after about 6 s without reviews: done, explained, and the shorter delay offered", () => {
    const slow = pages("jason", 2, { pageErrors: ["reviews"], latencyMs: 6010 });
    const result = check("fault-delay", routed(vss, [...slow, ...anonymous]));
    assert.equal(result.state, "done");
    assert.equal(
      result.detail,
      "jason: reviews unavailable after 6.0 s (2 pages); anonymous: v1 in 30 ms (2 pages)",
    );
    assert.match(result.explain ?? "", /productpage gives reviews 3s and tries twice, so after about 6s/);
    assert.match(result.explain ?? "", /Sorry, product reviews are currently unavailable for this book\./);
    assert.match(result.explain ?? "", /7s delay on ratings \(it waits up to 10s\)/);
    assert.equal(
      fixText(result.offer),
      "a delay shorter than productpage's 3 s timeout, e.g. 2 s, lets jason's page wait for ratings: stars again after about 2 s: kubectl bookinfo run fault-delay --delay 2s",
    );
  });

  test("pending while jason's pages are fewer, faster, or show stars", () => {
    const one = pages("jason", 1, { pageErrors: ["reviews"], latencyMs: 6010 });
    assert.equal(check("fault-delay", routed(vss, [...one, ...anonymous])).state, "pending");
    const fast = pages("jason", 2, { pageErrors: ["reviews"], latencyMs: 40 });
    assert.equal(check("fault-delay", routed(vss, [...fast, ...anonymous])).state, "pending");
    const stars = pages("jason", 2, { version: "v2", latencyMs: 6010 });
    assert.equal(check("fault-delay", routed(vss, [...stars, ...anonymous])).state, "pending");
  });

  test("the 2 s fix: stars after about 2 s, no offer", () => {
    const fixed = vss.map((vs) => {
      if (vs.metadata.name !== "ratings") return vs;
      const copy = structuredClone(vs);
      (copy.spec as { http: { fault?: { delay: { fixedDelay: string } } }[] }).http[0]!
        .fault!.delay.fixedDelay = "2s";
      return copy;
    });
    const result = check(
      "fault-delay",
      routed(fixed, [...pages("jason", 2, { version: "v2", latencyMs: 2015 }), ...anonymous]),
    );
    assert.equal(result.state, "done");
    assert.equal(result.offer, undefined);
    assert.match(result.explain ?? "", /The 2s delay ends within productpage's 3s timeout/);
  });

  test("--delay writes the chosen delay into the ratings rule", async () => {
    const written: KubeObject[] = [];
    const stage = stageById("fault-delay");
    await stage.apply({
      snapshot: () => routed(vss),
      parameters: { delayMs: 2000 },
      actions: {
        async applyManifest(file, edit) {
          for (const object of manifest(file)) written.push(edit ? edit(object) : object);
          return [];
        },
        labelNamespace: async () => [],
        restartDeployments: async () => [],
        applyWithIstioctl: async () => [],
      },
    });
    const ratings = written.find((o) => o.metadata.name === "ratings")!;
    assert.equal(
      (ratings.spec as { http: { fault?: { delay: { fixedDelay: string } } }[] }).http[0]!.fault!.delay
        .fixedDelay,
      "2s",
    );
  });
});

describe("fault-abort", () => {
  const vss = istio("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml");
  test("counted per stream: the rating error on jason's pages only", () => {
    const jason = pages("jason", 5, { version: "v2", pageErrors: ["ratings"] });
    const result = check("fault-abort", routed(vss, [...jason, ...pages("anonymous", 5, { version: "v1" })]));
    assert.equal(result.state, "done");
    assert.equal(
      result.detail,
      'jason: 5 of 5 recent pages "Ratings service is currently unavailable"; anonymous: 0 of 5 recent pages "Ratings service is currently unavailable"',
    );
  });
});

describe("canary-50", () => {
  const vss = istio("virtual-service-reviews-50-v3.yaml");
  const fair = (n: number, stream: string) =>
    Array.from({ length: n }, (_, i) => page(stream, CHANGED + 1 + i, { version: i % 2 ? "v3" : "v1" }));

  test("not yet below the stated sample size, consistent once it is in, both streams pooled", () => {
    const early = check("canary-50", routed(vss, [...fair(50, "anonymous"), ...fair(50, "jason")]));
    assert.equal(early.state, "pending");
    assert.equal(early.detail, "not yet (100 of 150 samples; measured v1 50%, v3 50%) (both streams)");
    const result = check("canary-50", routed(vss, [...fair(75, "anonymous"), ...fair(75, "jason")]));
    assert.equal(result.state, "done");
    assert.equal(result.detail, "consistent with 50/50 after 150 samples (both streams)");
    assert.match(
      result.explain ?? "",
      /exact two-sided binomial test .* at 99 % confidence, after at least 150 samples/,
    );
  });

  test("a 70/30 measurement is not consistent with 50/50", () => {
    const skewed = Array.from({ length: 150 }, (_, i) =>
      page("anonymous", CHANGED + 1 + i, { version: i % 10 < 7 ? "v1" : "v3" }),
    );
    const result = check("canary-50", routed(vss, skewed));
    assert.equal(result.state, "pending");
    assert.match(result.detail, /^not yet: v1 70%, v3 30% after 150 samples differs from v1\/v3 50\/50/);
  });

  test("the verdict is taken once, on the first samples after the change", () => {
    const later = Array.from({ length: 100 }, (_, i) =>
      page("anonymous", CHANGED + 1000 + i, { version: "v1" }),
    );
    const result = check(
      "canary-50",
      routed(vss, [...fair(75, "anonymous"), ...fair(75, "jason"), ...later]),
    );
    assert.equal(result.state, "done");
  });

  test("--weights 90/10 writes the weights, and 90/10 is judged against 90/10", async () => {
    const written: KubeObject[] = [];
    await stageById("canary-50").apply({
      snapshot: () => routed(allV1),
      parameters: { weights: { v1: 90, v3: 10 } },
      actions: {
        async applyManifest(file, edit) {
          for (const object of manifest(file)) written.push(edit ? edit(object) : object);
          return [];
        },
        labelNamespace: async () => [],
        restartDeployments: async () => [],
        applyWithIstioctl: async () => [],
      },
    });
    const reviews = written.filter((o) => o.metadata.name === "reviews").at(-1)!;
    const routes = (
      reviews.spec as { http: { route: { destination: { subset: string }; weight: number }[] }[] }
    ).http[0]!.route;
    assert.deepEqual(
      routes.map((r) => [r.destination.subset, r.weight]),
      [
        ["v1", 90],
        ["v3", 10],
      ],
    );
    const s = routed(
      withVirtualServices(allV1, [reviews]),
      Array.from({ length: 150 }, (_, i) =>
        page("anonymous", CHANGED + 1 + i, { version: i % 10 === 0 ? "v3" : "v1" }),
      ),
    );
    assert.equal(check("canary-50", s).detail, "consistent with 90/10 after 150 samples (both streams)");
  });
});

describe("canary-100, timeout and cleanup", () => {
  test("canary-100: v3 on every recent page of both streams, with the time to the first and to all", () => {
    const mixed = [
      page("anonymous", CHANGED + 10, { version: "v1", latencyMs: 20 }),
      ...pages("anonymous", 10, { version: "v3", latencyMs: 20 }, CHANGED + 250),
      ...pages("jason", 10, { version: "v3", latencyMs: 20 }, CHANGED + 200),
    ];
    const result = check("canary-100", routed(istio("virtual-service-reviews-v3.yaml"), mixed));
    assert.equal(result.state, "done");
    assert.equal(
      result.detail,
      "v3 100 % (20 of 20 recent pages); first v3 page 220 ms after the change, all v3 from 220 ms",
    );
  });

  test("timeout: every page after about 1 s without reviews, explained", () => {
    const slow = (stream: string) => pages(stream, 3, { pageErrors: ["reviews"], latencyMs: 1010 });
    const vss = ours("virtual-service-ratings-delay-2s.yaml", "virtual-service-reviews-v2-timeout.yaml");
    const result = check("timeout", routed(vss, [...slow("anonymous"), ...slow("jason")]));
    assert.equal(result.state, "done");
    assert.equal(
      result.detail,
      "anonymous: reviews unavailable after 1.0 s (3 pages); jason: reviews unavailable after 1.0 s (3 pages)",
    );
    assert.match(
      result.explain ?? "",
      /may take 0\.5s, but reviews v2 needs 2s \(ratings is delayed 2s\).*after about 1s/,
    );
  });

  test("cleanup says what the lesson left behind", () => {
    const vss = ours("virtual-service-ratings-delay-2s.yaml", "virtual-service-reviews-v2-timeout.yaml");
    assert.deepEqual(removedRules(routed(vss)), [
      "the 0.5s timeout, the route to v2 from VirtualService reviews",
      "the 2s delay from VirtualService ratings",
    ]);
    const jason = istio("virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml");
    assert.deepEqual(removedRules(routed(jason)), [
      "the route for end-user exact jason to v2 from VirtualService reviews",
      "the 500 abort for end-user exact jason from VirtualService ratings",
    ]);
    assert.deepEqual(removedRules(routed(allV1)), []);
  });
});
