import { type LabelSelectorSpec, labelSelectorFromSpec, matchesLabels } from "../api/selectors.ts";

export type LabelSelector = LabelSelectorSpec;
type Labels = Record<string, string> | undefined;

/** metav1.LabelSelector semantics: every term must hold; an empty or absent selector matches everything. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  return matchesLabels(labelSelectorFromSpec(selector ?? {}), labels);
}

/** A Service's plain map selector: all pairs must match. Callers treat an empty map as "no selector". */
export function mapMatches(selector: Record<string, string>, labels: Labels): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
