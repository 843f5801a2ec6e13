// What the analysis reports: one finding per problem, with Istio's code, level and wording where
// Istio has a message for it (istioctl analyze's IST codes), and our own KBI codes for what only
// the tour can see (which namespace's Bookinfo answered a sampled page, checks it could not make).

import type { Fix } from "../model/fix.ts";

/** As istioctl prints them, worst first. */
export type Level = "Error" | "Warning" | "Info";

export const LEVELS: readonly Level[] = ["Error", "Warning", "Info"];

/** An object a finding is about: istioctl's "(Kind namespace/name)", without a namespace for cluster-scoped kinds. */
export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Finding {
  /** "IST0101", or ours, "KBI0001". */
  code: string;
  /** Istio's message name ("ReferencedResourceNotFound"), or ours. */
  name: string;
  level: Level;
  /** The object the message is reported on (istioctl's origin). */
  object: ObjectRef;
  /** The other objects involved (the Gateway a route names, the Gateway it conflicts with). */
  related: ObjectRef[];
  /** The message as istioctl words it (ours in the same manner). */
  message: string;
  /** One sentence for narrow places: the tour's findings line, a failed stage's cause. */
  summary: string;
  fix?: Fix;
  /**
   * Configuration nothing routes through (a subset no route uses): true to report, and
   * istioctl does, but it explains no failure the tour sees.
   */
  dormant?: boolean;
}

/** "VirtualService default/reviews", "Namespace default": istioctl's origin. */
export function origin(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** istioctl analyze's line: `Error [IST0101] (VirtualService default/reviews) Referenced …`. */
export function findingLine(finding: Finding): string {
  return `${finding.level} [${finding.code}] (${origin(finding.object)}) ${finding.message}`;
}

/** Where Istio documents one of its codes; ours are documented in the README. */
export function documentationUrl(code: string): string | undefined {
  return code.startsWith("IST")
    ? `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/`
    : undefined;
}

/** istioctl's order (level, code, origin, text), without repeats. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const sorted = [...findings].sort(
    (a, b) =>
      LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) ||
      compare(a.code, b.code) ||
      compare(origin(a.object), origin(b.object)) ||
      compare(a.message, b.message),
  );
  return sorted.filter((f, i) => i === 0 || findingLine(f) !== findingLine(sorted[i - 1]!));
}

/** Findings that can explain a failure the tour sees: errors and warnings about what is in use. */
export function explaining(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.level !== "Info" && !f.dormant);
}

export function countByLevel(findings: readonly Finding[]): Record<Level, number> {
  const counts: Record<Level, number> = { Error: 0, Warning: 0, Info: 0 };
  for (const f of findings) counts[f.level]++;
  return counts;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
