import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { load } from "js-yaml";
import WebSocket from "ws";
import type { KubeObject } from "../../src/kube.ts";
import { sandboxKubeconfig } from "../../src/kubeconfig.ts";
import { SANDBOX_NODE, WORKSHOP_NAMESPACE } from "../../src/sandbox.ts";
import { api, caOf } from "../../testing/api.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";

// The sandbox's third user, set up as a cluster admin sets up each attendee of a workshop on a
// shared cluster: a RoleBinding to the built-in `admin` ClusterRole in namespace `workshop`.
// The real kubectl, through the kubeconfig's `bookinfo-sandbox-workshop` context, may do
// everything there and nothing elsewhere, and hears the API server's own 403 wording.

const WORKSHOP_CONTEXT = "bookinfo-sandbox-workshop";
const USER = "bookinfo-workshop";

let env: TestSandbox;
let admin: Kubectl;
let workshop: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 20 });
  admin = kubectlFor(env.kubeconfig);
  workshop = kubectlFor(env.kubeconfig, WORKSHOP_CONTEXT);
});
after(async () => env?.close());

async function ok(kubectl: Kubectl, ...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * kubectl fails and prints exactly this one line from the API server, after its usual prefix
 * (`kubectl create configmap` has a prefix of its own).
 */
async function forbidden(
  kubectl: Kubectl,
  args: string[],
  message: string,
  prefix = "Error from server (Forbidden): ",
): Promise<void> {
  const result = await kubectl(...args);
  assert.equal(result.code, 1, `kubectl ${args.join(" ")} should fail; printed ${result.stdout}`);
  assert.equal(result.stderr, `${prefix}${message}\n`);
  assert.equal(result.stdout, "");
}

const podsOfWeb = () =>
  [...env.sandbox.store.peek("pods", WORKSHOP_NAMESPACE)].filter(
    (p) => (p as KubeObject).metadata.labels?.app === "web",
  ) as KubeObject[];

async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("the workshop user is admin of namespace workshop and of nothing else", () => {
  test("the kubeconfig gains a third context, in namespace workshop; the others stay as they were", () => {
    assert.equal(WORKSHOP_NAMESPACE, "workshop");
    const config = load(env.sandbox.kubeconfig) as Record<string, unknown>;
    assert.equal(config["current-context"], "bookinfo-sandbox");
    assert.deepEqual(config.contexts, [
      { name: "bookinfo-sandbox", context: { cluster: "bookinfo-sandbox", user: "bookinfo-admin" } },
      { name: "bookinfo-sandbox-viewer", context: { cluster: "bookinfo-sandbox", user: "bookinfo-viewer" } },
      {
        name: WORKSHOP_CONTEXT,
        context: { cluster: "bookinfo-sandbox", user: USER, namespace: "workshop" },
      },
    ]);
    assert.deepEqual(config.users, [
      { name: "bookinfo-admin", user: { token: env.sandbox.adminToken } },
      { name: "bookinfo-viewer", user: { token: env.sandbox.viewerToken } },
      { name: USER, user: { token: env.sandbox.workshopToken } },
    ]);
    assert.match(env.sandbox.workshopToken, /^[0-9a-f]{48}$/);
    assert.notEqual(env.sandbox.workshopToken, env.sandbox.adminToken);
    assert.notEqual(env.sandbox.workshopToken, env.sandbox.viewerToken);

    // A namespace asked for the sandbox's contexts is not the workshop user's.
    const other = load(
      sandboxKubeconfig({
        server: "https://127.0.0.1:1",
        caPem: "ca",
        adminToken: "a",
        viewerToken: "v",
        workshopToken: "w",
        workshopNamespace: "workshop",
        namespace: "bookinfo",
      }),
    ) as { contexts: { name: string; context: { namespace?: string } }[] };
    assert.deepEqual(
      other.contexts.map((c) => [c.name, c.context.namespace]),
      [
        ["bookinfo-sandbox", "bookinfo"],
        ["bookinfo-sandbox-viewer", "bookinfo"],
        [WORKSHOP_CONTEXT, "workshop"],
      ],
    );
  });

  test("the sandbox has no namespace workshop; until the admin creates it, the user may do nothing there", async () => {
    const missing = await admin("get", "namespace", "workshop");
    assert.equal(missing.stderr, 'Error from server (NotFound): namespaces "workshop" not found\n');
    await forbidden(
      workshop,
      ["get", "pods"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "workshop"`,
    );
    await forbidden(
      workshop,
      ["create", "configmap", "early", "--from-literal=a=b"],
      `configmaps is forbidden: User "${USER}" cannot create resource "configmaps" in API group "" in the namespace "workshop"`,
      "error: failed to create configmap: ",
    );
  });

  test("after the admin creates namespace workshop, the user creates a ConfigMap and a Deployment there", async () => {
    assert.equal(await ok(admin, "create", "namespace", "workshop"), "namespace/workshop created\n");
    assert.equal(
      await ok(workshop, "create", "configmap", "settings", "--from-literal=greeting=hello"),
      "configmap/settings created\n",
    );
    assert.equal(
      await ok(admin, "-n", "workshop", "get", "configmap", "settings", "-o", "jsonpath={.data.greeting}"),
      "hello",
    );
    assert.equal(
      await ok(workshop, "create", "deployment", "web", "--image=nginx"),
      "deployment.apps/web created\n",
    );
    assert.equal(
      await ok(workshop, "get", "deployment", "web", "-o", "jsonpath={.metadata.namespace}"),
      "workshop",
    );
    await until(env.sandbox, () => podsOfWeb().length === 1);
  });

  test("the user lists and watches pods there, scales, reads logs and edits status", async () => {
    const watch = workshop.stream("get", "pods", "-w");
    try {
      await eventually(() => /^web-\S+\s+1\/1\s+Running/m.test(watch.output()), "the web pod Running");
      assert.equal(
        await ok(workshop, "scale", "deployment", "web", "--replicas=2"),
        "deployment.apps/web scaled\n",
      );
      await until(env.sandbox, () => podsOfWeb().length === 2);
      const names = podsOfWeb().map((p) => p.metadata.name ?? "");
      await eventually(
        () => names.every((name) => new RegExp(`^${name}\\s+1/1\\s+Running`, "m").test(watch.output())),
        "both web pods Running in the watch",
      );
    } finally {
      const stopped = await watch.stop();
      assert.equal(stopped.stderr, "");
    }

    await eventually(
      () => podsOfWeb().every((p) => (p.status as { phase?: string })?.phase === "Running"),
      "pods Running",
    );
    const listed = await ok(workshop, "get", "pods", "--no-headers");
    assert.deepEqual(
      listed
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/).slice(0, 3)),
      podsOfWeb()
        .map((p) => [p.metadata.name, "1/1", "Running"])
        .sort(),
    );
    const pod = podsOfWeb()[0]?.metadata.name ?? "";
    assert.match(await ok(workshop, "logs", pod), /\[notice\] 1#1: start worker processes/);
    // `admin` writes objects, not their status: that is the controllers' business.
    await forbidden(
      workshop,
      [
        "patch",
        "deployment",
        "web",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"observedGeneration":1}}',
      ],
      `deployments.apps "web" is forbidden: User "${USER}" cannot patch resource "deployments/status" in API group "apps" in the namespace "workshop"`,
    );
    assert.equal(await ok(workshop, "delete", "configmap", "settings"), 'configmap "settings" deleted\n');
  });

  test("its own Namespace object is readable, as admin's view rules make it, but not writable", async () => {
    assert.match(await ok(workshop, "get", "namespace", "workshop"), /^workshop\s+Active\s/m);
    await forbidden(
      workshop,
      ["label", "namespace", "workshop", "x=y"],
      `namespaces "workshop" is forbidden: User "${USER}" cannot patch resource "namespaces" in API group "" in the namespace "workshop"`,
    );
    await forbidden(
      workshop,
      ["delete", "namespace", "workshop"],
      `namespaces "workshop" is forbidden: User "${USER}" cannot delete resource "namespaces" in API group "" in the namespace "workshop"`,
    );
    assert.equal(env.sandbox.store.get("namespaces", undefined, "workshop")?.metadata.labels?.x, undefined);
  });

  test("everything outside namespace workshop is Forbidden, as the API server words it", async () => {
    await forbidden(
      workshop,
      ["get", "namespaces"],
      `namespaces is forbidden: User "${USER}" cannot list resource "namespaces" in API group "" at the cluster scope`,
    );
    await forbidden(
      workshop,
      ["get", "pods", "-n", "istio-system"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "istio-system"`,
    );
    await forbidden(
      workshop,
      ["get", "pods", "-A"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope`,
    );
    await forbidden(
      workshop,
      ["get", "deployments", "-n", "istio-system"],
      `deployments.apps is forbidden: User "${USER}" cannot list resource "deployments" in API group "apps" in the namespace "istio-system"`,
    );
    await forbidden(
      workshop,
      ["get", "namespace", "istio-system"],
      `namespaces "istio-system" is forbidden: User "${USER}" cannot get resource "namespaces" in API group "" in the namespace "istio-system"`,
    );
    await forbidden(
      workshop,
      ["create", "namespace", "mine"],
      `namespaces is forbidden: User "${USER}" cannot create resource "namespaces" in API group "" at the cluster scope`,
    );
    await forbidden(
      workshop,
      ["-n", "default", "create", "configmap", "x", "--from-literal=a=b"],
      `configmaps is forbidden: User "${USER}" cannot create resource "configmaps" in API group "" in the namespace "default"`,
      "error: failed to create configmap: ",
    );
    await forbidden(
      workshop,
      ["get", "nodes"],
      `nodes is forbidden: User "${USER}" cannot list resource "nodes" in API group "" at the cluster scope`,
    );
    await forbidden(
      workshop,
      ["get", "pods", "-A", "-w"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope`,
    );
    await forbidden(
      workshop,
      ["get", "--raw", "/metrics"],
      `forbidden: User "${USER}" cannot get path "/metrics"`,
    );
    assert.equal(env.sandbox.store.get("namespaces", undefined, "mine"), undefined);
    assert.equal(env.sandbox.store.get("configmaps", "default", "x"), undefined);
  });

  test("the 403 Status bodies: reason, details and code as the API server sends them", async () => {
    const token = env.sandbox.workshopToken;
    const refused = async (method: string, path: string, body?: unknown) => {
      const res = await api(env.sandbox, method, path, {
        token,
        ...(body ? { body: JSON.stringify(body), contentType: "application/merge-patch+json" } : {}),
      });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.headers["content-type"], "application/json");
      return res.json();
    };
    const status = (message: string, details: Record<string, string>) => ({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason: "Forbidden",
      details,
      code: 403,
    });

    assert.deepEqual(
      await refused("GET", "/api/v1/namespaces"),
      status(
        `namespaces is forbidden: User "${USER}" cannot list resource "namespaces" in API group "" at the cluster scope`,
        { kind: "namespaces" },
      ),
    );
    assert.deepEqual(
      await refused("GET", "/api/v1/pods?watch=true"),
      status(
        `pods is forbidden: User "${USER}" cannot watch resource "pods" in API group "" at the cluster scope`,
        { kind: "pods" },
      ),
    );
    assert.deepEqual(
      await refused("GET", "/api/v1/namespaces/istio-system/pods?watch=1&resourceVersion=0"),
      status(
        `pods is forbidden: User "${USER}" cannot watch resource "pods" in API group "" in the namespace "istio-system"`,
        { kind: "pods" },
      ),
    );
    assert.deepEqual(
      await refused("GET", "/apis/apps/v1/namespaces/istio-system/deployments"),
      status(
        `deployments.apps is forbidden: User "${USER}" cannot list resource "deployments" in API group "apps" in the namespace "istio-system"`,
        { group: "apps", kind: "deployments" },
      ),
    );
    assert.deepEqual(
      await refused("GET", "/api/v1/namespaces/istio-system"),
      status(
        `namespaces "istio-system" is forbidden: User "${USER}" cannot get resource "namespaces" in API group "" in the namespace "istio-system"`,
        { name: "istio-system", kind: "namespaces" },
      ),
    );
    assert.deepEqual(
      await refused("GET", `/api/v1/nodes/${SANDBOX_NODE}`),
      status(
        `nodes "${SANDBOX_NODE}" is forbidden: User "${USER}" cannot get resource "nodes" in API group "" at the cluster scope`,
        { name: SANDBOX_NODE, kind: "nodes" },
      ),
    );
    assert.deepEqual(
      await refused("PATCH", "/apis/apps/v1/namespaces/istio-system/deployments/istiod/scale", {
        spec: { replicas: 0 },
      }),
      status(
        `deployments.apps "istiod" is forbidden: User "${USER}" cannot patch resource "deployments/scale" in API group "apps" in the namespace "istio-system"`,
        { name: "istiod", group: "apps", kind: "deployments" },
      ),
    );
    assert.deepEqual(
      await refused("GET", "/apis/networking.istio.io/v1/virtualservices"),
      status(
        `virtualservices.networking.istio.io is forbidden: User "${USER}" cannot list resource "virtualservices" in API group "networking.istio.io" at the cluster scope`,
        { group: "networking.istio.io", kind: "virtualservices" },
      ),
    );
    // Authorization comes before routing: a kind nothing serves is still 403 outside workshop.
    assert.deepEqual(
      await refused("GET", "/api/v1/namespaces/istio-system/widgets"),
      status(
        `widgets is forbidden: User "${USER}" cannot list resource "widgets" in API group "" in the namespace "istio-system"`,
        { kind: "widgets" },
      ),
    );
    // Inside workshop too: no rule of `admin` names a kind nothing serves.
    const unknownHere = await api(env.sandbox, "GET", "/api/v1/namespaces/workshop/widgets", { token });
    assert.equal(unknownHere.status, 403);
    // The same requests from the cluster's admin still succeed.
    assert.equal((await api(env.sandbox, "GET", "/api/v1/namespaces")).status, 200);
  });

  test("port-forward reaches pods in workshop and no others", async () => {
    const dial = (namespace: string, pod: string) =>
      new Promise<{ opened: boolean; status?: number; body?: string }>((resolve, reject) => {
        const ws = new WebSocket(
          `${env.sandbox.server.replace("https", "wss")}/api/v1/namespaces/${namespace}/pods/${pod}/portforward?ports=9080`,
          ["v4.channel.k8s.io"],
          { ca: caOf(env.sandbox), headers: { Authorization: `Bearer ${env.sandbox.workshopToken}` } },
        );
        ws.once("open", () => {
          ws.terminate();
          resolve({ opened: true });
        });
        ws.once("unexpected-response", (_req, res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => {
            ws.terminate();
            resolve({ opened: false, status: res.statusCode, body });
          });
        });
        ws.on("error", reject);
      });

    const own = podsOfWeb()[0]?.metadata.name ?? "";
    assert.deepEqual(await dial("workshop", own), { opened: true });

    const istiod = [...env.sandbox.store.peek("pods", "istio-system")][0] as KubeObject;
    const other = await dial("istio-system", istiod.metadata.name ?? "");
    assert.equal(other.status, 403);
    assert.equal(
      JSON.parse(other.body ?? "").message,
      `pods "${istiod.metadata.name}" is forbidden: User "${USER}" cannot create resource "pods/portforward" in API group "" in the namespace "istio-system"`,
    );
  });

  test("discovery stays readable, as system:discovery grants every authenticated user", async () => {
    const resources = await ok(workshop, "api-resources", "--no-headers");
    assert.match(resources, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(resources, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(resources, /^virtualservices\s+vs\s+networking\.istio\.io\/v1\s+true\s+VirtualService$/m);

    const groups = JSON.parse(await ok(workshop, "get", "--raw", "/apis"));
    assert.equal(groups.kind, "APIGroupList");
    assert.ok(groups.groups.some((g: { name: string }) => g.name === "apps"));

    for (const path of [
      "/api",
      "/api/v1",
      "/apis",
      "/apis/apps",
      "/apis/apps/v1",
      "/version",
      "/openapi/v3",
    ]) {
      const res = await api(env.sandbox, "GET", path, { token: env.sandbox.workshopToken });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
    }
    assert.equal((await api(env.sandbox, "GET", "/apis", { token: null })).status, 401);
    assert.match(await ok(workshop, "version", "-o", "json"), /"serverVersion"/);
  });

  test("the viewer keeps its rights: reads anywhere, writes nowhere", async () => {
    const viewer = kubectlFor(env.kubeconfig, "bookinfo-sandbox-viewer");
    assert.match(await ok(viewer, "get", "pods", "-n", "workshop"), /^web-/m);
    await forbidden(
      viewer,
      ["-n", "workshop", "scale", "deployment", "web", "--replicas=3"],
      `deployments.apps "web" is forbidden: User "bookinfo-viewer" cannot patch resource "deployments/scale" in API group "apps" in the namespace "workshop"`,
    );
  });

  test("when namespace workshop goes, the grant goes with it", async () => {
    await ok(admin, "delete", "namespace", "workshop", "--wait=false");
    await until(env.sandbox, () => !env.sandbox.store.get("namespaces", undefined, "workshop"), 20_000);
    await forbidden(
      workshop,
      ["get", "pods"],
      `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" in the namespace "workshop"`,
    );
  });
});
