import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { dump, load } from "js-yaml";
import { api } from "../../testing/api.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox } from "../../testing/sandbox.ts";

// A facilitator on a shared cluster gives an attendee a namespace, a ServiceAccount and a Role
// there, and a kubeconfig holding a token from `kubectl create token`. With that kubeconfig the
// real kubectl may do what the Role allows in that namespace and hears the API server's own 403
// everywhere else; `auth can-i` and `auth whoami` agree; the token stops working when it expires
// or when its ServiceAccount is deleted.

const NS = "room-1";
const SA = "attendee";
const USER = `system:serviceaccount:${NS}:${SA}`;

interface Config {
  clusters: { name: string; cluster: Record<string, string> }[];
}

/** A kubeconfig with only `token`, as a facilitator hands one out. */
function kubeconfigFor(env: TestSandbox, token: string, file: string): string {
  const base = load(env.sandbox.kubeconfig) as Config;
  const path = join(env.dir, file);
  writeFileSync(
    path,
    dump({
      apiVersion: "v1",
      kind: "Config",
      clusters: base.clusters,
      users: [{ name: SA, user: { token } }],
      contexts: [{ name: SA, context: { cluster: base.clusters[0]?.name, user: SA, namespace: NS } }],
      "current-context": SA,
    }),
    { mode: 0o600 },
  );
  return path;
}

async function ok(kubectl: Kubectl, ...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

async function fails(kubectl: Kubectl, args: string[], stderr: string, code = 1): Promise<void> {
  const result = await kubectl(...args);
  assert.equal(result.stderr, stderr, `kubectl ${args.join(" ")}`);
  assert.equal(result.code, code);
}

const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, any>;

describe("an attendee's ServiceAccount token, limited by a Role to one namespace", () => {
  let env: TestSandbox;
  let admin: Kubectl;
  let attendee: Kubectl;
  let token: string;

  before(async () => {
    env = await openSandbox({ speed: 20 });
    admin = kubectlFor(env.kubeconfig);
  });
  after(async () => env?.close());

  test("the facilitator sets it up with kubectl: namespace, ServiceAccount, Role, RoleBinding, token", async () => {
    assert.equal(await ok(admin, "create", "namespace", NS), `namespace/${NS} created\n`);
    assert.equal(await ok(admin, "-n", NS, "create", "serviceaccount", SA), `serviceaccount/${SA} created\n`);
    assert.equal(
      await ok(
        admin,
        "-n",
        NS,
        "create",
        "role",
        "tour",
        "--verb=get,list,watch,create,update,patch,delete",
        "--resource=pods,services,deployments.apps,virtualservices.networking.istio.io",
      ),
      "role.rbac.authorization.k8s.io/tour created\n",
    );
    assert.equal(
      await ok(
        admin,
        "-n",
        NS,
        "create",
        "rolebinding",
        "tour",
        "--role=tour",
        `--serviceaccount=${NS}:${SA}`,
      ),
      "rolebinding.rbac.authorization.k8s.io/tour created\n",
    );
    const rows = (await ok(admin, "-n", NS, "get", "rolebinding", "-o", "wide")).split("\n");
    assert.match(rows[0] ?? "", /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/);
    assert.match(rows[1] ?? "", new RegExp(`^tour\\s+Role/tour\\s+\\d+s\\s+${NS}/${SA}$`));

    token = await ok(admin, "-n", NS, "create", "token", SA, "--duration", "1h");
    assert.match(
      token,
      /^[\w-]+\.[\w-]+\.[\w-]+$/,
      "a JWT, printed without a newline when not on a terminal",
    );
    const claims = payloadOf(token);
    assert.equal(claims.sub, USER);
    assert.deepEqual(claims.aud, ["https://kubernetes.default.svc.cluster.local"]);
    assert.equal(claims.exp - claims.iat, 3600);
    const account = env.sandbox.store.get("serviceaccounts", NS, SA);
    assert.deepEqual(claims["kubernetes.io"].serviceaccount, { name: SA, uid: account?.metadata.uid });
    attendee = kubectlFor(kubeconfigFor(env, token, "attendee.kubeconfig"));
  });

  test("the attendee may do what the Role allows in its namespace", async () => {
    assert.equal(
      await ok(attendee, "create", "deployment", "web", "--image=nginx"),
      "deployment.apps/web created\n",
    );
    assert.match(await ok(attendee, "get", "deployments"), /^web\s+\d\/1/m);
    assert.match(await ok(attendee, "get", "pods", "-o", "name"), /^(pod\/web-\S+\n)?$/);
    assert.equal(await ok(attendee, "get", "virtualservices"), "");
  });

  test("everything else is Forbidden, in the API server's words", async () => {
    const forbidden = (args: string[], message: string) =>
      fails(attendee, args, `Error from server (Forbidden): ${message}\n`);
    await forbidden(
      ["get", "pods", "-n", "default"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "default"`,
    );
    await forbidden(
      ["get", "configmaps"],
      `configmaps is forbidden: User "${USER}" cannot list resource "configmaps" in API group "" in the namespace "${NS}"`,
    );
    await forbidden(
      ["get", "namespaces"],
      `namespaces is forbidden: User "${USER}" cannot list resource "namespaces" in API group "" at the cluster scope`,
    );
    await forbidden(
      ["delete", "deployment", "istiod", "-n", "istio-system"],
      `deployments.apps "istiod" is forbidden: User "${USER}" cannot delete resource "deployments" in API group "apps" in the namespace "istio-system"`,
    );
    await forbidden(
      ["scale", "deployment", "web", "--replicas=2"],
      `deployments.apps "web" is forbidden: User "${USER}" cannot patch resource "deployments/scale" in API group "apps" in the namespace "${NS}"`,
    );
    await forbidden(["get", "--raw", "/metrics"], `forbidden: User "${USER}" cannot get path "/metrics"`);
  });

  test("auth can-i agrees: yes with exit code 0, no with exit code 1", async () => {
    const canI = async (args: string[], answer: "yes" | "no") => {
      const result = await attendee("auth", "can-i", ...args);
      assert.equal(result.stdout, `${answer}\n`, `can-i ${args.join(" ")}`);
      assert.equal(result.code, answer === "yes" ? 0 : 1);
    };
    await canI(["create", "deployments"], "yes");
    await canI(["create", "deployments", "-n", "default"], "no");
    await canI(["delete", "pods"], "yes");
    await canI(["get", "configmaps"], "no");
    await canI(["create", "virtualservices.networking.istio.io"], "yes");
    await canI(["patch", "deployments", "--subresource=scale"], "no");
    await canI(["list", "pods", "--all-namespaces"], "no");
    await canI(["get", "/api"], "yes");
    await canI(["get", "/metrics"], "no");
    await canI(["create", "selfsubjectaccessreviews.authorization.k8s.io"], "yes");
  });

  test("auth can-i --list shows the Role's rules with what every authenticated user has", async () => {
    const rows = (await ok(attendee, "auth", "can-i", "--list")).trimEnd().split("\n");
    assert.match(rows[0] ?? "", /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    const verbs = "\\[get list watch create update patch delete\\]";
    for (const row of [
      `pods\\s+\\[\\]\\s+\\[\\]\\s+${verbs}`,
      `services\\s+\\[\\]\\s+\\[\\]\\s+${verbs}`,
      `deployments\\.apps\\s+\\[\\]\\s+\\[\\]\\s+${verbs}`,
      `virtualservices\\.networking\\.istio\\.io\\s+\\[\\]\\s+\\[\\]\\s+${verbs}`,
      "selfsubjectaccessreviews\\.authorization\\.k8s\\.io\\s+\\[\\]\\s+\\[\\]\\s+\\[create\\]",
      "selfsubjectreviews\\.authentication\\.k8s\\.io\\s+\\[\\]\\s+\\[\\]\\s+\\[create\\]",
      "\\s+\\[/api/\\*\\]\\s+\\[\\]\\s+\\[get\\]",
      "\\s+\\[/version\\]\\s+\\[\\]\\s+\\[get\\]",
      "\\s+\\[/\\.well-known/openid-configuration\\]\\s+\\[\\]\\s+\\[get\\]",
    ])
      assert.ok(
        rows.some((r) => new RegExp(`^${row}$`).test(r)),
        `no row like ${row} in:\n${rows.join("\n")}`,
      );
    assert.ok(!rows.some((r) => r.startsWith("configmaps") || r.startsWith("*.*")));
    const elsewhere = await ok(attendee, "auth", "can-i", "--list", "-n", "default");
    assert.ok(!/^pods\s/m.test(elsewhere), "the Role grants nothing in namespace default");
  });

  test("auth whoami names the ServiceAccount, its groups and the token's credential id", async () => {
    const uid = env.sandbox.store.get("serviceaccounts", NS, SA)?.metadata.uid;
    const rows = (await ok(attendee, "auth", "whoami")).trimEnd().split("\n");
    assert.deepEqual(
      rows.map((r) => r.split(/\s{2,}/)),
      [
        ["ATTRIBUTE", "VALUE"],
        ["Username", USER],
        ["UID", uid],
        ["Groups", `[system:serviceaccounts system:serviceaccounts:${NS} system:authenticated]`],
        ["Extra: authentication.kubernetes.io/credential-id", `[JTI=${payloadOf(token).jti}]`],
      ],
    );
    const asAdmin = (await ok(admin, "auth", "whoami")).split("\n");
    assert.match(asAdmin[1] ?? "", /^Username\s+bookinfo-admin$/);
    assert.match(asAdmin[2] ?? "", /^Groups\s+\[system:masters system:authenticated\]$/);
  });

  test("the cluster admin may impersonate the attendee; the attendee may impersonate nobody", async () => {
    const as = `--as=${USER}`;
    assert.equal((await admin("auth", "can-i", "create", "deployments", "-n", NS, as)).stdout, "yes\n");
    const no = await admin("auth", "can-i", "create", "deployments", "-n", "default", as);
    assert.deepEqual([no.stdout, no.code], ["no\n", 1]);
    assert.match(await ok(admin, "auth", "whoami", as), new RegExp(`^Username\\s+${USER}$`, "m"));
    await fails(
      attendee,
      ["get", "pods", "--as=bookinfo-admin"],
      `Error from server (Forbidden): users "bookinfo-admin" is forbidden: User "${USER}" cannot impersonate resource "users" in API group "" at the cluster scope\n`,
    );
  });

  test("a token lives no shorter than ten minutes", async () => {
    await fails(
      admin,
      ["-n", NS, "create", "token", SA, "--duration", "5m"],
      `error: failed to create token: TokenRequest.authentication.k8s.io "${SA}" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes\n`,
    );
    await fails(
      admin,
      ["-n", NS, "create", "token", "nobody"],
      'error: failed to create token: serviceaccounts "nobody" not found\n',
    );
  });

  test("a token bound to a pod names it, and ends when the pod is gone", async () => {
    await ok(
      admin,
      "-n",
      NS,
      "run",
      "shell",
      "--image=busybox",
      `--overrides={"spec":{"serviceAccountName":"${SA}"}}`,
    );
    const pod = env.sandbox.store.get("pods", NS, "shell");
    const bound = await ok(
      admin,
      "-n",
      NS,
      "create",
      "token",
      SA,
      "--bound-object-kind",
      "Pod",
      "--bound-object-name",
      "shell",
    );
    const inPod = kubectlFor(kubeconfigFor(env, bound, "pod-bound.kubeconfig"));
    const whoami = await ok(inPod, "auth", "whoami");
    assert.match(whoami, /^Extra: authentication\.kubernetes\.io\/pod-name\s+\[shell\]$/m);
    assert.match(
      whoami,
      new RegExp(`^Extra: authentication\\.kubernetes\\.io/pod-uid\\s+\\[${pod?.metadata.uid}\\]$`, "m"),
    );
    await fails(
      admin,
      ["-n", NS, "create", "token", "default", "--bound-object-kind", "Pod", "--bound-object-name", "shell"],
      `error: failed to create token: cannot bind token for serviceaccount "default" to pod running with serviceaccount "${SA}"\n`,
    );
    assert.match(await ok(inPod, "get", "pods"), /^shell\s/m);
    await ok(admin, "-n", NS, "delete", "pod", "shell", "--grace-period=0", "--force");
    await fails(inPod, ["get", "pods"], "error: You must be logged in to the server (Unauthorized)\n");
  });

  test("deleting the ServiceAccount ends its tokens, even once one of the same name is back", async () => {
    await ok(admin, "-n", NS, "delete", "serviceaccount", SA);
    const unauthorized = "error: You must be logged in to the server (Unauthorized)\n";
    await fails(attendee, ["get", "pods"], unauthorized);
    await ok(admin, "-n", NS, "create", "serviceaccount", SA);
    await fails(attendee, ["get", "pods"], unauthorized);
    const fresh = (await ok(admin, "-n", NS, "create", "token", SA)).trim();
    assert.equal(
      (await api(env.sandbox, "GET", `/api/v1/namespaces/${NS}/pods`, { token: fresh })).status,
      200,
    );
  });
});

describe("an expired token", () => {
  let env: TestSandbox;
  let offsetMs = 0;

  before(async () => {
    env = await openSandbox({ speed: 20, clock: () => new Date(Date.now() + offsetMs) });
  });
  after(async () => env?.close());

  test("is refused with 401, which kubectl reports as not logged in", async () => {
    const admin = kubectlFor(env.kubeconfig);
    await ok(admin, "create", "namespace", NS);
    await ok(admin, "-n", NS, "create", "serviceaccount", SA);
    await ok(
      admin,
      "-n",
      NS,
      "create",
      "rolebinding",
      "view",
      "--clusterrole=view",
      `--serviceaccount=${NS}:${SA}`,
    );
    const token = await ok(admin, "-n", NS, "create", "token", SA, "--duration", "10m");
    const attendee = kubectlFor(kubeconfigFor(env, token, "expiring.kubeconfig"));
    assert.equal(
      await ok(attendee, "get", "serviceaccounts", "-o", "name"),
      `serviceaccount/${SA}\nserviceaccount/default\n`,
    );

    offsetMs = 2 * 60 * 60 * 1000;
    await fails(
      attendee,
      ["get", "serviceaccounts"],
      "error: You must be logged in to the server (Unauthorized)\n",
    );
    const status = await api(env.sandbox, "GET", `/api/v1/namespaces/${NS}/pods`, { token });
    assert.deepEqual([status.status, status.json().reason], [401, "Unauthorized"]);
    // The admin's static token does not expire.
    await ok(admin, "get", "namespaces", NS);
  });
});
