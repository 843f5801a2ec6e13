// ClusterRole aggregation, as kube-controller-manager's clusterrole-aggregation controller does
// it: a ClusterRole with an aggregationRule gets, as its rules, the rules of every ClusterRole
// its selectors match (by name, each rule once), so labelling a new role
// `rbac.authorization.k8s.io/aggregate-to-view: "true"` extends `view`, and through it `edit`
// and `admin`.

import { labelSelectorFromSpec, matchesLabels } from "../api/selectors.ts";
import type { Runtime } from "../controllers/runtime.ts";
import { canonicalJson } from "../controllers/templateHash.ts";
import { CLUSTER_ROLES, RBAC_KEY } from "./kinds.ts";
import type { PolicyRule, RoleObject } from "./policy.ts";

const byName = (a: RoleObject, b: RoleObject) => {
  const [x, y] = [a.metadata.name ?? "", b.metadata.name ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Compares rules field by field, an empty list the same as none. */
const ruleKey = (rule: PolicyRule) =>
  canonicalJson(
    Object.fromEntries(
      Object.entries(rule).filter(
        ([, value]) => !(Array.isArray(value) && value.length === 0) && value != null,
      ),
    ),
  );

/** The rules `target` aggregates from `roles`, or undefined when it has no aggregationRule. */
export function aggregatedRules(target: RoleObject, roles: RoleObject[]): PolicyRule[] | undefined {
  const selectors = target.aggregationRule?.clusterRoleSelectors;
  if (!target.aggregationRule) return undefined;
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const spec of selectors ?? []) {
    const selector = labelSelectorFromSpec(spec);
    const matched = roles.filter((r) => matchesLabels(selector, r.metadata.labels)).sort(byName);
    for (const role of matched) {
      if (role.metadata.name === target.metadata.name) continue;
      for (const rule of role.rules ?? []) {
        const key = ruleKey(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
  }
  return rules;
}

const sameRules = (a: PolicyRule[] | null | undefined, b: PolicyRule[] | null | undefined) =>
  canonicalJson((a ?? []).map(ruleKey)) === canonicalJson((b ?? []).map(ruleKey));

/**
 * The roles as the controller leaves them once it has nothing more to do: aggregation repeated
 * until no role changes, since aggregated roles (edit) can feed others (admin).
 */
export function settleAggregation(roles: RoleObject[]): RoleObject[] {
  const current = roles.map((r) => structuredClone(r));
  for (let round = 0; round < current.length + 1; round++) {
    let changed = false;
    for (const role of current) {
      const rules = aggregatedRules(role, current);
      if (rules && !sameRules(rules, role.rules)) {
        role.rules = rules.length ? rules : null;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return current;
}

const MANAGER = { manager: "clusterrole-aggregation-controller" } as const;

/** Re-aggregates every aggregating ClusterRole whenever any ClusterRole changes. */
export function startClusterRoleAggregation(rt: Runtime): void {
  const queue = rt.queue("clusterrole-aggregation", reconcile);
  const { store, objects } = rt;
  const enqueueAll = () => {
    for (const role of store.peek(RBAC_KEY.clusterRoles) as Iterable<RoleObject>)
      if (role.aggregationRule) queue.add(role.metadata.name ?? "");
  };
  rt.watch((event) => {
    if (event.resource === RBAC_KEY.clusterRoles) enqueueAll();
  });
  enqueueAll();

  function reconcile(name: string): void {
    const target = store.get(RBAC_KEY.clusterRoles, undefined, name) as RoleObject | undefined;
    if (!target) return;
    const rules = aggregatedRules(target, [...(store.peek(RBAC_KEY.clusterRoles) as Iterable<RoleObject>)]);
    if (!rules || sameRules(rules, target.rules)) return;
    objects.update(
      CLUSTER_ROLES,
      undefined,
      name,
      { ...target, rules: rules.length ? rules : null },
      MANAGER,
    );
  }
}
