// The sandbox does not evaluate CEL. A few x-kubernetes-validations rules are common enough in the
// CRDs it serves (Istio's duration fields above all) that it knows what they mean; every other rule
// is taken as passing.

import { isJsonObject } from "./types.ts";

type Check = (value: unknown) => boolean;

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Nanoseconds of a Go duration string, or undefined when CEL's duration() would refuse it. */
export function durationNanos(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return text === "0" ? 0 : undefined;
  const sign = text.startsWith("-") ? -1 : 1;
  let total = 0;
  for (const [, amount, , , unit] of text.matchAll(/((\d+(\.\d*)?|\.\d+))(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(amount) * (UNIT_NS[unit ?? "s"] ?? 0);
  }
  return sign * total;
}

const atLeastOneMillisecond: Check = (value) => {
  if (typeof value !== "string") return true;
  const nanos = durationNanos(value);
  return nanos !== undefined && nanos >= 1e6;
};

const RULES = new Map<string, Check>([
  ["duration(self) >= duration('1ms')", atLeastOneMillisecond],
  ['!self.contains("*")', (v) => typeof v !== "string" || !v.includes("*")],
  [
    'self.all(key, !key.contains("*"))',
    (v) => !isJsonObject(v) || Object.keys(v).every((k) => !k.includes("*")),
  ],
  ["self.all(key, key.size() != 0)", (v) => !isJsonObject(v) || Object.keys(v).every((k) => k.length !== 0)],
  ["self.size() == 0", (v) => (typeof v === "string" || Array.isArray(v) ? v.length === 0 : true)],
]);

/** How to check a rule the sandbox understands, or undefined for any other rule. */
export const knownRule = (rule: string): Check | undefined => RULES.get(rule.trim());
