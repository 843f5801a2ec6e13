import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Sample } from "../../../source/model/snapshot.ts";
import { percentile, summarizeSamples, versionShares } from "../../../source/traffic/statistics.ts";

const sample = (fields: Partial<Sample>): Sample => ({ at: 0, latencyMs: 10, ...fields });

describe("percentile (nearest rank)", () => {
  const values = [15, 20, 35, 40, 50];

  test("matches the textbook nearest-rank values", () => {
    assert.equal(percentile(values, 5), 15);
    assert.equal(percentile(values, 30), 20);
    assert.equal(percentile(values, 40), 20);
    assert.equal(percentile(values, 50), 35);
    assert.equal(percentile(values, 100), 50);
  });

  test("p0 is the minimum, and the input is neither sorted nor changed in place", () => {
    const unsorted = [50, 15, 40, 20, 35];
    assert.equal(percentile(unsorted, 0), 15);
    assert.equal(percentile(unsorted, 95), 50);
    assert.deepEqual(unsorted, [50, 15, 40, 20, 35]);
  });

  test("p95 of 1..100 is 95 and p50 is 50, never an interpolated value", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(hundred, 95), 95);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile([1, 2], 50), 1);
    assert.equal(percentile([1, 2], 51), 2);
  });

  test("an empty list gives 0; non-finite values are ignored", () => {
    assert.equal(percentile([], 50), 0);
    assert.equal(percentile([Number.NaN, 7, Number.POSITIVE_INFINITY], 95), 7);
  });

  test("p outside 0..100 is a programming error", () => {
    assert.throws(() => percentile(values, 101), RangeError);
    assert.throws(() => percentile(values, -1), RangeError);
    assert.throws(() => percentile(values, Number.NaN), RangeError);
  });
});

describe("summarizeSamples", () => {
  test("zeros for no samples", () => {
    assert.deepEqual(summarizeSamples([]), {
      total: 0,
      codes: {},
      errors: {},
      versions: { v1: 0, v2: 0, v3: 0, unknown: 0 },
      latencyMs: { p50: 0, p95: 0 },
    });
  });

  test("counts codes, network errors and the versions of 200 pages", () => {
    const samples = [
      sample({ code: 200, version: "v1", latencyMs: 12 }),
      sample({ code: 200, version: "v1", latencyMs: 11 }),
      sample({ code: 200, version: "v2", latencyMs: 30 }),
      sample({ code: 200, version: "v3", latencyMs: 25 }),
      sample({ code: 200, pageErrors: ["reviews"], latencyMs: 6010 }),
      sample({ code: 503, latencyMs: 3 }),
      sample({ code: 404, latencyMs: 2 }),
      sample({ error: "refused", latencyMs: 1 }),
      sample({ error: "timeout", latencyMs: 8000 }),
      sample({ error: "timeout", latencyMs: 8001 }),
      // A 200 whose body broke off: the code counts, the page does not tell a version.
      sample({ code: 200, error: "reset", latencyMs: 40 }),
    ];
    const summary = summarizeSamples(samples);
    assert.equal(summary.total, 11);
    assert.deepEqual(summary.codes, { "200": 6, "404": 1, "503": 1 });
    assert.deepEqual(summary.errors, { refused: 1, timeout: 2, reset: 1 });
    assert.deepEqual(summary.versions, { v1: 2, v2: 1, v3: 1, unknown: 2 });
    // Sorted: 1 2 3 11 12 25 30 40 6010 8000 8001; rank ceil(5.5)=6 and ceil(10.45)=11.
    assert.deepEqual(summary.latencyMs, { p50: 25, p95: 8001 });
  });

  test("a version on a non-200 sample is not counted", () => {
    const summary = summarizeSamples([sample({ code: 500, version: "v2" })]);
    assert.deepEqual(summary.versions, { v1: 0, v2: 0, v3: 0, unknown: 0 });
  });

  test("the codes object serialises with string keys, as status -o json prints it", () => {
    const summary = summarizeSamples([sample({ code: 200, version: "v1" })]);
    assert.equal(JSON.stringify(summary.codes), '{"200":1}');
  });
});

describe("versionShares", () => {
  test("percentages of the 200 pages", () => {
    const summary = summarizeSamples([
      sample({ code: 200, version: "v1" }),
      sample({ code: 200, version: "v1" }),
      sample({ code: 200, version: "v3" }),
      sample({ code: 200 }),
      sample({ code: 503 }),
      sample({ error: "refused" }),
    ]);
    assert.deepEqual(versionShares(summary), { v1: 50, v2: 0, v3: 25, unknown: 25 });
  });

  test("all zeros when no page answered", () => {
    assert.deepEqual(versionShares(summarizeSamples([sample({ code: 503 })])), {
      v1: 0,
      v2: 0,
      v3: 0,
      unknown: 0,
    });
  });

  test("thirds add up to 100", () => {
    const shares = versionShares(
      summarizeSamples([
        sample({ code: 200, version: "v1" }),
        sample({ code: 200, version: "v2" }),
        sample({ code: 200, version: "v3" }),
      ]),
    );
    assert.ok(Math.abs(shares.v1 + shares.v2 + shares.v3 - 100) < 1e-9);
    assert.ok(Math.abs(shares.v1 - 100 / 3) < 1e-9);
  });
});
