import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ObjectService } from "../../../src/api/objects.ts";
import { findResource, type ResourceType } from "../../../src/api/resources.ts";
import { validate } from "../../../src/api/validation.ts";
import type { User } from "../../../src/auth/user.ts";
import { type Controllers, startControllers } from "../../../src/controllers/index.ts";
import type { KubeObject } from "../../../src/kube.ts";
import { rbacAdmission } from "../../../src/rbac/admission.ts";
import { aggregatedRules, settleAggregation } from "../../../src/rbac/aggregation.ts";
import { RbacAuthorizer } from "../../../src/rbac/authorizer.ts";
import { defaultClusterRoleBindings, defaultClusterRoles } from "../../../src/rbac/bootstrap.ts";
import {
  CLUSTER_ROLE_BINDINGS,
  CLUSTER_ROLES,
  RBAC_GROUP,
  RBAC_KEY,
  ROLE_BINDINGS,
  ROLES,
} from "../../../src/rbac/kinds.ts";
import type { RoleObject } from "../../../src/rbac/policy.ts";
import type { Attributes } from "../../../src/rbac/rules.ts";
import { Store } from "../../../src/store/store.ts";

const NAMESPACES = findResource("", "v1", "namespaces") as ResourceType;

function cluster() {
  const store = new Store();
  const objects = new ObjectService(store, [validate, rbacAdmission], (_b, a) => a);
  const create = (r: ResourceType, o: KubeObject) =>
    objects.create(r, o.metadata.namespace, o, { manager: "test" });
  for (const role of settleAggregation(defaultClusterRoles())) create(CLUSTER_ROLES, role);
  for (const binding of defaultClusterRoleBindings()) create(CLUSTER_ROLE_BINDINGS, binding);
  return { store, objects, create, authorizer: RbacAuthorizer.of(store) };
}

const attendee: User = {
  name: "system:serviceaccount:room-1:attendee",
  groups: ["system:serviceaccounts", "system:serviceaccounts:room-1", "system:authenticated"],
};

const ask = (user: User, verb: string, resource: string, namespace: string, apiGroup = ""): Attributes => ({
  user,
  verb,
  resourceRequest: true,
  apiGroup,
  resource,
  subresource: "",
  namespace,
  name: "",
  path: "",
});

const ns = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const binding = (
  name: string,
  namespace: string,
  role: { kind: string; name: string },
  subject: object,
): KubeObject => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: "RoleBinding",
  metadata: { name, namespace },
  roleRef: { apiGroup: RBAC_GROUP, ...role },
  subjects: [subject],
});

describe("the default roles, aggregated", () => {
  const roles = settleAggregation(defaultClusterRoles());
  const role = (name: string) => roles.find((r) => r.metadata.name === name) as RoleObject;

  it("view, edit and admin start with the rules aggregation gives them, each containing the one below", () => {
    const view = role("view").rules ?? [];
    const edit = role("edit").rules ?? [];
    const admin = role("admin").rules ?? [];
    assert.deepEqual(view, role("system:aggregate-to-view").rules);
    assert.deepEqual(edit, [...(role("system:aggregate-to-edit").rules ?? []), ...view]);
    assert.deepEqual(admin, [...edit, ...(role("system:aggregate-to-admin").rules ?? [])]);
    for (const name of ["view", "edit", "admin"])
      assert.deepEqual(aggregatedRules(role(name), roles), role(name).rules, `${name} is settled`);
  });
});

describe("the RBAC authorizer", () => {
  const c = cluster();
  before(() => {
    c.objects.create(NAMESPACES, undefined, ns("room-1"), { manager: "test" });
    c.create(ROLES, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "Role",
      metadata: { name: "tour", namespace: "room-1" },
      rules: [{ apiGroups: ["", "apps"], resources: ["pods", "deployments"], verbs: ["get", "list"] }],
    });
    c.create(
      ROLE_BINDINGS,
      binding("tour", "room-1", { kind: "Role", name: "tour" }, { kind: "ServiceAccount", name: "attendee" }),
    );
  });

  it("allows what a binding grants, and says which binding did", () => {
    assert.deepEqual(c.authorizer.authorize(ask(attendee, "list", "pods", "room-1")), {
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "tour/room-1" of Role "tour" to ServiceAccount "attendee/room-1"',
    });
    assert.deepEqual(
      c.authorizer.authorize(ask(attendee, "list", "deployments", "room-1", "apps")).allowed,
      true,
    );
    assert.deepEqual(c.authorizer.authorize(ask(attendee, "delete", "pods", "room-1")), {
      allowed: false,
      reason: "",
    });
    assert.deepEqual(c.authorizer.authorize(ask(attendee, "list", "pods", "default")).allowed, false);
    assert.deepEqual(c.authorizer.authorize(ask(attendee, "list", "pods", "")).allowed, false);
  });

  it("grants every authenticated user its self reviews through system:basic-user", () => {
    assert.deepEqual(
      c.authorizer.authorize(ask(attendee, "create", "selfsubjectaccessreviews", "", "authorization.k8s.io")),
      {
        allowed: true,
        reason:
          'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
      },
    );
  });

  it("names a binding's missing role as the reason of a denial", () => {
    c.create(
      ROLE_BINDINGS,
      binding(
        "broken",
        "room-1",
        { kind: "ClusterRole", name: "nope" },
        { kind: "ServiceAccount", name: "attendee" },
      ),
    );
    assert.deepEqual(c.authorizer.authorize(ask(attendee, "list", "secrets", "room-1")), {
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found',
    });
    c.objects.delete(ROLE_BINDINGS, "room-1", "broken");
    assert.equal(c.authorizer.authorize(ask(attendee, "list", "secrets", "room-1")).reason, "");
  });

  it("follows the store: a deleted binding grants nothing more", () => {
    c.create(
      ROLE_BINDINGS,
      binding(
        "extra",
        "room-1",
        { kind: "ClusterRole", name: "view" },
        { kind: "ServiceAccount", name: "attendee" },
      ),
    );
    assert.equal(c.authorizer.authorize(ask(attendee, "list", "configmaps", "room-1")).allowed, true);
    c.objects.delete(ROLE_BINDINGS, "room-1", "extra");
    assert.equal(c.authorizer.authorize(ask(attendee, "list", "configmaps", "room-1")).allowed, false);
  });

  it("finds a user's bindings through its index, never looking at anyone else's", () => {
    for (let i = 0; i < 300; i++) {
      const namespace = `crowd-${i}`;
      c.objects.create(NAMESPACES, undefined, ns(namespace), { manager: "test" });
      c.create(
        ROLE_BINDINGS,
        binding(
          "admin",
          namespace,
          { kind: "ClusterRole", name: "admin" },
          { kind: "ServiceAccount", name: "attendee" },
        ),
      );
      c.create(CLUSTER_ROLE_BINDINGS, {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: "ClusterRoleBinding",
        metadata: { name: `crowd-${i}` },
        roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: `user-${i}` }],
      });
    }
    assert.deepEqual(c.authorizer.candidateBindings(attendee, "room-1"), [
      "ClusterRoleBinding/system:basic-user",
      "ClusterRoleBinding/system:discovery",
      "ClusterRoleBinding/system:public-info-viewer",
      "ClusterRoleBinding/system:service-account-issuer-discovery",
      "RoleBinding/room-1/tour",
    ]);
    const crowd7: User = { name: "system:serviceaccount:crowd-7:attendee", groups: ["system:authenticated"] };
    assert.deepEqual(c.authorizer.candidateBindings(crowd7, "crowd-7").at(-1), "RoleBinding/crowd-7/admin");
    assert.equal(
      c.authorizer.authorize(ask(crowd7, "create", "deployments", "crowd-7", "apps")).allowed,
      true,
    );
    assert.equal(
      c.authorizer.authorize(ask(crowd7, "create", "deployments", "crowd-8", "apps")).allowed,
      false,
    );
    assert.equal(
      c.authorizer.authorize(ask({ name: "user-9", groups: [] }, "list", "pods", "")).allowed,
      true,
    );
  });
});

describe("ClusterRole aggregation, as a controller", () => {
  let c: ReturnType<typeof cluster>;
  let controllers: Controllers;
  before(() => {
    c = cluster();
    controllers = startControllers({ objects: c.objects, nodeName: "node", speed: 50 });
  });
  after(() => controllers.stop());

  const rulesOf = (name: string) =>
    ((c.store.get(RBAC_KEY.clusterRoles, undefined, name) as RoleObject | undefined)?.rules ?? []).map(
      (r) => `${r.apiGroups}/${r.resources}`,
    );

  it("a ClusterRole labelled to aggregate to view extends view, edit and admin, until it goes", async () => {
    c.create(CLUSTER_ROLES, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "ClusterRole",
      metadata: { name: "nodes-reader", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }],
    });
    await controllers.settled();
    for (const name of ["view", "edit", "admin"]) assert.ok(rulesOf(name).includes("/nodes"), name);
    assert.equal(rulesOf("view")[0], "/nodes", "nodes-reader sorts before system:aggregate-to-view");
    c.objects.delete(CLUSTER_ROLES, undefined, "nodes-reader");
    await controllers.settled();
    for (const name of ["view", "edit", "admin"]) assert.ok(!rulesOf(name).includes("/nodes"), name);
  });
});
