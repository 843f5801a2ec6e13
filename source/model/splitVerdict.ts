// Whether a measured split is consistent with the configured weights, as a statistical test
// rather than a fixed count. Two outcomes (a canary): the exact two-sided binomial test; three or
// more: Pearson's chi-square goodness-of-fit test; one (100 % to a version): every sample must be
// that version. All at 99 % confidence, and only once enough samples are in that a real
// difference of 20 points (70/30 measured where 50/50 is configured) would be caught with at
// least 99 % probability; before that the verdict is "not yet".

import type { Shares } from "./reviewsRouting.ts";

/** 1 - alpha: a fair sample is called inconsistent at most 1 % of the time. */
export const ALPHA = 0.01;
export const CONFIDENCE = 1 - ALPHA;

/**
 * The fewest samples for a verdict on a split: at 150, the exact binomial test at alpha 0.01
 * rejects 50/50 when the traffic really is 70/30 with probability 0.991 (its power, computed in
 * test/unit/model/splitVerdict.test.ts), while a fair 50/50 sample passes with probability 0.993.
 */
export const MIN_SAMPLES = 150;

/**
 * For a single destination (100 %): this many samples in a row of that version. Were its real
 * share 80 % or less, another version would have shown up with probability 1 - 0.8^21 > 0.99.
 */
export const MIN_SAMPLES_SINGLE = 21;

export type VerdictState = "consistent" | "inconsistent" | "not-enough";

/** How many samples the verdict on these shares is taken over. */
export function samplesNeeded(configured: Shares): number {
  return Object.values(configured).filter((share) => share > 0).length <= 1
    ? MIN_SAMPLES_SINGLE
    : MIN_SAMPLES;
}

export interface SplitVerdict {
  state: VerdictState;
  /** Samples the verdict is about (pages whose reviews outcome is known). */
  samples: number;
  /** Samples needed before a verdict is given. */
  needed: number;
  test: "binomial" | "chi-square" | "all-samples";
  /** The test's p-value; null before there are enough samples. */
  pValue: number | null;
  /** What was measured, as fractions. */
  measured: Shares;
  configured: Shares;
  /** "50/50" — the configured weights as the verdict names them. */
  weights: string;
  /** One line: "consistent with 50/50 after 152 samples" or "not yet (40 of 150 samples)". */
  text: string;
}

/** The test and its threshold in words, for the stage's explanation and the README. */
export const TEST_DESCRIPTION =
  `an exact two-sided binomial test (chi-square goodness of fit for three or more versions) at ` +
  `${Math.round(CONFIDENCE * 100)} % confidence, after at least ${MIN_SAMPLES} samples`;

/** The verdict for these counts (by outcome: "v1", "v3", "unavailable") against the configured shares. */
export function splitVerdict(counts: Record<string, number>, configured: Shares): SplitVerdict {
  const expected = Object.entries(configured).filter(([, share]) => share > 0);
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  const measured: Shares = {};
  for (const [outcome, count] of Object.entries(counts)) if (count > 0) measured[outcome] = count / n;
  const weights = expected
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, share]) => String(Math.round(share * 100)))
    .join("/");
  const names = expected.map(([outcome]) => outcome).join("/");
  const base = { samples: n, measured, configured, weights };

  if (expected.length <= 1) {
    const only = expected[0]?.[0];
    const others = n - (only ? (counts[only] ?? 0) : 0);
    const needed = MIN_SAMPLES_SINGLE;
    if (others > 0)
      return {
        ...base,
        state: "inconsistent",
        needed,
        test: "all-samples",
        pValue: 0,
        text: `not ${only ?? "anything"} 100 %: ${others} of ${n} samples went elsewhere`,
      };
    if (n < needed)
      return {
        ...base,
        state: "not-enough",
        needed,
        test: "all-samples",
        pValue: null,
        text: `not yet (${n} of ${needed} samples, all ${only})`,
      };
    return {
      ...base,
      state: "consistent",
      needed,
      test: "all-samples",
      pValue: 1,
      text: `consistent with ${only} 100 % after ${n} samples`,
    };
  }

  const test = expected.length === 2 ? "binomial" : "chi-square";
  const needed = MIN_SAMPLES;
  const shown = `${names} ${weights}`;
  if (n < needed)
    return {
      ...base,
      state: "not-enough",
      needed,
      test,
      pValue: null,
      text: `not yet (${n} of ${needed} samples; measured ${describe(measured, expected)})`,
    };
  // A sample of something the routing never sends to cannot come from these weights.
  const stray = Object.keys(counts).some(
    (outcome) => (counts[outcome] ?? 0) > 0 && !(configured[outcome]! > 0),
  );
  let pValue: number;
  if (stray) pValue = 0;
  else if (test === "binomial") {
    const [first] = expected[0]!;
    pValue = binomialTwoSidedP(counts[first] ?? 0, n, configured[first]!);
  } else {
    const statistic = expected.reduce((sum, [outcome, share]) => {
      const e = share * n;
      return sum + ((counts[outcome] ?? 0) - e) ** 2 / e;
    }, 0);
    pValue = chiSquareSurvival(statistic, expected.length - 1);
  }
  if (pValue >= ALPHA)
    return {
      ...base,
      state: "consistent",
      needed,
      test,
      pValue,
      text: `consistent with ${weights} after ${n} samples`,
    };
  return {
    ...base,
    state: "inconsistent",
    needed,
    test,
    pValue,
    text: `not yet: ${describe(measured, expected)} after ${n} samples differs from ${shown} (p ${formatP(pValue)})`,
  };
}

function describe(measured: Shares, expected: [string, number][]): string {
  const outcomes = [...new Set([...expected.map(([o]) => o), ...Object.keys(measured)])].sort();
  return outcomes.map((o) => `${o} ${Math.round((measured[o] ?? 0) * 100)}%`).join(", ");
}

export function formatP(p: number): string {
  if (p < 0.0001) return "< 0.0001";
  return `= ${p.toPrecision(2)}`;
}

/**
 * The exact two-sided binomial p-value: the probability, under share p, of any count at most as
 * likely as k in n. (The same definition R's binom.test uses, with its relative tolerance.)
 */
export function binomialTwoSidedP(k: number, n: number, p: number): number {
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  const logPmf = (i: number) => logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p);
  const observed = logPmf(k);
  const tolerance = Math.log(1 + 1e-7);
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const lp = logPmf(i);
    if (lp <= observed + tolerance) total += Math.exp(lp);
  }
  return Math.min(1, total);
}

/** Probability that a count of n draws at share p falls where the two-sided test rejects at alpha. */
export function binomialPower(n: number, nullShare: number, trueShare: number, alpha = ALPHA): number {
  let power = 0;
  for (let k = 0; k <= n; k++) {
    if (binomialTwoSidedP(k, n, nullShare) < alpha)
      power += Math.exp(logChoose(n, k) + k * Math.log(trueShare) + (n - k) * Math.log(1 - trueShare));
  }
  return power;
}

/** P(X > x) for X chi-square with df degrees of freedom: the regularized upper gamma Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  return upperGammaQ(df / 2, x / 2);
}

function upperGammaQ(a: number, x: number): number {
  if (x < a + 1) {
    // Series for the lower function P, then Q = 1 - P.
    let sum = 1 / a;
    let term = sum;
    for (let i = 1; i < 500; i++) {
      term *= x / (a + i);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
  }
  // Continued fraction (Lentz) for Q.
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - logGamma(a)) * h);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** Lanczos approximation of ln Γ(z), z > 0. */
function logGamma(z: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
