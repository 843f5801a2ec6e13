// Whether one set of rules includes another, which is how the API server stops users from
// granting what they do not hold (escalation prevention), and the compact form it names the
// missing rules in.

import { API_GROUP_ALL, type PolicyRule, RESOURCE_ALL, VERB_ALL } from "./policy.ts";

/** A rule split into rules of one group, one resource, one verb and at most one name. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames)
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

const has = (set: string[] | undefined, value: string) => (set ?? []).includes(value);
const hasAll = (set: string[] | undefined, values: string[] | undefined) =>
  (values ?? []).every((v) => has(set, v));

function resourcesCover(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  if (has(owner, RESOURCE_ALL) || hasAll(owner, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf("/");
    return slash >= 0 && has(owner, `*/${path.slice(slash + 1)}`);
  });
}

const urlCovers = (owner: string, path: string) =>
  owner === path || (owner.endsWith("*") && path.startsWith(owner.replace(/\*+$/, "")));

const urlsCover = (owner: string[] | undefined, wanted: string[] | undefined) =>
  (wanted ?? []).every((path) => (owner ?? []).some((o) => urlCovers(o, path)));

/** Whether `owner` (any rule) covers `sub` (a broken-down rule). */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const names = sub.resourceNames?.length
    ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames)
    : !owner.resourceNames?.length;
  return (
    (has(owner.verbs, VERB_ALL) || hasAll(owner.verbs, sub.verbs)) &&
    (has(owner.apiGroups, API_GROUP_ALL) || hasAll(owner.apiGroups, sub.apiGroups)) &&
    resourcesCover(owner.resources, sub.resources) &&
    urlsCover(owner.nonResourceURLs, sub.nonResourceURLs) &&
    names
  );
}

/** The broken-down rules of `servant` that no rule of `owner` covers; empty when covered. */
export function uncoveredRules(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  return servant
    .flatMap(breakdownRule)
    .filter((sub) => !owner.some((ownerRule) => ruleCovers(ownerRule, sub)));
}

/**
 * Merges rules that name one group and one resource (and at most one name) and differ only in
 * their verbs, keeping the first one's place; everything else stays as it is.
 */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const simple = new Map<string, PolicyRule>();
  const others: PolicyRule[] = [];
  for (const rule of rules) {
    const isSimple =
      (rule.resourceNames?.length ?? 0) <= 1 &&
      !rule.nonResourceURLs?.length &&
      rule.apiGroups?.length === 1 &&
      rule.resources?.length === 1;
    if (!isSimple) {
      others.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups, rule.resources, rule.resourceNames ?? null]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...(existing.verbs ?? []), ...(rule.verbs ?? [])];
    else simple.set(key, { ...rule, verbs: [...(rule.verbs ?? [])] });
  }
  return [...others, ...simple.values()];
}

const quoted = (list: string[]) => `[${list.map((v) => JSON.stringify(v)).join(" ")}]`;

/** `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`, as escalation errors print rules. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${quoted(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${quoted(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quoted(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${quoted(rule.resourceNames)}`);
  if (rule.verbs?.length) parts.push(`Verbs:${quoted(rule.verbs)}`);
  return `{${parts.join(", ")}}`;
}
