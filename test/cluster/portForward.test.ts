import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, get, request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { curl, deployBookinfo, manifest, type Tutorial } from "@kubectl-bookinfo/sandbox/testing";
import { type Cluster, connect as connectCluster } from "../../source/cluster/connect.ts";
import { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import {
  forwardToIngressGateway,
  openPortForward,
  type PortForwardHandle,
} from "../../source/cluster/portForward.ts";
import type { Pod } from "../../source/model/kube.ts";
import { ADMIN, closedPort, silentServer, VIEWER } from "./helpers.ts";

// The tool's own port-forward against the sandbox, reached like any cluster: kubeconfig, HTTPS,
// bearer token, our own port-forward client over WebSocket.

let t: Tutorial;
let admin: Cluster;
let gatewayPods: Pod[];

before(async () => {
  t = await deployBookinfo("pf-client", true);
  await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
  await t.env.sandbox.dataPlane.settled();
  admin = clusterFor(ADMIN);
  gatewayPods = [...t.env.sandbox.store.peek("pods", "istio-system")] as Pod[];
});
after(async () => {
  await admin?.close();
  await t?.close();
});

/** The context's cluster, optionally at another address (a dead or silent API server). */
function clusterFor(context: string, server?: string): Cluster {
  const target = resolveTarget({ kubeconfig: t.env.kubeconfig, context }, {});
  if (!server) return connectCluster(target);
  return connectCluster({ ...target, server, cluster: { ...target.cluster, server } });
}

interface Answer {
  status: number;
  body: string;
  reused: boolean;
}

function fetchVia(url: string, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on("error", reject);
  });
}

function postVia(url: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            reused: false,
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The TCP handles this process holds: sockets and listening servers. */
const tcpHandles = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TCPServerWrap").length;

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

function onePlainSentence(error: unknown): ClusterError {
  assert.ok(error instanceof ClusterError, `expected a ClusterError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n/);
  assert.doesNotMatch(error.message, /\bat .*\.(js|ts):\d+/);
  return error;
}

describe("a port-forward to the ingress gateway", () => {
  let forward: PortForwardHandle;
  const errors: ClusterError[] = [];

  before(async () => {
    forward = await forwardToIngressGateway(admin, gatewayPods, { onError: (e) => errors.push(e) });
  });
  after(async () => forward?.close());

  test("listens on 127.0.0.1 and targets a Ready gateway pod's 8080", () => {
    assert.match(forward.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(forward.url, `http://127.0.0.1:${forward.localPort}`);
    assert.equal(forward.target.namespace, "istio-system");
    assert.equal(forward.target.port, 8080);
    const pod = gatewayPods.find((p) => p.metadata.name === forward.target.pod);
    assert.equal(pod?.metadata.labels?.istio, "ingressgateway");
  });

  test("serves /productpage: 200 and the Bookinfo title", async () => {
    const answer = await fetchVia(`${forward.url}/productpage`, false);
    assert.equal(answer.status, 200);
    assert.match(answer.body, /<title>Simple Bookstore App<\/title>/);
  });

  test("keeps a connection alive across requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < 8; i++) answers.push(await fetchVia(`${forward.url}/productpage`, agent));
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(8).fill(200),
      );
      assert.deepEqual(
        answers.map((a) => a.reused),
        [false, ...Array(7).fill(true)],
        "one connection carried all eight",
      );
      // The same through the real curl: several URLs, one connection.
      const viaCurl = await curl(
        "-sS",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{num_connects}\n",
        `${forward.url}/productpage`,
        `${forward.url}/productpage`,
        `${forward.url}/productpage`,
      );
      assert.equal(viaCurl.code, 0, viaCurl.stderr);
      assert.equal(viaCurl.stdout, "200 1\n200 0\n200 0\n");
    } finally {
      agent.destroy();
    }
  });

  test("when the pod hangs up, the local connection ends after the whole answer", async () => {
    const socket = connect(forward.localPort, "127.0.0.1");
    // write, not end: the channel protocol cannot carry a half-close, so ending our side would end the tunnel.
    socket.write("GET /productpage HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the local connection was left open")), 5000);
      socket.once("end", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", reject);
    });
    socket.destroy();
    assert.match(received, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(received, /<\/html>\s*$/);
  });

  test("carries many connections at once", async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => fetchVia(`${forward.url}/productpage`, false)),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(40).fill(200),
    );
    assert.ok(answers.every((a) => a.body.includes("Simple Bookstore App")));
  });

  test("reported no errors while serving", () => {
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    );
  });
});

describe("close()", () => {
  test("frees the port and every tunnel; the sandbox keeps serving and a new forward works", {
    timeout: 20_000,
  }, async () => {
    const before = tcpHandles();
    const timersBefore = timers();
    const forward = await forwardToIngressGateway(admin, gatewayPods);
    const agent = new Agent({ keepAlive: true });
    // An idle keep-alive connection and one still mid-request when close() comes.
    assert.equal((await fetchVia(`${forward.url}/productpage`, agent)).status, 200);
    const inFlight = fetchVia(`${forward.url}/productpage`, false).catch((error: Error) => error);
    assert.ok(tcpHandles() > before);

    await forward.close();
    await inFlight;
    agent.destroy();

    await new Promise<void>((resolve, reject) => {
      const socket = connect(forward.localPort, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        reject(new Error("the local port still accepts connections"));
      });
      socket.once("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED") resolve();
        else reject(error);
      });
    });
    // Both ends of each tunnel (client socket, API server socket) live in this process.
    const deadline = Date.now() + 2000;
    while (tcpHandles() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(tcpHandles(), before, `handles: ${process.getActiveResourcesInfo().join(", ")}`);
    assert.ok(timers() <= timersBefore, `timers: ${process.getActiveResourcesInfo().join(", ")}`);
    await forward.close(); // twice is harmless

    const direct = await curl("-s", "-o", "/dev/null", "-w", "%{http_code}", `${t.gatewayUrl}/productpage`);
    assert.equal(direct.stdout, "200");
    const again = await forwardToIngressGateway(admin, gatewayPods);
    try {
      assert.equal((await fetchVia(`${again.url}/productpage`, false)).status, 200);
    } finally {
      await again.close();
    }
  });
});

describe("a port-forward to a Bookinfo pod", () => {
  test("reaches the program on 9080: /health answers", async () => {
    const pods = [...t.env.sandbox.store.peek("pods", t.ns)] as Pod[];
    const details = pods.find((p) => p.metadata.labels?.app === "details")!;
    const forward = await openPortForward(admin, {
      namespace: t.ns,
      pod: details.metadata.name!,
      port: 9080,
    });
    try {
      const answer = await fetchVia(`${forward.url}/health`, false);
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.body), { status: "Details is healthy" });
    } finally {
      await forward.close();
    }
  });

  test("carries a megabyte each way intact", async () => {
    const pods = [...t.env.sandbox.store.peek("pods", t.ns)] as Pod[];
    const ratings = pods.find((p) => p.metadata.labels?.app === "ratings")!;
    const forward = await openPortForward(admin, {
      namespace: t.ns,
      pod: ratings.metadata.name!,
      port: 9080,
    });
    try {
      // ratings v1 answers a POST with its ratings merged with everything posted: an echo.
      // Random keys make a reordered, dropped or repeated chunk show up; the gateway takes up to 1 MiB.
      const posted: Record<string, number> = {};
      for (let i = 0; i < 24_000; i++) posted[`${randomBytes(12).toString("hex")}-${i}`] = i;
      const body = JSON.stringify(posted);
      assert.ok(body.length > 900_000 && body.length < 1024 * 1024, `${body.length} bytes`);
      const answer = await postVia(`${forward.url}/ratings/4242`, body);
      assert.equal(answer.status, 200, answer.body.slice(0, 200));
      assert.ok(answer.body.length > body.length, `answered ${answer.body.length} bytes`);
      const echoed = (JSON.parse(answer.body) as { id: number; ratings: Record<string, number> }).ratings;
      assert.deepEqual(Object.fromEntries(Object.keys(posted).map((key) => [key, echoed[key]])), posted);
    } finally {
      await forward.close();
    }
  });

  test("a tunnel refused with 401 is tried once more with a fresh token from the credential plugin", async () => {
    const calls = join(t.env.dir, "pf-plugin-calls");
    const plugin = join(t.env.dir, "pf-plugin");
    const credential = (token: string) =>
      JSON.stringify({
        apiVersion: "client.authentication.k8s.io/v1",
        kind: "ExecCredential",
        status: { token },
      });
    writeFileSync(calls, "");
    writeFileSync(
      plugin,
      `#!/usr/bin/env node
       const fs = require("fs"); fs.appendFileSync(${JSON.stringify(calls)}, "x");
       const first = fs.readFileSync(${JSON.stringify(calls)}, "utf8").length === 1;
       process.stdout.write(first ? ${JSON.stringify(credential("lapsed"))} : ${JSON.stringify(credential(t.env.sandbox.adminToken))});`,
      { mode: 0o755 },
    );
    const target = resolveTarget({ kubeconfig: t.env.kubeconfig, context: ADMIN }, {});
    const cluster = connectCluster({
      ...target,
      user: { exec: { command: plugin, apiVersion: "client.authentication.k8s.io/v1" } },
    });
    const ratings = ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[]).find(
      (p) => p.metadata.labels?.app === "ratings",
    )!;
    try {
      const forward = await openPortForward(cluster, {
        namespace: t.ns,
        pod: ratings.metadata.name!,
        port: 9080,
      });
      try {
        assert.equal((await fetchVia(`${forward.url}/health`, false)).status, 200);
      } finally {
        await forward.close();
      }
      assert.equal(readFileSync(calls, "utf8"), "xx", "one run for the lapsed token, one for the fresh one");
    } finally {
      await cluster.close();
    }
  });

  test("a port nothing listens on: the connection closes and onError says why in one sentence", async () => {
    const pods = [...t.env.sandbox.store.peek("pods", t.ns)] as Pod[];
    const ratings = pods.find((p) => p.metadata.labels?.app === "ratings")!;
    const errors: ClusterError[] = [];
    const forward = await openPortForward(
      admin,
      { namespace: t.ns, pod: ratings.metadata.name!, port: 7777 },
      { onError: (e) => errors.push(e) },
    );
    try {
      await assert.rejects(fetchVia(`${forward.url}/health`, false), /socket hang up|ECONNRESET/);
      assert.equal(errors.length, 1);
      onePlainSentence(errors[0]);
      assert.equal(
        errors[0]!.message,
        `nothing accepted the connection on port 7777 of pod ${t.ns}/${ratings.metadata.name} (connection refused inside the pod)`,
      );
    } finally {
      await forward.close();
    }
  });
});

describe("a port-forward that cannot be opened", () => {
  test("the read-only context: 403, naming the permission it lacks", async () => {
    const viewer = clusterFor(VIEWER);
    const error = await forwardToIngressGateway(viewer, gatewayPods).then(
      () => assert.fail("the viewer opened a port-forward"),
      (e: unknown) => onePlainSentence(e),
    );
    assert.equal(error.status, 403);
    assert.equal(error.reason, "forbidden");
    assert.match(
      error.message,
      /^context bookinfo-sandbox-viewer is not allowed to create pods\/portforward in namespace "istio-system" \(403 Forbidden\)/,
    );
  });

  test("a missing pod: 404, naming it", async () => {
    const error = await openPortForward(admin, { namespace: "istio-system", pod: "nosuch", port: 8080 }).then(
      () => assert.fail("opened a port-forward to a missing pod"),
      (e: unknown) => onePlainSentence(e),
    );
    assert.equal(error.status, 404);
    assert.match(error.message, /^pods "nosuch" was not found in namespace "istio-system" \(404 Not Found\)/);
  });

  test("a pod that is not running: the server's reason", async () => {
    const file = join(t.env.dir, "parked.yaml");
    // Bound to a node the sandbox's kubelet does not run, so it stays Pending.
    writeFileSync(
      file,
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: parked\nspec:\n  nodeName: elsewhere\n  containers:\n  - name: app\n    image: busybox\n",
    );
    await t.ok("-n", t.ns, "apply", "-f", file);
    const error = await openPortForward(admin, { namespace: t.ns, pod: "parked", port: 9080 }).then(
      () => assert.fail("opened a port-forward to a Pending pod"),
      (e: unknown) => onePlainSentence(e),
    );
    assert.equal(
      error.message,
      `cannot port-forward to pod ${t.ns}/parked port 9080: unable to forward port because pod is not running. Current status=Pending (400 Bad Request)`,
    );
  });

  test("no Ready gateway pod: says so without asking the cluster", async () => {
    const notReady = gatewayPods.map((p) => ({
      ...p,
      status: { ...p.status, conditions: [{ type: "Ready", status: "False" }] },
    })) as Pod[];
    for (const pods of [[], notReady]) {
      const error = await forwardToIngressGateway(admin, pods).then(
        () => assert.fail("opened a port-forward without a Ready pod"),
        (e: unknown) => onePlainSentence(e),
      );
      assert.match(error.message, /^no Ready ingress gateway pod \(label istio=ingressgateway\)/);
    }
  });

  test("a gateway pod deleted since it was listed is skipped for the next Ready one", async () => {
    const real = gatewayPods.find((p) => p.metadata.labels?.istio === "ingressgateway")!;
    const gone = { ...real, metadata: { ...real.metadata, name: "istio-ingressgateway-gone" } } as Pod;
    const forward = await forwardToIngressGateway(admin, [gone, real]);
    try {
      assert.equal(forward.target.pod, real.metadata.name);
      assert.equal((await fetchVia(`${forward.url}/productpage`, false)).status, 200);
    } finally {
      await forward.close();
    }
  });

  test("an unreachable API server: one sentence, quickly", async () => {
    // A port that was just free: connection refused.
    const broken = clusterFor(ADMIN, `https://127.0.0.1:${await closedPort()}`);
    const started = Date.now();
    const error = await openPortForward(broken, { namespace: "istio-system", pod: "x", port: 8080 }).then(
      () => assert.fail("opened a port-forward through a closed port"),
      (e: unknown) => onePlainSentence(e),
    );
    assert.ok(Date.now() - started < 5000);
    assert.equal(error.reason, "unreachable");
    assert.match(error.message, /connection refused/);
  });

  test("an API server that accepts but never answers: times out in one sentence", async () => {
    const silent = await silentServer();
    try {
      const hung = clusterFor(ADMIN, `https://127.0.0.1:${silent.port}`);
      const error = await openPortForward(
        hung,
        { namespace: "istio-system", pod: "x", port: 8080 },
        { timeoutMs: 300 },
      ).then(
        () => assert.fail("opened a port-forward through a silent server"),
        (e: unknown) => onePlainSentence(e),
      );
      assert.equal(error.reason, "unreachable");
      assert.match(
        error.message,
        /did not open the port-forward to pod istio-system\/x port 8080 within 0\.3 s/,
      );
    } finally {
      await silent.close();
    }
  });
});
