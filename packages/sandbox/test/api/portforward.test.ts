import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { after, before, describe, test } from "node:test";
import { load } from "js-yaml";
import WebSocket from "ws";
import { findResource } from "../../src/api/resources.ts";
import { FLAG_FIN, type SpdyFrame, SpdyFrameReader, SpdyFrameWriter } from "../../src/api/spdy/frames.ts";
import { type PodConnector, StreamingServer } from "../../src/api/streaming.ts";
import type { PodTarget } from "../../src/dataplane/index.ts";
import type { Pod } from "../../src/kube.ts";
import { deployBookinfo, manifest, type Tutorial } from "../../testing/tutorial.ts";

// The sandbox's pods/portforward at the protocol level: the handshake, the channels and the
// refusals a WebSocket client sees, and what happens to the pod's side when either end goes.

// What client-node offers, in its order.
const CLIENT_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];

let t: Tutorial;
let ca: string;
let gatewayPod: string;
let detailsPod: string;

before(async () => {
  t = await deployBookinfo("pf-protocol", true);
  await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
  await t.env.sandbox.dataPlane.settled();
  const config = load(t.env.sandbox.kubeconfig) as {
    clusters: { cluster: Record<string, string> }[];
  };
  ca = Buffer.from(config.clusters[0]!.cluster["certificate-authority-data"]!, "base64").toString();
  const podsIn = (ns: string) => [...t.env.sandbox.store.peek("pods", ns)] as Pod[];
  gatewayPod = podsIn("istio-system").find((p) => p.metadata.labels?.istio === "ingressgateway")!.metadata
    .name!;
  detailsPod = podsIn(t.ns).find((p) => p.metadata.labels?.app === "details")!.metadata.name!;
});
after(async () => t?.close());

interface Frame {
  channel: number;
  data: Buffer;
}

/** A raw WebSocket port-forward client that records every frame. */
class Tunnel {
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.frames.push({ channel: data[0]!, data: data.subarray(1) }));
    this.closed = new Promise((resolve) => ws.once("close", (code: number) => resolve(code)));
  }

  /** Everything after the 2-byte port prefix on `channel`, as text. */
  text(channel: number): string {
    return Buffer.concat(this.frames.filter((f) => f.channel === channel).map((f) => f.data))
      .subarray(2)
      .toString("utf8");
  }

  send(channel: number, text: string): void {
    this.ws.send(Buffer.concat([Buffer.of(channel), Buffer.from(text)]));
  }

  async until(check: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  describe(): string {
    return JSON.stringify(this.frames.map((f) => [f.channel, f.data.toString("latin1").slice(0, 80)]));
  }
}

type Dialled = { tunnel: Tunnel; protocol: string } | { status: number; body: string };

function dial(
  path: string,
  options: {
    token?: string | null;
    protocols?: string[];
    base?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Dialled> {
  const token = options.token === undefined ? t.env.sandbox.adminToken : options.token;
  const ws = new WebSocket(
    `${options.base ?? t.env.sandbox.server.replace("https", "wss")}${path}`,
    options.protocols ?? CLIENT_PROTOCOLS,
    {
      ca,
      headers: { ...options.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    },
  );
  const tunnel = new Tunnel(ws);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ tunnel, protocol: ws.protocol }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
        ws.terminate();
      });
    });
    ws.on("error", reject);
  });
}

async function open(path: string, options?: Parameters<typeof dial>[1]): Promise<Tunnel> {
  const result = await dial(path, options);
  if (!("tunnel" in result)) throw new Error(`expected an upgrade, got ${result.status} ${result.body}`);
  return result.tunnel;
}

async function refused(path: string, options?: Parameters<typeof dial>[1]) {
  const result = await dial(path, options);
  if ("tunnel" in result) {
    result.tunnel.ws.terminate();
    throw new Error("expected a refusal, the upgrade succeeded");
  }
  const status = JSON.parse(result.body) as { kind: string; code: number; reason: string; message: string };
  assert.equal(status.kind, "Status");
  assert.equal(status.code, result.status);
  return status;
}

const forwardPath = (ns: string, pod: string, query: string) =>
  `/api/v1/namespaces/${ns}/pods/${pod}/portforward?${query}`;

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

/** Upgrades with a SPDY POST and returns a client end built from the framer. */
async function spdy(pod: string, namespace: string, base = t.env.sandbox.server) {
  const url = new URL(`${base}${forwardPath(namespace, pod, "")}`);
  const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, {
    method: "POST",
    ca,
    headers: {
      Authorization: `Bearer ${t.env.sandbox.adminToken}`,
      Connection: "Upgrade",
      Upgrade: "SPDY/3.1",
      "X-Stream-Protocol-Version": "portforward.k8s.io",
    },
  });
  req.end();
  const [, socket] = (await once(req, "upgrade")) as [unknown, Duplex];
  const writer = new SpdyFrameWriter();
  const reader = new SpdyFrameReader();
  const frames: SpdyFrame[] = [];
  socket.on("data", (chunk: Buffer) => frames.push(...reader.push(chunk)));
  const send = (frame: SpdyFrame) => socket.write(writer.encode(frame));
  let nextId = 1;
  return {
    socket,
    frames,
    /** Opens kubectl's stream pair for one connection: error stream, then data stream. */
    connect(port: number, requestId: number) {
      const headers = (type: string) => ({
        streamtype: [type],
        port: [String(port)],
        requestid: [String(requestId)],
      });
      const error = nextId;
      const data = nextId + 2;
      nextId += 4;
      send({
        type: "SYN_STREAM",
        streamId: error,
        associatedStreamId: 0,
        priority: 0,
        slot: 0,
        flags: 0,
        headers: headers("error"),
      });
      send({ type: "DATA", streamId: error, flags: FLAG_FIN, data: Buffer.alloc(0) });
      send({
        type: "SYN_STREAM",
        streamId: data,
        associatedStreamId: 0,
        priority: 0,
        slot: 0,
        flags: 0,
        headers: headers("data"),
      });
      const on = (id: number) =>
        Buffer.concat(frames.flatMap((f) => (f.type === "DATA" && f.streamId === id ? [f.data] : [])));
      const finished = (id: number) =>
        frames.some((f) => f.type === "DATA" && f.streamId === id && f.flags & FLAG_FIN);
      return {
        write: (bytes: Buffer, fin = false) =>
          send({ type: "DATA", streamId: data, flags: fin ? FLAG_FIN : 0, data: bytes }),
        received: () => on(data),
        errors: () => on(error).toString("utf8"),
        finished: () => finished(data) && finished(error),
      };
    },
  };
}

describe("pods/portforward over WebSocket", () => {
  test("picks v4.channel.k8s.io from client-node's list and opens both channels with the port, little-endian", async () => {
    const result = await dial(forwardPath("istio-system", gatewayPod, "ports=8080"));
    assert.ok("tunnel" in result, JSON.stringify(result));
    const { tunnel, protocol } = result;
    assert.equal(protocol, "v4.channel.k8s.io");
    await tunnel.until(() => tunnel.frames.length >= 2, "the port frames");
    assert.deepEqual(tunnel.frames.slice(0, 2), [
      { channel: 0, data: Buffer.of(0x90, 0x1f) },
      { channel: 1, data: Buffer.of(0x90, 0x1f) },
    ]);
    tunnel.ws.close();
    await tunnel.closed;
  });

  test("a request on the data channel reaches the gateway, and the pod hanging up closes the WebSocket after its answer", async () => {
    const tunnel = await open(forwardPath("istio-system", gatewayPod, "ports=8080"));
    tunnel.send(0, GET("/productpage", "Connection: close\r\n"));
    const code = await tunnel.closed;
    assert.equal(code, 1000);
    const answer = tunnel.text(0);
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /<title>Simple Bookstore App<\/title>/);
    assert.match(answer, /<\/html>\s*$/, "the whole page arrives before the close");
    assert.equal(tunnel.text(1), "", "nothing on the error channel");
  });

  test("a Bookinfo pod's 9080 answers directly; a client without a subprotocol gets the same binary framing", async () => {
    const result = await dial(forwardPath(t.ns, detailsPod, "ports=9080"), { protocols: [] });
    assert.ok("tunnel" in result);
    assert.equal(result.protocol, "");
    result.tunnel.send(0, GET("/health", "Connection: close\r\n"));
    await result.tunnel.closed;
    assert.match(result.tunnel.text(0), /^HTTP\/1\.1 200 OK\r\n[\s\S]*Details is healthy/);
  });

  test("two ports in one tunnel: each on its own channels, a closed one reported on its error channel", async () => {
    const tunnel = await open(forwardPath("istio-system", gatewayPod, "ports=8080&ports=9999"));
    await tunnel.until(() => tunnel.text(3) !== "", "the error for 9999");
    assert.deepEqual(
      tunnel.frames.filter((f) => f.channel === 2)[0]?.data,
      Buffer.of(0x0f, 0x27),
      "channel 2 starts with 9999",
    );
    assert.match(
      tunnel.text(3),
      /^error forwarding port 9999 to pod [0-9a-f]+, uid : .*connect: connection refused/,
    );
    assert.equal(tunnel.ws.readyState, WebSocket.OPEN, "the other port stays open");
    tunnel.send(0, GET("/productpage", "Connection: close\r\n"));
    assert.equal(await tunnel.closed, 1000);
    assert.match(tunnel.text(0), /^HTTP\/1\.1 200 OK/);
  });

  test("a port nothing listens on: kubelet's error on the error channel, then the WebSocket closes", async () => {
    const tunnel = await open(forwardPath(t.ns, detailsPod, "ports=7777"));
    assert.equal(await tunnel.closed, 1000);
    assert.match(
      tunnel.text(1),
      /error forwarding port 7777 to pod .*127\.0\.0\.1:7777: connect: connection refused/,
    );
  });

  test("refusals are Kubernetes Status objects", async () => {
    const path = forwardPath("istio-system", gatewayPod, "ports=8080");
    const noToken = await refused(path, { token: null });
    assert.deepEqual([noToken.code, noToken.reason], [401, "Unauthorized"]);

    const viewer = await refused(path, { token: t.env.sandbox.viewerToken });
    assert.deepEqual([viewer.code, viewer.reason], [403, "Forbidden"]);
    assert.equal(
      viewer.message,
      `pods "${gatewayPod}" is forbidden: User "bookinfo-viewer" cannot create resource "pods/portforward" in API group "" in the namespace "istio-system"`,
    );

    const missing = await refused(forwardPath("istio-system", "nosuch", "ports=8080"));
    assert.deepEqual(
      [missing.code, missing.reason, missing.message],
      [404, "NotFound", 'pods "nosuch" not found'],
    );

    const noPorts = await refused(forwardPath("istio-system", gatewayPod, ""));
    assert.deepEqual([noPorts.code, noPorts.message], [400, 'query parameter "ports" is required']);
    const badPort = await refused(forwardPath("istio-system", gatewayPod, "ports=70000"));
    assert.deepEqual(
      [badPort.code, badPort.message],
      [400, 'unable to parse "70000" as a port: invalid syntax'],
    );
    const zero = await refused(forwardPath("istio-system", gatewayPod, "ports=0"));
    assert.deepEqual([zero.code, zero.message], [400, 'port "0" must be > 0']);

    const unknownProtocol = await refused(path, { protocols: ["v9.channel.k8s.io"] });
    assert.equal(unknownProtocol.code, 400);
    assert.match(
      unknownProtocol.message,
      /not supported: \[v9\.channel\.k8s\.io\]; supports \[v4\.channel\.k8s\.io SPDY\/3\.1\+portforward\.k8s\.io\]/,
    );

    const attach = await refused(`/api/v1/namespaces/${t.ns}/pods/${detailsPod}/attach?stdout=true`);
    assert.equal(attach.code, 400);
    assert.match(attach.message, /pods\/\{name\}\/portforward and pods\/\{name\}\/exec do/);
  });

  test("a pod that is not running cannot be forwarded to, in kubectl's words", async () => {
    const pods = findResource("", "v1", "pods")!;
    t.env.sandbox.objects.create(
      pods,
      t.ns,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "parked", namespace: t.ns },
        // Bound to a node the sandbox's kubelet does not run, so it stays Pending.
        spec: { nodeName: "elsewhere", containers: [{ name: "app", image: "busybox" }] },
      } as Pod,
      { manager: "test" },
    );
    const status = await refused(forwardPath(t.ns, "parked", "ports=9080"));
    assert.deepEqual(
      [status.code, status.message],
      [400, "unable to forward port because pod is not running. Current status=Pending"],
    );
  });

  test("a SPDY POST negotiates portforward.k8s.io, and is refused without it", async () => {
    const post = async (protocols: string[]) => {
      const url = new URL(`${t.env.sandbox.server}${forwardPath("istio-system", gatewayPod, "")}`);
      const req = httpsRequest(url, {
        method: "POST",
        ca,
        headers: {
          Authorization: `Bearer ${t.env.sandbox.adminToken}`,
          Connection: "Upgrade",
          Upgrade: "SPDY/3.1",
          ...(protocols.length ? { "X-Stream-Protocol-Version": protocols } : {}),
        },
      });
      req.end();
      return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve) => {
        req.once("upgrade", (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
        });
        req.once("response", async (res) => {
          let body = "";
          for await (const chunk of res) body += chunk;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
    };
    const upgraded = await post(["portforward.k8s.io"]);
    assert.equal(upgraded.status, 101);
    assert.equal(upgraded.headers.upgrade, "SPDY/3.1");
    assert.equal(upgraded.headers["x-stream-protocol-version"], "portforward.k8s.io");

    const other = await post(["v4.channel.k8s.io"]);
    assert.equal(other.status, 403);
    assert.match(
      (JSON.parse(other.body) as { message: string }).message,
      /unable to negotiate protocol: client supports \[v4\.channel\.k8s\.io\], server accepts \[portforward\.k8s\.io\]/,
    );
    const none = await post([]);
    assert.equal(none.status, 400);
    assert.match(
      (JSON.parse(none.body) as { message: string }).message,
      /X-Stream-Protocol-Version is required/,
    );
  });
});

describe("a forward's two ends", () => {
  let server: Server;
  let forwards: StreamingServer;
  let base: string;
  const podSides: Duplex[] = [];
  const connector: PodConnector = {
    acceptConnection(_target: PodTarget, socket: Duplex) {
      podSides.push(socket);
      // An echo server that answers only once asked, so the test controls who ends first.
      socket.on("data", (chunk: Buffer) => {
        if (chunk.toString() === "bye") socket.end("farewell");
        else socket.write(chunk);
      });
      return true;
    },
  };

  before(async () => {
    forwards = new StreamingServer({ objects: t.env.sandbox.objects, connector });
    server = createServer();
    server.on("upgrade", (req, socket, head) =>
      forwards.handleUpgrade(req, socket, head, {
        name: "test",
        groups: ["system:masters", "system:authenticated"],
      }),
    );
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    forwards.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const path = () => forwardPath(t.ns, detailsPod, "ports=9080");

  test("a client that vanishes mid-connection leaves nothing open on the pod's side", async () => {
    const tunnel = await open(path(), { base });
    tunnel.send(0, "ping");
    await tunnel.until(() => tunnel.text(0) === "ping", "the echo");
    const pod = podSides.at(-1)!;
    assert.equal(forwards.tunnels, 1);
    // No close frame, no FIN handshake: the client is just gone.
    tunnel.ws.terminate();
    await tunnel.closed;
    await eventually(() => pod.destroyed, "the pod's connection is closed");
    await eventually(() => forwards.tunnels === 0, "the server forgets the tunnel");
  });

  test("the pod hanging up closes the WebSocket normally, after everything it wrote", async () => {
    const tunnel = await open(path(), { base });
    tunnel.send(0, "bye");
    assert.equal(await tunnel.closed, 1000);
    assert.equal(tunnel.text(0), "farewell");
    await eventually(() => forwards.tunnels === 0, "the server forgets the tunnel");
  });

  test("SPDY carries megabytes both ways, with the pod reading no faster than it echoes", async () => {
    const client = await spdy(detailsPod, t.ns, base.replace("ws:", "http:"));
    const conn = client.connect(9080, 0);
    const payload = Buffer.alloc(3 * 1024 * 1024, "abcdefghij");
    for (let at = 0; at < payload.length; at += 60_000) conn.write(payload.subarray(at, at + 60_000));
    await eventually(() => conn.received().length >= payload.length, "the whole echo", 20_000);
    assert.ok(conn.received().equals(payload));
    conn.write(Buffer.from("bye"));
    await eventually(() => conn.finished(), "the pod's farewell ends both streams");
    assert.equal(conn.received().subarray(payload.length).toString(), "farewell");
    client.socket.destroy();
  });

  test("close() ends open forwards at once and refuses new ones", async () => {
    const tunnel = await open(path(), { base });
    forwards.close();
    assert.equal(await tunnel.closed, 1006);
    assert.ok(podSides.at(-1)!.destroyed);
    await assert.rejects(dial(path(), { base }));
  });
});

describe("pods/portforward over SPDY", () => {
  test("a stream pair reaches the pod's port; both streams end when the pod hangs up", async () => {
    const client = await spdy(detailsPod, t.ns);
    const conn = client.connect(9080, 0);
    conn.write(Buffer.from(GET("/details/0", "Connection: close\r\n")));
    await eventually(() => conn.finished(), "both streams end", 5000);
    assert.match(conn.received().toString(), /^HTTP\/1\.1 200 OK[\s\S]*"author":"William Shakespeare"/);
    assert.equal(conn.errors(), "");
    assert.equal(client.frames.filter((f) => f.type === "SYN_REPLY").length, 2);
    client.socket.destroy();
  });

  test("two connections at once on one session, and a refused port on its error stream", async () => {
    const client = await spdy(detailsPod, t.ns);
    const first = client.connect(9080, 0);
    const refused = client.connect(7777, 1);
    first.write(Buffer.from(GET("/health", "Connection: close\r\n")));
    await eventually(() => first.finished() && refused.finished(), "both connections end", 5000);
    assert.match(first.received().toString(), /Details is healthy/);
    assert.match(refused.errors(), /error forwarding port 7777 to pod .*connect: connection refused/);
    client.socket.destroy();
  });

  test("an unusable stream (no port, bad stream type) is reset, not answered", async () => {
    const client = await spdy(detailsPod, t.ns);
    const writer = new SpdyFrameWriter();
    client.socket.write(
      Buffer.concat([
        writer.encode({
          type: "SYN_STREAM",
          streamId: 1,
          associatedStreamId: 0,
          priority: 0,
          slot: 0,
          flags: 0,
          headers: { streamtype: ["data"] },
        }),
        writer.encode({
          type: "SYN_STREAM",
          streamId: 3,
          associatedStreamId: 0,
          priority: 0,
          slot: 0,
          flags: 0,
          headers: { streamtype: ["video"], port: ["80"] },
        }),
      ]),
    );
    await eventually(() => client.frames.length === 2, "two answers");
    assert.deepEqual(
      client.frames.map((f) => f.type),
      ["RST_STREAM", "RST_STREAM"],
    );
    client.socket.destroy();
  });
});

test("stopping the sandbox ends the forwards still open, promptly", async () => {
  const tunnels = [
    await open(forwardPath("istio-system", gatewayPod, "ports=8080")),
    await open(forwardPath(t.ns, detailsPod, "ports=9080")),
  ];
  // One of them mid-conversation, keep-alive, so only the shutdown can end it.
  tunnels[1]!.send(0, GET("/health"));
  await tunnels[1]!.until(() => tunnels[1]!.text(0).includes("healthy"), "the health answer");
  const started = Date.now();
  await t.env.sandbox.stop();
  assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
  await Promise.all(tunnels.map((tunnel) => tunnel.closed));
});

async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
