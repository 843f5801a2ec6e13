import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { dump, load } from "js-yaml";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox } from "../../testing/sandbox.ts";

// Roles, bindings and the reviews as kubectl works with them: the tables `kubectl get` prints,
// aggregation into the built-in roles, the API server's refusal to let anyone grant what they do
// not hold, its validation, access reviews for admins, and fifty attendees set up in one apply.

let env: TestSandbox;
let admin: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 20 });
  admin = kubectlFor(env.kubeconfig);
});
after(async () => env?.close());

async function ok(kubectl: Kubectl, ...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

async function fails(kubectl: Kubectl, args: string[], stderr: string | RegExp): Promise<void> {
  const result = await kubectl(...args);
  assert.notEqual(result.code, 0, `kubectl ${args.join(" ")} should fail`);
  if (typeof stderr === "string") assert.equal(result.stderr, stderr);
  else assert.match(result.stderr, stderr);
}

function applyYaml(kubectl: Kubectl, documents: object[], name: string, ...args: string[]) {
  const file = join(env.dir, name);
  writeFileSync(file, documents.map((d) => dump(d)).join("---\n"));
  return kubectl("apply", "-f", file, ...args);
}

/** Retries `check` until it passes: controllers act a moment after the write that wakes them. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A kubeconfig whose user is a fresh token of `namespace/account`. */
async function kubectlAs(namespace: string, account: string): Promise<Kubectl> {
  const token = await ok(admin, "-n", namespace, "create", "token", account);
  const base = load(env.sandbox.kubeconfig) as { clusters: { name: string }[] };
  const file = join(env.dir, `${namespace}-${account}.kubeconfig`);
  writeFileSync(
    file,
    dump({
      apiVersion: "v1",
      kind: "Config",
      clusters: base.clusters,
      users: [{ name: account, user: { token } }],
      contexts: [{ name: account, context: { cluster: base.clusters[0]?.name, user: account, namespace } }],
      "current-context": account,
    }),
  );
  return kubectlFor(file);
}

const rbacDoc = (kind: string, name: string, extra: object, namespace?: string) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...extra,
});

describe("what kubectl get prints", () => {
  test("cluster roles: NAME and CREATED AT, the API server's default table", async () => {
    const [header, row, ...rest] = (await ok(admin, "get", "clusterroles", "view", "cluster-admin")).split(
      "\n",
    );
    assert.match(header ?? "", /^NAME\s+CREATED AT$/);
    assert.match(row ?? "", /^view\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(rest[0] ?? "", /^cluster-admin\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test("the default cluster role bindings: NAME, ROLE and AGE; -o wide adds who they bind", async () => {
    const names = await ok(admin, "get", "clusterrolebindings", "-o", "name");
    for (const name of [
      "cluster-admin",
      "system:basic-user",
      "system:discovery",
      "system:public-info-viewer",
      "bookinfo-viewer",
    ])
      assert.match(names, new RegExp(`^clusterrolebinding\\.rbac\\.authorization\\.k8s\\.io/${name}$`, "m"));
    const [header, row] = (await ok(admin, "get", "clusterrolebinding", "cluster-admin")).split("\n");
    assert.match(header ?? "", /^NAME\s+ROLE\s+AGE$/);
    assert.match(row ?? "", /^cluster-admin\s+ClusterRole\/cluster-admin\s+\d+s$/);
    const wide = await ok(admin, "get", "clusterrolebinding", "system:public-info-viewer", "-o", "wide");
    assert.match(
      wide,
      /^system:public-info-viewer\s+ClusterRole\/system:public-info-viewer\s+\d+s\s+system:authenticated, system:unauthenticated\s*$/m,
    );
  });

  test("the built-in admin role is aggregated from edit, view and system:aggregate-to-admin", async () => {
    const admin_ = JSON.parse(await ok(admin, "get", "clusterrole", "admin", "-o", "json"));
    assert.deepEqual(admin_.aggregationRule, {
      clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-admin": "true" } }],
    });
    const resources = (admin_.rules as { resources?: string[] }[]).flatMap((r) => r.resources ?? []);
    for (const resource of ["rolebindings", "deployments", "pods/log", "serviceaccounts/token", "*"])
      assert.ok(resources.includes(resource), resource);
  });
});

describe("aggregation", () => {
  test("a ClusterRole labelled aggregate-to-view extends view, so the viewer may read nodes; then not", async () => {
    const viewer = kubectlFor(env.kubeconfig, "bookinfo-sandbox-viewer");
    await fails(
      viewer,
      ["get", "nodes"],
      'Error from server (Forbidden): nodes is forbidden: User "bookinfo-viewer" cannot list resource "nodes" in API group "" at the cluster scope\n',
    );
    const role = rbacDoc("ClusterRole", "node-viewer", {
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }],
    });
    (role.metadata as { labels?: object }).labels = { "rbac.authorization.k8s.io/aggregate-to-view": "true" };
    const applied = await applyYaml(admin, [role], "node-viewer.yaml");
    assert.equal(
      applied.stdout,
      "clusterrole.rbac.authorization.k8s.io/node-viewer created\n",
      applied.stderr,
    );
    await eventually(async () => {
      assert.match(await ok(viewer, "get", "nodes"), /^bookinfo-sandbox-control-plane\s+Ready/m);
    });
    assert.match(
      await ok(admin, "get", "clusterrole", "edit", "-o", "jsonpath={.rules[*].resources}"),
      /\["nodes"\]/,
      "view aggregates into edit",
    );
    await ok(admin, "delete", "clusterrole", "node-viewer");
    await eventually(() => fails(viewer, ["get", "nodes"], /nodes is forbidden/));
  });
});

describe("an attendee with admin in their namespace", () => {
  let attendee: Kubectl;
  const USER = "system:serviceaccount:room-2:lead";

  before(async () => {
    await ok(admin, "create", "namespace", "room-2");
    await ok(admin, "-n", "room-2", "create", "serviceaccount", "lead");
    await ok(admin, "-n", "room-2", "create", "serviceaccount", "helper");
    await ok(
      admin,
      "-n",
      "room-2",
      "create",
      "rolebinding",
      "lead",
      "--clusterrole=admin",
      "--serviceaccount=room-2:lead",
    );
    attendee = await kubectlAs("room-2", "lead");
  });

  test("may bind roles it holds for others in its namespace", async () => {
    assert.equal(
      await ok(
        attendee,
        "create",
        "rolebinding",
        "helper-view",
        "--clusterrole=view",
        "--serviceaccount=room-2:helper",
      ),
      "rolebinding.rbac.authorization.k8s.io/helper-view created\n",
    );
    assert.equal(
      await ok(attendee, "create", "role", "cm-reader", "--verb=get,list", "--resource=configmaps"),
      "role.rbac.authorization.k8s.io/cm-reader created\n",
    );
  });

  test("may not grant what it does not hold, and hears which permissions it lacks", async () => {
    const groups = '["system:serviceaccounts" "system:serviceaccounts:room-2" "system:authenticated"]';
    await fails(
      attendee,
      ["create", "rolebinding", "self", "--clusterrole=cluster-admin", "--serviceaccount=room-2:lead"],
      `error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "self" is forbidden: user "${USER}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}\n`,
    );
    await fails(
      attendee,
      ["create", "role", "ns-editor", "--verb=patch,delete", "--resource=namespaces"],
      `Error from server (Forbidden): roles.rbac.authorization.k8s.io "ns-editor" is forbidden: user "${USER}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["namespaces"], Verbs:["patch" "delete"]}\n`,
    );
    await fails(
      attendee,
      ["create", "clusterrolebinding", "mine", "--clusterrole=view", "--serviceaccount=room-2:lead"],
      `error: failed to create clusterrolebinding: clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "${USER}" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope\n`,
    );
  });

  test("may check another's access in its namespace with a LocalSubjectAccessReview, not cluster-wide", async () => {
    const review = (kind: string, namespace?: string) => ({
      apiVersion: "authorization.k8s.io/v1",
      kind,
      ...(namespace ? { metadata: { namespace } } : {}),
      spec: {
        user: "system:serviceaccount:room-2:helper",
        resourceAttributes: { verb: "list", resource: "pods", ...(namespace ? { namespace } : {}) },
      },
    });
    const local = join(env.dir, "lsar.yaml");
    writeFileSync(local, dump(review("LocalSubjectAccessReview", "room-2")));
    assert.equal(await ok(attendee, "create", "-f", local, "-o", "jsonpath={.status.allowed}"), "true");
    const sar = join(env.dir, "sar.yaml");
    writeFileSync(sar, dump(review("SubjectAccessReview")));
    await fails(
      attendee,
      ["create", "-f", sar],
      `Error from server (Forbidden): error when creating "${sar}": subjectaccessreviews.authorization.k8s.io is forbidden: User "${USER}" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope\n`,
    );
    const answer = JSON.parse(await ok(admin, "create", "-f", sar, "-o", "json"));
    assert.equal(answer.kind, "SubjectAccessReview");
    assert.deepEqual(
      answer.status,
      { allowed: false },
      "helper may list pods in room-2 only, not cluster-wide",
    );
  });
});

describe("bindings the API server accepts", () => {
  before(async () => {
    await ok(admin, "create", "namespace", "room-3");
    await ok(admin, "-n", "room-3", "create", "serviceaccount", "solo");
  });

  test("a binding to a missing role grants nothing, and the denial says why", async () => {
    await ok(
      admin,
      "-n",
      "room-3",
      "create",
      "rolebinding",
      "gone",
      "--clusterrole=no-such-role",
      "--serviceaccount=room-3:solo",
    );
    const solo = await kubectlAs("room-3", "solo");
    await fails(
      solo,
      ["get", "configmaps"],
      'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:room-3:solo" cannot list resource "configmaps" in API group "" in the namespace "room-3": RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found\n',
    );
    const canI = await solo("auth", "can-i", "get", "configmaps");
    assert.deepEqual(
      [canI.stdout, canI.code],
      ['no - RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found\n', 1],
    );
  });

  test("refuses invalid roles and bindings with 422 in the API server's words; roleRef is immutable", async () => {
    const bad = await applyYaml(
      admin,
      [
        rbacDoc(
          "RoleBinding",
          "bad-ref",
          {
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Widget", name: "x" },
            subjects: [{ kind: "Robot", name: "r2" }],
          },
          "room-3",
        ),
      ],
      "bad-binding.yaml",
    );
    assert.equal(
      bad.stderr,
      'The RoleBinding "bad-ref" is invalid: \n* roleRef.kind: Unsupported value: "Widget": supported values: "Role", "ClusterRole"\n* subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"\n',
    );
    const noVerbs = await applyYaml(
      admin,
      [rbacDoc("Role", "no-verbs", { rules: [{ apiGroups: [""], resources: ["pods"] }] }, "room-3")],
      "no-verbs.yaml",
    );
    assert.match(
      noVerbs.stderr,
      /The Role "no-verbs" is invalid: rules\[0\]\.verbs: Required value: verbs must contain at least one value/,
    );
    const urls = await applyYaml(
      admin,
      [rbacDoc("Role", "urls", { rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }] }, "room-3")],
      "urls.yaml",
    );
    assert.match(
      urls.stderr,
      /rules\[0\]\.nonResourceURLs: Invalid value: \[\]string\{"\/metrics"\}: namespaced rules cannot apply to non-resource URLs/,
    );

    const changed = await admin(
      "-n",
      "room-3",
      "patch",
      "rolebinding",
      "gone",
      "--type=merge",
      "-p",
      '{"roleRef":{"name":"view"}}',
    );
    assert.match(
      changed.stderr,
      /The RoleBinding "gone" is invalid: roleRef: Invalid value: rbac\.RoleRef\{APIGroup:"rbac\.authorization\.k8s\.io", Kind:"ClusterRole", Name:"view"\}: cannot change roleRef/,
    );
  });

  test("deleting the namespace deletes its bindings", async () => {
    await ok(admin, "delete", "namespace", "room-3");
    assert.equal(
      env.sandbox.store.get("rolebindings.rbac.authorization.k8s.io", "room-3", "gone"),
      undefined,
    );
  });
});

describe("fifty attendees", () => {
  test("set up in one apply, each limited to its own namespace", async () => {
    const rooms = Array.from({ length: 50 }, (_, i) => `attendee-${String(i + 1).padStart(2, "0")}`);
    const documents = rooms.flatMap((room) => [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: room } },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "attendee", namespace: room } },
      rbacDoc(
        "RoleBinding",
        "attendee-admin",
        {
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
          subjects: [{ kind: "ServiceAccount", name: "attendee", namespace: room }],
        },
        room,
      ),
    ]);
    const applied = await applyYaml(admin, documents, "room.yaml", "--server-side");
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout.trim().split("\n").length, 150);
    for (const [mine, neighbour] of [
      ["attendee-01", "attendee-02"],
      ["attendee-27", "attendee-26"],
      ["attendee-50", "attendee-01"],
    ] as const) {
      const attendee = await kubectlAs(mine, "attendee");
      assert.equal((await attendee("auth", "can-i", "create", "deployments")).stdout, "yes\n");
      const elsewhere = await attendee("auth", "can-i", "create", "deployments", "-n", neighbour);
      assert.deepEqual([elsewhere.stdout, elsewhere.code], ["no\n", 1]);
      assert.equal(
        await ok(attendee, "create", "configmap", "progress", "--from-literal=stage=deploy"),
        "configmap/progress created\n",
      );
      await fails(
        attendee,
        ["-n", neighbour, "get", "configmaps"],
        `Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:${mine}:attendee" cannot list resource "configmaps" in API group "" in the namespace "${neighbour}"\n`,
      );
    }
  });
});
