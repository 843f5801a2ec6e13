import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump, load } from "js-yaml";
import { type Cluster, connect } from "../../source/cluster/connect.ts";
import { credentialsFor, parseExecCredential } from "../../source/cluster/credentials.ts";
import { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { bookinfo } from "../cli/support.ts";
import { makeTestPki } from "./differential/pki.ts";

// Every way a kubeconfig can say who the user is, against the sandbox over HTTPS: the sandbox
// checks bearer tokens, so each case must deliver the right token to get an answer at all.

let t: TestSandbox;
let caData: string;

before(async () => {
  t = await openSandbox();
  const parsed = load(readFileSync(t.kubeconfig, "utf8")) as {
    clusters: { cluster: { "certificate-authority-data": string } }[];
  };
  caData = parsed.clusters[0]!.cluster["certificate-authority-data"];
});
after(() => t.close());

/** A kubeconfig in the sandbox's folder with one context whose user is `user`. */
function kubeconfigWith(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  const file = join(t.dir, `${name}.yaml`);
  writeFileSync(
    file,
    dump({
      apiVersion: "v1",
      kind: "Config",
      "current-context": name,
      clusters: [
        {
          name: "sandbox",
          cluster: { server: t.sandbox.server, "certificate-authority-data": caData, ...cluster },
        },
      ],
      users: [{ name: "someone", user }],
      contexts: [{ name, context: { cluster: "sandbox", user: "someone" } }],
    }),
  );
  return file;
}

/** An executable credential plugin in the sandbox's folder: a Node script. */
function plugin(name: string, body: string): string {
  const file = join(t.dir, name);
  writeFileSync(file, `#!/usr/bin/env node\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const credential = (token: string) =>
  JSON.stringify({
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token },
  });

/** An HTTP CONNECT proxy that sends every tunnel to the sandbox's port on 127.0.0.1. */
async function connectProxy(): Promise<{ url: string; connects: string[]; close(): void }> {
  const connects: string[] = [];
  const proxy: Server = createServer();
  proxy.on("connect", (request, socket, head) => {
    connects.push(request.url ?? "");
    const port = Number((request.url ?? "").split(":").at(-1));
    const upstream = netConnect(port, "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, connects, close: () => proxy.close() };
}

async function withCluster<T>(file: string, use: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = connect(resolveTarget({ kubeconfig: file }, {}));
  try {
    return await use(cluster);
  } finally {
    await cluster.close();
  }
}

const listNamespaces = (cluster: Cluster) =>
  cluster.request<{ items: unknown[] }>("GET", "/api/v1/namespaces").then((list) => list.items.length);

describe("credentials from the kubeconfig reach the API server", () => {
  test("a tokenFile, relative to the kubeconfig's folder", async () => {
    writeFileSync(join(t.dir, "token"), `${t.sandbox.adminToken}\n`);
    const file = kubeconfigWith("token-file", { tokenFile: "token" });
    assert.ok((await withCluster(file, listNamespaces)) > 0);
  });

  test("an exec plugin, found relative to the kubeconfig, told the cluster and that nobody can answer prompts", async () => {
    const seen = join(t.dir, "exec-info.json");
    plugin(
      "exec-plugin",
      `require("fs").writeFileSync(${JSON.stringify(seen)}, process.env.KUBERNETES_EXEC_INFO + "\\n" + process.env.FROM_CONFIG);
       process.stdout.write(${JSON.stringify(credential(t.sandbox.adminToken))});`,
    );
    const file = kubeconfigWith("exec", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "./exec-plugin",
        env: [{ name: "FROM_CONFIG", value: "yes" }],
        provideClusterInfo: true,
        interactiveMode: "Never",
      },
    });
    assert.ok((await withCluster(file, listNamespaces)) > 0);
    const [info, fromConfig] = readFileSync(seen, "utf8").split("\n");
    const parsed = JSON.parse(info!) as {
      kind: string;
      spec: { interactive: boolean; cluster: { server: string } };
    };
    assert.equal(parsed.kind, "ExecCredential");
    assert.equal(parsed.spec.interactive, false);
    assert.equal(parsed.spec.cluster.server, t.sandbox.server);
    assert.equal(fromConfig, "yes");
  });

  test("a plugin token the server refuses is asked for again once, as client-go does", async () => {
    const count = join(t.dir, "calls");
    writeFileSync(count, "0");
    plugin(
      "rotating-plugin",
      `const fs = require("fs"); const n = Number(fs.readFileSync(${JSON.stringify(count)}, "utf8")) + 1;
       fs.writeFileSync(${JSON.stringify(count)}, String(n));
       process.stdout.write(n === 1 ? ${JSON.stringify(credential("expired"))} : ${JSON.stringify(credential(t.sandbox.adminToken))});`,
    );
    const file = kubeconfigWith("rotating", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: join(t.dir, "rotating-plugin"),
        interactiveMode: "IfAvailable",
      },
    });
    await withCluster(file, async (cluster) => {
      // Ten at once, all refused with the first token: still one run for it and one more after.
      const counts = await Promise.all(Array.from({ length: 10 }, () => listNamespaces(cluster)));
      assert.ok(counts.every((n) => n > 0));
      assert.ok((await listNamespaces(cluster)) > 0);
    });
    assert.equal(readFileSync(count, "utf8"), "2");
  });

  test("a plugin that fails ends in one sentence with what it said, run once for requests made together", async () => {
    const count = join(t.dir, "failing-calls");
    writeFileSync(count, "");
    plugin(
      "failing-plugin",
      `require("fs").appendFileSync(${JSON.stringify(count)}, "x");
       process.stderr.write("error: the SSO session has expired\\n"); process.exit(1);`,
    );
    const file = kubeconfigWith("failing", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: join(t.dir, "failing-plugin"),
        interactiveMode: "IfAvailable",
      },
    });
    const results = await withCluster(file, (cluster) =>
      Promise.allSettled([cluster.probe(), listNamespaces(cluster), cluster.probe()]),
    );
    for (const result of results) {
      assert.equal(result.status, "rejected");
      const error = (result as PromiseRejectedResult).reason;
      assert.ok(error instanceof ClusterError);
      assert.match(
        error.message,
        /failing-plugin of user "someone" of context "failing" failed: error: the SSO session has expired;/,
      );
      assert.doesNotMatch(error.message, /\n/);
    }
    assert.equal(readFileSync(count, "utf8"), "x");
  });

  test("a plugin that is not installed says so with the kubeconfig's install hint", async () => {
    const file = kubeconfigWith("missing-plugin", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: "no-such-auth-plugin",
        interactiveMode: "Never",
        installHint: "install it with: brew install no-such-auth-plugin",
      },
    });
    await assert.rejects(withCluster(file, listNamespaces), {
      message:
        'the credential plugin no-such-auth-plugin of user "someone" of context "missing-plugin" is not installed or not on PATH; install it with: brew install no-such-auth-plugin',
    });
  });

  test("a proxy-url: requests go through an HTTP CONNECT tunnel", async () => {
    const proxy = await connectProxy();
    try {
      const file = kubeconfigWith("proxied", { token: t.sandbox.adminToken }, { "proxy-url": proxy.url });
      assert.ok((await withCluster(file, listNamespaces)) > 0);
      assert.equal(proxy.connects[0], new URL(t.sandbox.server).host);
    } finally {
      proxy.close();
    }
  });

  test("HTTPS_PROXY is used for a remote server, and NO_PROXY or a loopback address bypass it", async () => {
    const proxy = await connectProxy();
    // A name only the proxy can reach (it sends it to the sandbox); TLS still checks "localhost".
    const remote = `https://bookinfo-sandbox.test:${new URL(t.sandbox.server).port}`;
    const file = kubeconfigWith(
      "behind-proxy",
      { token: t.sandbox.adminToken },
      { server: remote, "tls-server-name": "localhost" },
    );
    const target = resolveTarget({ kubeconfig: file }, {});
    const viaEnv = async (env: Record<string, string>) => {
      const cluster = connect(target, env);
      try {
        return await listNamespaces(cluster);
      } finally {
        await cluster.close();
      }
    };
    try {
      assert.ok((await viaEnv({ HTTPS_PROXY: proxy.url })) > 0);
      assert.deepEqual(proxy.connects, [`bookinfo-sandbox.test:${new URL(t.sandbox.server).port}`]);
      // Direct, the name does not resolve (.test never does).
      await assert.rejects(viaEnv({ https_proxy: proxy.url, NO_PROXY: "example.com,.test" }), (error) =>
        ["ENOTFOUND", "EAI_AGAIN"].includes((error as NodeJS.ErrnoException).code ?? ""),
      );
      assert.equal(proxy.connects.length, 1, "NO_PROXY went direct");
      const local = connect(resolveTarget({ kubeconfig: t.kubeconfig }, {}), { HTTPS_PROXY: proxy.url });
      try {
        assert.ok((await listNamespaces(local)) > 0);
      } finally {
        await local.close();
      }
      assert.equal(proxy.connects.length, 1, "127.0.0.1 went direct");
    } finally {
      proxy.close();
    }
  });

  test("a proxy that cannot be reached is named as the one at fault", async () => {
    const file = kubeconfigWith(
      "dead-proxy",
      { token: t.sandbox.adminToken },
      { "proxy-url": "http://127.0.0.1:1" },
    );
    await assert.rejects(
      withCluster(file, (cluster) => cluster.probe()),
      (error: unknown) => {
        assert.ok(error instanceof ClusterError);
        assert.equal(
          error.message,
          `cannot reach the cluster at ${t.sandbox.server} through the proxy-url http://127.0.0.1:1 of context "dead-proxy": connect ECONNREFUSED 127.0.0.1:1. Check that proxy (context dead-proxy)`,
        );
        return true;
      },
    );
  });

  test("a socks proxy-url is refused in one sentence", () => {
    const file = kubeconfigWith("socks", { token: "x" }, { "proxy-url": "socks5://127.0.0.1:1080" });
    assert.throws(() => connect(resolveTarget({ kubeconfig: file }, {})).close(), {
      message:
        'the proxy-url socks5://127.0.0.1:1080 of context "socks" uses socks5, and only http and https proxies are supported; use an HTTP proxy or reach the cluster directly',
    });
  });
});

describe("credentialsFor without a server", () => {
  test("client certificate files, basic auth and impersonation headers as kubectl sends them", async () => {
    const pki = await makeTestPki();
    writeFileSync(join(t.dir, "client.crt"), pki.clientCertPem);
    writeFileSync(join(t.dir, "client.key"), pki.clientKeyPem);
    const file = kubeconfigWith("cert", {
      "client-certificate": "client.crt",
      "client-key": "client.key",
      username: "ann",
      password: "secret",
      as: "bob",
      "as-groups": ["devs", "ops"],
    });
    const got = await credentialsFor(resolveTarget({ kubeconfig: file }, {})).get();
    assert.equal(got.cert, pki.clientCertPem);
    assert.equal(got.key, pki.clientKeyPem);
    assert.equal(got.headers.Authorization, `Basic ${Buffer.from("ann:secret").toString("base64")}`);
    assert.equal(got.headers["Impersonate-User"], "bob");
    assert.deepEqual(got.headers["Impersonate-Group"], ["devs", "ops"]);
  });

  test("an oidc auth-provider's id-token, through client-node, as kubectl sends it", async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const idToken = `${part({ alg: "none" })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
    const file = kubeconfigWith("oidc", {
      "auth-provider": {
        name: "oidc",
        config: { "client-id": "kubernetes", "id-token": idToken, "idp-issuer-url": "https://idp.example" },
      },
    });
    const source = credentialsFor(resolveTarget({ kubeconfig: file }, {}));
    assert.equal((await source.get()).headers.Authorization, `Bearer ${idToken}`);
    assert.equal(
      (await source.get()).headers.Authorization,
      `Bearer ${idToken}`,
      "again, from the same config",
    );
  });

  test("an unreadable client key names the file and the user", () => {
    const file = kubeconfigWith("bad-key", { "client-certificate-data": "eA==", "client-key": "nope.key" });
    assert.throws(() => credentialsFor(resolveTarget({ kubeconfig: file }, {})), {
      message: `cannot read client-key ${join(t.dir, "nope.key")} of user "someone" of context "bad-key" (ENOENT); fix the path in your kubeconfig`,
    });
  });

  test("an ExecCredential of another apiVersion, or without a credential, is refused", () => {
    const v1 = "client.authentication.k8s.io/v1";
    assert.throws(
      () => parseExecCredential(credential("x"), "client.authentication.k8s.io/v1beta1"),
      /apiVersion/,
    );
    assert.throws(
      () => parseExecCredential(JSON.stringify({ apiVersion: v1, kind: "ExecCredential", status: {} }), v1),
      /neither a token/,
    );
    const parsed = parseExecCredential(
      JSON.stringify({
        apiVersion: v1,
        kind: "ExecCredential",
        status: { token: "abc", expirationTimestamp: "2030-01-01T00:00:00Z" },
      }),
      v1,
    );
    assert.deepEqual(parsed, {
      token: "abc",
      cert: undefined,
      key: undefined,
      expiresAt: Date.parse("2030-01-01T00:00:00Z"),
    });
  });
});

describe("a credential plugin and the person at the terminal", () => {
  test("under status its stderr (a device-code login, say) reaches the person as it comes", async () => {
    plugin(
      "device-code-plugin",
      `process.stderr.write("To sign in, open https://login.example/device and enter ABCD-1234\\n");
       process.stdout.write(${JSON.stringify(credential(t.sandbox.adminToken))});`,
    );
    const file = kubeconfigWith("device-code", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: join(t.dir, "device-code-plugin"),
        interactiveMode: "IfAvailable",
      },
    });
    const status = await bookinfo(file, "status", "-n", "default", "--samples", "0");
    assert.ok(status.code === 3 || status.code === 0, status.stderr);
    assert.match(status.stderr, /^To sign in, open https:\/\/login\.example\/device and enter ABCD-1234$/m);
  });

  test("one that must ask something, without a terminal to ask on, says so in one sentence", async () => {
    plugin("asking-plugin", `process.stdout.write(${JSON.stringify(credential(t.sandbox.adminToken))});`);
    const file = kubeconfigWith("asking", {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1",
        command: join(t.dir, "asking-plugin"),
        interactiveMode: "Always",
      },
    });
    const status = await bookinfo(file, "status");
    assert.equal(status.code, 1);
    assert.equal(
      status.stderr,
      `error: the credential plugin ${join(t.dir, "asking-plugin")} of user "someone" of context "asking" must ask you something (interactiveMode Always), and standard input is not a terminal; log in first with kubectl (e.g. kubectl get ns), then run this again\n`,
    );
  });
});

describe("certificates and keys kubectl would refuse", () => {
  test("a client certificate or key that is not PEM, or a CA file without a certificate, is named before anything is sent", async () => {
    const pki = await makeTestPki();
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    const notPem = kubeconfigWith("bad-key", {
      "client-certificate-data": b64(pki.clientCertPem),
      "client-key-data": b64("not a key"),
    });
    assert.throws(() => connect(resolveTarget({ kubeconfig: notPem }, {})), {
      message:
        'the client-key-data of user "someone" of context "bad-key" is not an unencrypted PEM private key; fix it in your kubeconfig',
    });
    writeFileSync(join(t.dir, "not-a-ca.pem"), "not a certificate\n");
    const badCa = kubeconfigWith("bad-ca", { token: "x" }, { "certificate-authority": "not-a-ca.pem" });
    // The kubeconfigs above carry the CA inline as well; this one names only the file.
    const doc = load(readFileSync(badCa, "utf8")) as { clusters: { cluster: Record<string, unknown> }[] };
    delete doc.clusters[0]?.cluster["certificate-authority-data"];
    writeFileSync(badCa, dump(doc));
    assert.throws(() => connect(resolveTarget({ kubeconfig: badCa }, {})), {
      message: `the certificate-authority ${join(t.dir, "not-a-ca.pem")} of cluster "sandbox" holds no PEM certificate; fix it in your kubeconfig`,
    });
  });
});
