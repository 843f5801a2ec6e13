import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { connect } from "node:tls";
import { api, caOf, openWatch } from "../../testing/api.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox } from "../../testing/sandbox.ts";

// Bad input must never crash the sandbox or lose its state: every case gets the Status error a
// real API server gives, and the sandbox keeps answering afterwards.

let env: TestSandbox;
let kubectl: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 20, bookmarkIntervalMs: 200 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env.close());

const configMap = (name: string) =>
  JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } });

async function stillServing() {
  const res = await api(env.sandbox, "GET", "/api/v1/namespaces/default");
  assert.equal(res.status, 200);
  assert.equal(res.json().metadata.name, "default");
}

describe("the sandbox API refuses bad requests the way Kubernetes does", () => {
  test("no token and a wrong token get 401; kubectl says to log in", async () => {
    const none = await api(env.sandbox, "GET", "/api/v1/pods", { token: null });
    assert.equal(none.status, 401);
    assert.deepEqual(
      { reason: none.json().reason, code: none.json().code },
      { reason: "Unauthorized", code: 401 },
    );
    const wrong = await api(env.sandbox, "GET", "/api/v1/pods", { token: "not-the-token" });
    assert.equal(wrong.status, 401);
    const forged = kubectlFor(env.kubeconfig.replace(/kubeconfig$/, "forged-kubeconfig"));
    writeFileSync(
      env.kubeconfig.replace(/kubeconfig$/, "forged-kubeconfig"),
      env.sandbox.kubeconfig.replaceAll(env.sandbox.adminToken, "forged-token"),
    );
    const refused = await forged("get", "pods");
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/,
    );
    const version = await api(env.sandbox, "GET", "/version", { token: null });
    assert.equal(version.status, 200, "version is public, as on clusters with anonymous auth");
    assert.equal(version.headers["cache-control"], "no-cache, private");
  });

  test("malformed JSON gets 400 and nothing is stored", async () => {
    const res = await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {',
      contentType: "application/json",
    });
    assert.equal(res.status, 400);
    assert.equal(res.json().reason, "BadRequest");
    assert.equal(
      (await api(env.sandbox, "GET", "/api/v1/namespaces/default/configmaps")).json().items.length,
      0,
    );
    await stillServing();
  });

  test("malformed YAML in a server-side apply gets 400", async () => {
    const res = await api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/x?fieldManager=test", {
      body: "metadata: [unclosed\n  name: : :",
      contentType: "application/apply-patch+yaml",
    });
    assert.equal(res.status, 400);
    await stillServing();
  });

  test("a body over the API server's 3 MiB limit gets 413", async () => {
    const huge = JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "huge" },
      data: { k: "x".repeat(4 * 1024 * 1024) },
    });
    const res = await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: huge,
      contentType: "application/json",
    });
    assert.equal(res.status, 413);
    assert.equal(res.json().reason, "RequestEntityTooLarge");
    await stillServing();
  });

  test("unknown resources and kinds are 404 Not Found; kubectl names the missing type", async () => {
    const res = await api(env.sandbox, "GET", "/api/v1/namespaces/default/widgets");
    assert.equal(res.status, 404);
    assert.equal(res.json().reason, "NotFound");
    assert.equal((await api(env.sandbox, "GET", "/apis/example.com/v1/things")).status, 404);
    const got = await kubectl("get", "widgets");
    assert.notEqual(got.code, 0);
    assert.match(got.stderr, /the server doesn't have a resource type "widgets"/);
    const manifest = `${env.dir}/widget.yaml`;
    writeFileSync(manifest, "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
    const applied = await kubectl("apply", "-f", manifest);
    assert.notEqual(applied.code, 0);
    assert.match(
      applied.stderr,
      /no matches for kind "Widget" in version "example.com\/v1"|resource mapping not found/,
    );
    const wrongKind = await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }),
      contentType: "application/json",
    });
    assert.equal(wrongKind.status, 400);
  });

  test("bad label and field selectors get 400 with the parser's words", async () => {
    const label = await api(
      env.sandbox,
      "GET",
      `/api/v1/pods?labelSelector=${encodeURIComponent("app in (a")}`,
    );
    assert.equal(label.status, 400);
    assert.match(label.json().message, /unable to parse requirement|expected/);
    const field = await api(
      env.sandbox,
      "GET",
      `/api/v1/pods?fieldSelector=${encodeURIComponent("spec.bogus=1")}`,
    );
    assert.equal(field.status, 400);
    assert.match(field.json().message, /field label not supported: spec.bogus/);
    const viaKubectl = await kubectl("get", "pods", "-l", "app in (a");
    assert.notEqual(viaKubectl.code, 0);
    assert.match(viaKubectl.stderr, /unable to parse requirement|expected/);
  });

  test("creating twice is 409 AlreadyExists; a stale resourceVersion is 409 Conflict", async () => {
    const create = () =>
      api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
        body: configMap("twice"),
        contentType: "application/json",
      });
    assert.equal((await create()).status, 201);
    const second = await create();
    assert.equal(second.status, 409);
    assert.equal(second.json().message, 'configmaps "twice" already exists');
    const stale = JSON.parse(configMap("twice"));
    stale.metadata.resourceVersion = "1";
    const put = await api(env.sandbox, "PUT", "/api/v1/namespaces/default/configmaps/twice", {
      body: JSON.stringify(stale),
      contentType: "application/json",
    });
    assert.equal(put.status, 409);
    assert.equal(put.json().reason, "Conflict");
  });

  test("an invalid object is 422 with the field and the rule", async () => {
    const res = await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("Not_A_Name"),
      contentType: "application/json",
    });
    assert.equal(res.status, 422);
    assert.match(
      res.json().message,
      /^ConfigMap "Not_A_Name" is invalid: metadata.name: Invalid value: "Not_A_Name"/,
    );
    assert.equal(res.json().details.causes[0].field, "metadata.name");
  });

  test("strategic merge on an Istio kind is 415, as for any custom resource", async () => {
    const res = await api(
      env.sandbox,
      "PATCH",
      "/apis/networking.istio.io/v1/namespaces/default/gateways/x",
      {
        body: "{}",
        contentType: "application/strategic-merge-patch+json",
      },
    );
    assert.equal(res.status, 415);
    assert.equal(res.json().reason, "UnsupportedMediaType");
  });

  test("garbage on the wire closes that connection only", async () => {
    await new Promise<void>((resolve) => {
      const url = new URL(env.sandbox.server);
      const socket = connect({ host: url.hostname, port: Number(url.port), ca: caOf(env.sandbox) }, () => {
        socket.write("THIS IS NOT HTTP\r\n\r\n");
      });
      socket.on("data", () => {});
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
    });
    await stillServing();
  });
});

describe("watches", () => {
  test("a watch from a list's resourceVersion sees later changes, with bookmarks on request", async () => {
    const list = await api(env.sandbox, "GET", "/api/v1/namespaces/default/configmaps");
    const rv = list.json().metadata.resourceVersion;
    const watch = openWatch(
      env.sandbox,
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("seen"),
      contentType: "application/json",
    });
    await watch.until((events) =>
      events.some((e) => e.type === "ADDED" && e.object.metadata.name === "seen"),
    );
    await watch.until((events) => events.some((e) => e.type === "BOOKMARK"));
    const bookmark = watch.events.find((e) => e.type === "BOOKMARK");
    assert.ok(Number(bookmark?.object.metadata.resourceVersion) > Number(rv));
    assert.ok(
      !watch.events.some((e) => e.type === "ADDED" && e.object.metadata.name === "twice"),
      "nothing from before the list",
    );
    watch.close();
  });

  test("a label selector turns leaving and entering into DELETED and ADDED", async () => {
    const watch = openWatch(
      env.sandbox,
      `/api/v1/namespaces/default/configmaps?watch=true&labelSelector=tier%3Dfront`,
    );
    await api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("moving"),
      contentType: "application/json",
    });
    const label = (value: string | null) =>
      api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/moving", {
        body: JSON.stringify({ metadata: { labels: { tier: value } } }),
        contentType: "application/merge-patch+json",
      });
    await label("front");
    await label(null);
    await watch.until((events) => events.map((e) => e.type).join(",") === "ADDED,DELETED");
    watch.close();
  });

  test("resuming from a compacted resourceVersion gets a 410 Expired watch event", async () => {
    for (let i = 0; i < 2100; i++) {
      await api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/seen", {
        body: JSON.stringify({ data: { n: String(i) } }),
        contentType: "application/merge-patch+json",
      });
    }
    const watch = openWatch(
      env.sandbox,
      "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2",
    );
    await watch.until(() => watch.ended());
    assert.equal(watch.events.length, 1);
    assert.equal(watch.events[0]?.type, "ERROR");
    assert.equal(watch.events[0]?.object.code, 410);
    assert.equal(watch.events[0]?.object.reason, "Expired");
    await stillServing();
  });

  test("timeoutSeconds ends the watch; a client vanishing mid-watch costs nothing", async () => {
    const listeners = env.sandbox.store.listenerCount;
    const timed = openWatch(env.sandbox, "/api/v1/pods?watch=true&timeoutSeconds=1");
    await timed.until(() => timed.ended(), 4000);
    const watches = Array.from({ length: 20 }, () => openWatch(env.sandbox, "/api/v1/pods?watch=true"));
    await Promise.all(watches.map((w) => w.until((events) => events.length > 0)));
    assert.equal(env.sandbox.store.listenerCount, listeners + 20);
    for (const w of watches) w.close();
    const deadline = Date.now() + 3000;
    while (env.sandbox.store.listenerCount !== listeners && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(env.sandbox.store.listenerCount, listeners);
    await stillServing();
  });
});
