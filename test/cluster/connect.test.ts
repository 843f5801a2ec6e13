import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump } from "js-yaml";
import { ApiError, type Cluster, connect } from "../../source/cluster/connect.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";

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
    query: { watch: true, timeoutSeconds: 10 },
    // Generous enough for a busy machine to send the headers; the point is what happens after.
    timeoutMs: 1_500,
  });
  response.setEncoding("utf8");
  let text = "";
  response.on("data", (chunk: string) => {
    text += chunk;
  });
  // Well past the header budget: a stream still bound to it would be destroyed by now.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
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

test("a kept-alive connection the server already dropped is retried on a new one, except for POST", async () => {
  // Answers the first request on each connection; drops the connection at the second, as a
  // server does when its idle timeout and our reuse cross.
  const seen = new WeakMap<object, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const count = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, count);
    if (count > 1) return req.socket.destroy();
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ major: "1", minor: "32", gitVersion: "v1.32.0" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const file = join(t.dir, "plain-http.yaml");
  const { port } = server.address() as { port: number };
  writeFileSync(
    file,
    dump({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "plain",
      clusters: [{ name: "plain", cluster: { server: `http://127.0.0.1:${port}` } }],
      contexts: [{ name: "plain", context: { cluster: "plain" } }],
    }),
  );
  const plain = connect(resolveTarget({ kubeconfig: file }, {}));
  try {
    await plain.request("GET", "/version");
    await plain.request("GET", "/version");
    assert.equal(requests, 3, "the second GET went out twice: on the old connection, then a new one");
    await assert.rejects(plain.request("POST", "/version", { body: {} }), { code: "ECONNRESET" });
  } finally {
    await plain.close();
    server.close();
  }
});
