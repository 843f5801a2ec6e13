import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ApiError, type Cluster, connect } from "../../source/cluster/connect.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { openSandbox, type TestSandbox } from "../support/sandbox.ts";

let t: TestSandbox;
let cluster: Cluster;

before(async () => {
  t = await openSandbox();
  cluster = connect(resolveTarget({ kubeconfig: t.kubeconfig, namespace: "default" }, {}));
});
after(async () => {
  await cluster.close();
  await t.close();
});

test("a stream outlives the time allowed for its headers", async () => {
  const response = await cluster.stream("/api/v1/namespaces/default/configmaps", {
    query: { watch: true, timeoutSeconds: 5 },
    timeoutMs: 200,
  });
  response.setEncoding("utf8");
  let text = "";
  response.on("data", (chunk: string) => {
    text += chunk;
  });
  // Well past the header budget: a stream still bound to it would be destroyed by now.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await cluster.request("POST", "/api/v1/namespaces/default/configmaps", {
    body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" } },
  });
  while (!text.includes('"name":"late"')) {
    assert.ok(!response.destroyed, "the stream was cut off");
    await new Promise((resolve) => response.once("data", resolve));
  }
  response.destroy();
});

test("a non-2xx answer is an ApiError carrying the server's Status", async () => {
  await assert.rejects(cluster.request("GET", "/api/v1/namespaces/default/configmaps/missing"), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 404);
    assert.equal((error.body as { reason?: string }).reason, "NotFound");
    return true;
  });
  await assert.rejects(cluster.stream("/api/v1/namespaces/default/nothings", { query: { watch: true } }), {
    code: 404,
  });
});

test("the caller's signal ends a request that waits, as a cancellation", async () => {
  const halt = new AbortController();
  const pending = cluster.request("GET", "/api/v1/namespaces/default/configmaps", {
    query: { watch: true, timeoutSeconds: 30 },
    signal: halt.signal,
  });
  setTimeout(() => halt.abort(), 50);
  await assert.rejects(pending, { name: "AbortError" });
});

test("close() ends open streams, and the next request opens a new connection", async () => {
  const response = await cluster.stream("/api/v1/namespaces/default/configmaps", {
    query: { watch: true, timeoutSeconds: 30 },
  });
  const closed = new Promise((resolve) => response.once("close", resolve));
  await cluster.close();
  await closed;
  const version = await cluster.probe();
  assert.match(version.gitVersion, /^v1\./);
});
