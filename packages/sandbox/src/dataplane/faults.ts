import type { Random } from "./balancer.ts";
import type { HttpFault, Percent } from "./istioConfig.ts";

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 1e-6,
};

/** Durations as Istio accepts them in YAML: "7s", "0.5s", "100ms", "1m30s". Undefined if malformed. */
export function parseDuration(value: string | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const s = value.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, amount, unit] of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total;
}

/**
 * The share of requests a fault hits. `percentage.value` (Istio 1.1+) wins over the old
 * integer `percent`; with neither, Istio hands Envoy 0 and the fault never fires.
 */
export function faultShare(percentage: Percent | undefined, percent: number | undefined): number {
  const value =
    typeof percentage?.value === "number" ? percentage.value : typeof percent === "number" ? percent : 0;
  return Math.min(100, Math.max(0, value));
}

const fires = (share: number, random: Random): boolean =>
  share >= 100 || (share > 0 && random() * 100 < share);

export interface FaultOutcome {
  delayMs: number;
  abortStatus: number | undefined;
}

/** Rolls the dice for one request: Envoy applies the delay first, then the abort. */
export function rollFault(fault: HttpFault | undefined, random: Random): FaultOutcome {
  const outcome: FaultOutcome = { delayMs: 0, abortStatus: undefined };
  if (!fault) return outcome;
  const delayMs = parseDuration(fault.delay?.fixedDelay);
  if (fault.delay && delayMs && fires(faultShare(fault.delay.percentage, fault.delay.percent), random)) {
    outcome.delayMs = delayMs;
  }
  const status = fault.abort?.httpStatus;
  if (
    fault.abort &&
    typeof status === "number" &&
    fires(faultShare(fault.abort.percentage, fault.abort.percent), random)
  ) {
    outcome.abortStatus = status;
  }
  return outcome;
}
