// The RBAC authorizer: every request's attributes checked against the rules of the roles bound
// to its user. It keeps its own view of roles and bindings from store events (as the API
// server's informers do) with bindings indexed by subject, so a request costs the bindings of
// its user and groups, never a scan of every binding in the cluster.

import type { User } from "../auth/user.ts";
import type { KubeObject } from "../kube.ts";
import type { Store, StoreEvent } from "../store/store.ts";
import { RBAC_KEY } from "./kinds.ts";
import type { BindingObject, PolicyRule, RoleObject, RoleRef, Subject } from "./policy.ts";
import { type Attributes, appliesTo, describeSubject, ruleAllows } from "./rules.ts";

export interface Decision {
  allowed: boolean;
  /** `RBAC: allowed by ...` when allowed, `RBAC: <resolution errors>` or "" when not. */
  reason: string;
}

type Visitor = (source: () => string, rule: PolicyRule | undefined, error: string | undefined) => boolean;

const SUBJECT_USER = "u:";
const SUBJECT_GROUP = "g:";

/** The index keys a subject is found under; a service account is found under its user name. */
function subjectKey(subject: Subject, namespace: string): string | undefined {
  switch (subject.kind) {
    case "User":
      return `${SUBJECT_USER}${subject.name}`;
    case "Group":
      return `${SUBJECT_GROUP}${subject.name}`;
    case "ServiceAccount": {
      const saNamespace = subject.namespace || namespace;
      return saNamespace ? `${SUBJECT_USER}system:serviceaccount:${saNamespace}:${subject.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Bindings of one scope (the cluster, or one namespace) by the subjects they name. */
class BindingIndex {
  #bySubject = new Map<string, Map<string, BindingObject>>();
  #keysOf = new Map<string, string[]>();

  constructor(readonly namespace: string) {}

  get size(): number {
    return this.#keysOf.size;
  }

  put(binding: BindingObject): void {
    const name = binding.metadata.name ?? "";
    this.remove(name);
    const keys = new Set<string>();
    for (const subject of binding.subjects ?? []) {
      const key = subjectKey(subject, this.namespace);
      if (key) keys.add(key);
    }
    for (const key of keys) {
      const bucket = this.#bySubject.get(key) ?? new Map<string, BindingObject>();
      this.#bySubject.set(key, bucket);
      bucket.set(name, binding);
    }
    this.#keysOf.set(name, [...keys]);
  }

  remove(name: string): void {
    for (const key of this.#keysOf.get(name) ?? []) {
      const bucket = this.#bySubject.get(key);
      bucket?.delete(name);
      if (bucket?.size === 0) this.#bySubject.delete(key);
    }
    this.#keysOf.delete(name);
  }

  /** The bindings that may name `user`, by binding name. */
  candidates(user: User): BindingObject[] {
    const found = new Map<string, BindingObject>();
    const collect = (key: string) => {
      for (const [name, binding] of this.#bySubject.get(key) ?? []) found.set(name, binding);
    };
    collect(`${SUBJECT_USER}${user.name}`);
    for (const group of user.groups) collect(`${SUBJECT_GROUP}${group}`);
    return [...found.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, binding]) => binding);
  }
}

const authorizers = new WeakMap<Store, RbacAuthorizer>();

export class RbacAuthorizer {
  #roles = new Map<string, RoleObject>();
  #clusterRoles = new Map<string, RoleObject>();
  #clusterBindings = new BindingIndex("");
  #roleBindings = new Map<string, BindingIndex>();

  /** The authorizer of a store's cluster, made on first use and kept as long as the store. */
  static of(store: Store): RbacAuthorizer {
    let authorizer = authorizers.get(store);
    if (!authorizer) {
      authorizer = new RbacAuthorizer(store);
      authorizers.set(store, authorizer);
    }
    return authorizer;
  }

  private constructor(store: Store) {
    for (const key of Object.values(RBAC_KEY)) {
      for (const object of store.peek(key)) this.#apply(key, "ADDED", object);
    }
    store.subscribe((event: StoreEvent) => this.#apply(event.resource, event.type, event.object));
  }

  #apply(resource: string, type: StoreEvent["type"], object: KubeObject): void {
    const name = object.metadata.name ?? "";
    const namespace = object.metadata.namespace ?? "";
    const gone = type === "DELETED";
    switch (resource) {
      case RBAC_KEY.clusterRoles:
        if (gone) this.#clusterRoles.delete(name);
        else this.#clusterRoles.set(name, object as RoleObject);
        return;
      case RBAC_KEY.roles:
        if (gone) this.#roles.delete(`${namespace}/${name}`);
        else this.#roles.set(`${namespace}/${name}`, object as RoleObject);
        return;
      case RBAC_KEY.clusterRoleBindings:
        if (gone) this.#clusterBindings.remove(name);
        else this.#clusterBindings.put(object as BindingObject);
        return;
      case RBAC_KEY.roleBindings: {
        const index = this.#roleBindings.get(namespace) ?? new BindingIndex(namespace);
        this.#roleBindings.set(namespace, index);
        if (gone) index.remove(name);
        else index.put(object as BindingObject);
        if (index.size === 0) this.#roleBindings.delete(namespace);
        return;
      }
    }
  }

  /** The rules a binding's roleRef grants, or the error the API server reports for it. */
  roleRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[] } | { error: string } {
    if (ref.kind === "Role") {
      const role = this.#roles.get(`${bindingNamespace}/${ref.name}`);
      return role
        ? { rules: role.rules ?? [] }
        : { error: `role.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    if (ref.kind === "ClusterRole") {
      const role = this.#clusterRoles.get(ref.name);
      return role
        ? { rules: role.rules ?? [] }
        : { error: `clusterrole.rbac.authorization.k8s.io "${ref.name}" not found` };
    }
    return { error: `unsupported role reference kind: "${ref.kind}"` };
  }

  /**
   * The bindings looked at for `user` in `namespace` ("Kind/namespace/name"): those naming the
   * user, its service account or one of its groups, found through the index, never by a scan.
   */
  candidateBindings(user: User, namespace: string): string[] {
    const cluster = this.#clusterBindings
      .candidates(user)
      .map((b) => `ClusterRoleBinding/${b.metadata.name}`);
    const local = namespace
      ? (this.#roleBindings.get(namespace)?.candidates(user) ?? []).map(
          (b) => `RoleBinding/${namespace}/${b.metadata.name}`,
        )
      : [];
    return [...cluster, ...local];
  }

  /** Cluster-wide bindings first, then the namespace's, as the API server's rule resolver goes. */
  #visit(user: User, namespace: string, visit: Visitor): void {
    const scopes: [BindingIndex | undefined, string, string][] = [
      [this.#clusterBindings, "", "ClusterRoleBinding"],
    ];
    if (namespace) scopes.push([this.#roleBindings.get(namespace), namespace, "RoleBinding"]);
    for (const [index, scope, kind] of scopes) {
      for (const binding of index?.candidates(user) ?? []) {
        const subject = (binding.subjects ?? []).find((s) => appliesTo(user, s, scope));
        if (!subject) continue;
        const granted = this.roleRules(binding.roleRef, scope);
        const name = scope ? `${binding.metadata.name}/${scope}` : (binding.metadata.name ?? "");
        const source = () =>
          `${kind} "${name}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, scope)}`;
        if ("error" in granted) {
          if (!visit(source, undefined, granted.error)) return;
          continue;
        }
        for (const rule of granted.rules) if (!visit(source, rule, undefined)) return;
      }
    }
  }

  authorize(attributes: Attributes): Decision {
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.#visit(attributes.user, attributes.namespace, (source, rule, error) => {
      if (rule && ruleAllows(attributes, rule)) {
        allowedBy = source();
        return false;
      }
      if (error) errors.push(error);
      return true;
    });
    if (allowedBy) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : "" };
  }

  /** Every rule that applies to `user` in `namespace`, and the errors met resolving them. */
  rulesFor(user: User, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.#visit(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error) errors.push(error);
      return true;
    });
    return { rules, errors };
  }
}

/** Several errors in one message, as apimachinery's error aggregates print. */
export function aggregate(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}
