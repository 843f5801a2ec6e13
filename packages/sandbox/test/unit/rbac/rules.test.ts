import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requestAttributes } from "../../../src/api/authorization.ts";
import type { User } from "../../../src/auth/user.ts";
import { compactRules, compactString, uncoveredRules } from "../../../src/rbac/covers.ts";
import type { PolicyRule } from "../../../src/rbac/policy.ts";
import { type Attributes, appliesTo, ruleAllows } from "../../../src/rbac/rules.ts";

const alice: User = { name: "alice", groups: ["devs", "system:authenticated"] };

const resourceRequest = (overrides: Partial<Attributes>): Attributes => ({
  user: alice,
  verb: "get",
  resourceRequest: true,
  apiGroup: "",
  resource: "pods",
  subresource: "",
  namespace: "team",
  name: "",
  path: "",
  ...overrides,
});

describe("a rule allows a request", () => {
  const pods: PolicyRule = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };

  it("when verb, group and resource all match", () => {
    assert.equal(ruleAllows(resourceRequest({}), pods), true);
    assert.equal(ruleAllows(resourceRequest({ verb: "delete" }), pods), false);
    assert.equal(ruleAllows(resourceRequest({ apiGroup: "apps" }), pods), false);
    assert.equal(ruleAllows(resourceRequest({ resource: "services" }), pods), false);
  });

  it("never for a subresource the rule does not name, and `*/sub` names one for every resource", () => {
    assert.equal(ruleAllows(resourceRequest({ subresource: "log" }), pods), false);
    const logs: PolicyRule = { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] };
    assert.equal(ruleAllows(resourceRequest({ subresource: "log" }), logs), true);
    assert.equal(ruleAllows(resourceRequest({}), logs), false, "pods/log does not grant pods");
    const anyStatus: PolicyRule = { apiGroups: ["*"], resources: ["*/status"], verbs: ["patch"] };
    assert.equal(
      ruleAllows(
        resourceRequest({ verb: "patch", apiGroup: "apps", resource: "deployments", subresource: "status" }),
        anyStatus,
      ),
      true,
    );
    assert.equal(ruleAllows(resourceRequest({ verb: "patch", resource: "deployments" }), anyStatus), false);
  });

  it("with `*` for verbs, groups and resources, subresources included", () => {
    const all: PolicyRule = { apiGroups: ["*"], resources: ["*"], verbs: ["*"] };
    assert.equal(
      ruleAllows(
        resourceRequest({ verb: "escalate", apiGroup: "x.io", resource: "y", subresource: "z" }),
        all,
      ),
      true,
    );
  });

  it("limited to resourceNames when it has them, which a list without a name does not satisfy", () => {
    const one: PolicyRule = {
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: ["pace"],
      verbs: ["get", "list"],
    };
    assert.equal(ruleAllows(resourceRequest({ resource: "configmaps", name: "pace" }), one), true);
    assert.equal(ruleAllows(resourceRequest({ resource: "configmaps", name: "other" }), one), false);
    assert.equal(ruleAllows(resourceRequest({ resource: "configmaps", verb: "list" }), one), false);
  });

  it("for paths: exact, `*`, or a prefix ending in `*`; resource rules never grant paths", () => {
    const discovery: PolicyRule = { nonResourceURLs: ["/api", "/api/*", "/version"], verbs: ["get"] };
    const path = (p: string, verb = "get") => resourceRequest({ resourceRequest: false, verb, path: p });
    assert.equal(ruleAllows(path("/api"), discovery), true);
    assert.equal(ruleAllows(path("/api/v1"), discovery), true);
    assert.equal(ruleAllows(path("/apis"), discovery), false);
    assert.equal(ruleAllows(path("/version/extra"), discovery), false);
    assert.equal(ruleAllows(path("/api", "post"), discovery), false);
    assert.equal(ruleAllows(path("/metrics"), { nonResourceURLs: ["*"], verbs: ["*"] }), true);
    assert.equal(ruleAllows(path("/api"), { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }), false);
  });
});

describe("a subject names a user", () => {
  const sa: User = {
    name: "system:serviceaccount:team:attendee",
    groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
  };

  it("by user name, group, or service account", () => {
    assert.equal(appliesTo(alice, { kind: "User", name: "alice" }, ""), true);
    assert.equal(appliesTo(alice, { kind: "User", name: "bob" }, ""), false);
    assert.equal(appliesTo(alice, { kind: "Group", name: "devs" }, ""), true);
    assert.equal(appliesTo(sa, { kind: "ServiceAccount", name: "attendee", namespace: "team" }, ""), true);
    assert.equal(appliesTo(sa, { kind: "ServiceAccount", name: "attendee", namespace: "other" }, ""), false);
    assert.equal(appliesTo(sa, { kind: "Group", name: "system:serviceaccounts:team" }, ""), true);
    assert.equal(appliesTo(sa, { kind: "User", name: "system:serviceaccount:team:attendee" }, ""), true);
    assert.equal(appliesTo(alice, { kind: "Robot", name: "alice" }, ""), false);
  });

  it("a ServiceAccount without namespace: the binding's namespace, and nobody from a ClusterRoleBinding", () => {
    assert.equal(appliesTo(sa, { kind: "ServiceAccount", name: "attendee" }, "team"), true);
    assert.equal(appliesTo(sa, { kind: "ServiceAccount", name: "attendee" }, "other"), false);
    assert.equal(appliesTo(sa, { kind: "ServiceAccount", name: "attendee" }, ""), false);
  });
});

describe("request attributes, as the API server's RequestInfo derives them", () => {
  const of = (method: string, url: string) => {
    const parsed = new URL(url, "https://x");
    const { user: _u, ...rest } = requestAttributes(alice, method, parsed.pathname, parsed.searchParams);
    return rest;
  };

  it("discovery documents and other short paths are non-resource requests with the method as verb", () => {
    for (const path of [
      "/api",
      "/api/v1",
      "/apis",
      "/apis/apps",
      "/apis/apps/v1",
      "/version",
      "/openapi/v3/api/v1",
    ])
      assert.deepEqual(
        [of("GET", path).resourceRequest, of("GET", path).verb, of("GET", path).path],
        [false, "get", path],
      );
    assert.equal(of("HEAD", "/healthz").verb, "head");
  });

  it("a GET is get, list or watch; a DELETE without a name deletecollection", () => {
    assert.equal(of("GET", "/api/v1/namespaces/team/pods/web").verb, "get");
    assert.equal(of("GET", "/api/v1/namespaces/team/pods").verb, "list");
    assert.equal(of("GET", "/api/v1/namespaces/team/pods?watch=true").verb, "watch");
    assert.equal(of("GET", "/api/v1/namespaces/team/pods?watch=1").verb, "watch");
    assert.equal(of("DELETE", "/api/v1/namespaces/team/pods").verb, "deletecollection");
    assert.equal(of("POST", "/api/v1/namespaces/team/pods").verb, "create");
    assert.equal(of("PATCH", "/apis/apps/v1/namespaces/team/deployments/web/scale").verb, "patch");
  });

  it("reads group, namespace, resource, name and subresource from the path", () => {
    assert.deepEqual(of("PATCH", "/apis/apps/v1/namespaces/team/deployments/web/scale"), {
      verb: "patch",
      resourceRequest: true,
      apiGroup: "apps",
      resource: "deployments",
      subresource: "scale",
      namespace: "team",
      name: "web",
      path: "/apis/apps/v1/namespaces/team/deployments/web/scale",
    });
    const ns = of("GET", "/api/v1/namespaces/team");
    assert.deepEqual([ns.resource, ns.namespace, ns.name], ["namespaces", "team", "team"]);
    const status = of("PUT", "/api/v1/namespaces/team/status");
    assert.deepEqual(
      [status.resource, status.namespace, status.name, status.subresource],
      ["namespaces", "team", "team", "status"],
    );
    const all = of("GET", "/api/v1/pods");
    assert.deepEqual([all.resource, all.namespace], ["pods", ""]);
  });

  it("a list or watch selecting one name by field selector is about that name", () => {
    assert.equal(of("GET", "/api/v1/namespaces/team/pods?fieldSelector=metadata.name%3Dweb").name, "web");
    assert.equal(
      of("GET", "/api/v1/namespaces?fieldSelector=metadata.name%3D%3Dteam&watch=true").name,
      "team",
    );
    assert.equal(of("GET", "/api/v1/namespaces?fieldSelector=metadata.name%3Dteam").namespace, "");
    assert.equal(of("GET", "/api/v1/namespaces/team/pods?fieldSelector=status.phase%3DRunning").name, "");
  });
});

describe("escalation checks: which rules another set covers", () => {
  const admin: PolicyRule[] = [
    { apiGroups: [""], resources: ["pods", "pods/log", "configmaps"], verbs: ["get", "list", "create"] },
    { apiGroups: ["apps"], resources: ["*"], verbs: ["*"] },
    { nonResourceURLs: ["/api/*"], verbs: ["get"] },
  ];

  it("finds nothing missing for a subset, the missing pieces otherwise", () => {
    assert.deepEqual(
      uncoveredRules(admin, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }]),
      [],
    );
    assert.deepEqual(
      uncoveredRules(admin, [{ apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["patch"] }]),
      [],
    );
    assert.deepEqual(uncoveredRules(admin, [{ nonResourceURLs: ["/api/v1"], verbs: ["get"] }]), []);
    assert.deepEqual(
      uncoveredRules(admin, [{ apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "delete"] }]),
      [
        { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["delete"] },
      ],
    );
  });

  it("a rule limited to names covers only those names; an unlimited one covers all", () => {
    const named: PolicyRule[] = [
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["pace"], verbs: ["get"] },
    ];
    assert.deepEqual(
      uncoveredRules(named, [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: ["pace"], verbs: ["get"] },
      ]),
      [],
    );
    assert.equal(
      uncoveredRules(named, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }]).length,
      1,
    );
  });

  it("names the missing rules compactly, verbs merged per resource", () => {
    const missing = uncoveredRules(admin, [
      { apiGroups: [""], resources: ["secrets", "pods"], verbs: ["get", "watch"] },
      { nonResourceURLs: ["/metrics"], verbs: ["get"] },
    ]);
    assert.deepEqual(compactRules(missing).map(compactString), [
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "watch"]}',
      '{APIGroups:[""], Resources:["pods"], Verbs:["watch"]}',
    ]);
  });
});
