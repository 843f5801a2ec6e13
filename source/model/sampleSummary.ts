// Counts and percentiles over productpage samples: the `samples` object of `status -o json`
// and the numbers under the distribution panel.

import type { Sample, SampleSummary } from "./snapshot.ts";

export function summarizeSamples(samples: readonly Sample[]): SampleSummary {
  const codes: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const versions = { v1: 0, v2: 0, v3: 0, unknown: 0 };
  const latencies: number[] = [];
  for (const sample of samples) {
    if (sample.code === undefined) {
      const kind = sample.error ?? "other";
      errors[kind] = (errors[kind] ?? 0) + 1;
      continue;
    }
    codes[String(sample.code)] = (codes[String(sample.code)] ?? 0) + 1;
    // Timeouts would only measure the timeout itself, so latency covers answered requests.
    latencies.push(sample.latencyMs);
    if (sample.code === 200) versions[sample.version ?? "unknown"]++;
  }
  latencies.sort((a, b) => a - b);
  return {
    total: samples.length,
    codes,
    errors,
    versions,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

/** Nearest-rank percentile of ascending values (0 for none): always a latency that happened. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
