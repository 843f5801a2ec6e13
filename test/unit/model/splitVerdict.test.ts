import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ALPHA,
  binomialPower,
  binomialTwoSidedP,
  chiSquareSurvival,
  MIN_SAMPLES,
  MIN_SAMPLES_SINGLE,
  splitVerdict,
} from "../../../source/model/splitVerdict.ts";

// The canary's verdict is a statistical test: it must accept what fair weighted routing
// produces and reject a split that is really different, at the sample size it states.

const fifty = { v1: 0.5, v3: 0.5 };

/** A deterministic pseudo-random sequence, so a "fair" sample is fair by construction, not luck. */
function draws(n: number, share: number, seed: number): Record<string, number> {
  let state = seed;
  let v3 = 0;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    if (state / 2 ** 31 < share) v3++;
  }
  return { v1: n - v3, v3 };
}

describe("the split verdict", () => {
  test("the stated sample size rejects 70/30 when 50/50 is configured with at least 99 % power", () => {
    assert.equal(MIN_SAMPLES, 150);
    assert.equal(ALPHA, 0.01);
    const power = binomialPower(MIN_SAMPLES, 0.5, 0.7);
    assert.ok(power >= 0.99, `power ${power}`);
    // And not much before it: the minimum is not padded.
    assert.ok(binomialPower(120, 0.5, 0.7) < 0.99);
    // A fair sample fails at most 1 % of the time.
    assert.ok(binomialPower(MIN_SAMPLES, 0.5, 0.5) <= ALPHA);
  });

  test("accepts a fair 50/50 sample at the stated size", () => {
    const verdict = splitVerdict({ v1: 75, v3: 75 }, fifty);
    assert.equal(verdict.state, "consistent");
    assert.equal(verdict.text, "consistent with 50/50 after 150 samples");
    assert.equal(verdict.test, "binomial");
    // Fair coin flips too, not only an exact half: 49 of 50 seeded runs pass (1 % would fail).
    let passed = 0;
    for (let seed = 1; seed <= 50; seed++)
      if (splitVerdict(draws(MIN_SAMPLES, 0.5, seed), fifty).state === "consistent") passed++;
    assert.ok(passed >= 48, `${passed} of 50 fair samples passed`);
  });

  test("rejects a 70/30 sample at the stated size", () => {
    const verdict = splitVerdict({ v1: 105, v3: 45 }, fifty);
    assert.equal(verdict.state, "inconsistent");
    assert.match(
      verdict.text,
      /^not yet: v1 70%, v3 30% after 150 samples differs from v1\/v3 50\/50 \(p < 0\.0001\)$/,
    );
    let rejected = 0;
    for (let seed = 1; seed <= 50; seed++)
      if (splitVerdict(draws(MIN_SAMPLES, 0.3, seed), fifty).state === "inconsistent") rejected++;
    assert.ok(rejected >= 49, `${rejected} of 50 samples of 70/30 rejected`);
  });

  test("says not yet before the minimum, whatever the counts", () => {
    const verdict = splitVerdict({ v1: 20, v3: 20 }, fifty);
    assert.equal(verdict.state, "not-enough");
    assert.equal(verdict.text, "not yet (40 of 150 samples; measured v1 50%, v3 50%)");
  });

  test("a user's weights work the same way: 90/10", () => {
    const ninety = { v1: 0.9, v3: 0.1 };
    assert.equal(splitVerdict({ v1: 135, v3: 15 }, ninety).state, "consistent");
    assert.equal(splitVerdict({ v1: 135, v3: 15 }, ninety).text, "consistent with 90/10 after 150 samples");
    assert.equal(splitVerdict({ v1: 75, v3: 75 }, ninety).state, "inconsistent");
  });

  test("a version the routing never sends to means the split is not what is configured", () => {
    assert.equal(splitVerdict({ v1: 74, v3: 75, v2: 1 }, fifty).state, "inconsistent");
  });

  test("three versions: chi-square goodness of fit", () => {
    const thirds = { v1: 1 / 3, v2: 1 / 3, v3: 1 / 3 };
    const fair = splitVerdict({ v1: 52, v2: 48, v3: 50 }, thirds);
    assert.equal(fair.test, "chi-square");
    assert.equal(fair.state, "consistent");
    assert.equal(splitVerdict({ v1: 80, v2: 40, v3: 30 }, thirds).state, "inconsistent");
  });

  test("100 % to one version: every sample of it, at least MIN_SAMPLES_SINGLE of them", () => {
    const all = { v3: 1 };
    assert.equal(splitVerdict({ v3: MIN_SAMPLES_SINGLE - 1 }, all).state, "not-enough");
    assert.equal(splitVerdict({ v3: MIN_SAMPLES_SINGLE }, all).state, "consistent");
    assert.equal(splitVerdict({ v3: 40, v1: 1 }, all).state, "inconsistent");
    // Were v3's real share 80 %, a run this long without another version is under 1 % likely.
    assert.ok(0.8 ** MIN_SAMPLES_SINGLE < ALPHA);
  });
});

describe("the distributions behind it", () => {
  test("exact binomial p-values", () => {
    assert.equal(binomialTwoSidedP(5, 10, 0.5), 1);
    assert.ok(Math.abs(binomialTwoSidedP(0, 10, 0.5) - 2 / 1024) < 1e-12);
    // Twice P(X >= 60) for X ~ Bin(100, 0.5).
    assert.ok(Math.abs(binomialTwoSidedP(60, 100, 0.5) - 0.05688793) < 1e-6);
    // An unequal null: both tails by likelihood. P(X <= 3) = 0.10709 and P(X >= 9) = 0.11333 for
    // X ~ Bin(20, 0.3): the terms no likelier than P(X = 3) = 0.07160.
    assert.ok(Math.abs(binomialTwoSidedP(3, 20, 0.3) - 0.22042) < 1e-4);
  });

  test("chi-square survival function at the usual critical values", () => {
    assert.ok(Math.abs(chiSquareSurvival(3.841459, 1) - 0.05) < 1e-6);
    assert.ok(Math.abs(chiSquareSurvival(5.991465, 2) - 0.05) < 1e-6);
    assert.ok(Math.abs(chiSquareSurvival(11.34487, 3) - 0.01) < 1e-6);
    assert.ok(Math.abs(chiSquareSurvival(30, 10) - 0.000857) < 1e-5);
    assert.equal(chiSquareSurvival(0, 2), 1);
  });
});
