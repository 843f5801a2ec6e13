import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { load } from "js-yaml";
import WebSocket from "ws";
import type { Pod } from "../../src/kube.ts";
import { deployBookinfo, type Tutorial } from "../../testing/tutorial.ts";

// pods/exec at the protocol level, as clients other than kubectl speak it: the channel
// protocols over WebSocket (client-node offers v4 and older), v5's close signal for stdin,
// the status on channel 3, and the refusals before the upgrade.

let t: Tutorial;
let ca: string;
let ratingsPod: string;

before(async () => {
  t = await deployBookinfo("exec-protocol", true);
  const config = load(t.env.sandbox.kubeconfig) as { clusters: { cluster: Record<string, string> }[] };
  ca = Buffer.from(config.clusters[0]!.cluster["certificate-authority-data"]!, "base64").toString();
  ratingsPod = ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[]).find(
    (p) => p.metadata.labels?.app === "ratings",
  )!.metadata.name!;
});
after(async () => t?.close());

interface Session {
  ws: WebSocket;
  channels: Map<number, Buffer>;
  closed: Promise<number>;
  text(channel: number): string;
  send(channel: number, data: string | Buffer): void;
}

function execPath(command: string[], extra: Record<string, string> = {}) {
  const query = new URLSearchParams({ container: "ratings", stdout: "true", stderr: "true", ...extra });
  for (const part of command) query.append("command", part);
  return `/api/v1/namespaces/${t.ns}/pods/${ratingsPod}/exec?${query}`;
}

function open(path: string, protocols: string[]): Promise<Session | { status: number; body: string }> {
  const ws = new WebSocket(`${t.env.sandbox.server.replace("https", "wss")}${path}`, protocols, {
    ca,
    headers: { Authorization: `Bearer ${t.env.sandbox.adminToken}` },
  });
  const channels = new Map<number, Buffer>();
  ws.on("message", (data: Buffer) => {
    const channel = data[0]!;
    channels.set(channel, Buffer.concat([channels.get(channel) ?? Buffer.alloc(0), data.subarray(1)]));
  });
  const closed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once("open", () =>
      resolve({
        ws,
        channels,
        closed,
        text: (channel) => (channels.get(channel) ?? Buffer.alloc(0)).toString("utf8"),
        send: (channel, data) => ws.send(Buffer.concat([Buffer.of(channel), Buffer.from(data)])),
      }),
    );
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", reject);
  });
}

async function session(path: string, protocols: string[]): Promise<Session> {
  const result = await open(path, protocols);
  if (!("ws" in result)) throw new Error(`refused: ${result.status} ${result.body}`);
  return result;
}

describe("pods/exec over WebSocket", () => {
  test("v4 (client-node's pick): stdout on 1, stderr on 2, a Status on 3, then close", async () => {
    const s = await session(execPath(["sh", "-c", "hostname; echo oops >&2; exit 3"]), [
      "v4.channel.k8s.io",
      "v3.channel.k8s.io",
      "channel.k8s.io",
    ]);
    assert.equal(s.ws.protocol, "v4.channel.k8s.io");
    assert.equal(await s.closed, 1000);
    assert.equal(s.text(1), `${ratingsPod}\n`);
    assert.equal(s.text(2), "oops\n");
    assert.deepEqual(JSON.parse(s.text(3)), {
      metadata: {},
      status: "Failure",
      message:
        "command terminated with non-zero exit code: error executing command [sh -c hostname; echo oops >&2; exit 3], exit code 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  test("success is a Success Status; an older protocol reports only failures, as text", async () => {
    const ok = await session(execPath(["true"]), ["v4.channel.k8s.io"]);
    await ok.closed;
    assert.deepEqual(JSON.parse(ok.text(3)), { metadata: {}, status: "Success" });
    const old = await session(execPath(["sh", "-c", "exit 2"]), ["v2.channel.k8s.io"]);
    await old.closed;
    assert.match(
      old.text(3),
      /^command terminated with non-zero exit code: error executing command \[sh -c exit 2\], exit code 2$/,
    );
  });

  test("v5: stdin until the client's close signal for channel 0", async () => {
    const s = await session(execPath(["wc", "-l"], { stdin: "true" }), ["v5.channel.k8s.io"]);
    s.send(0, "one\ntwo\n");
    s.send(0, "three\n");
    s.ws.send(Buffer.of(255, 0));
    assert.equal(await s.closed, 1000);
    assert.equal(s.text(1), "3\n");
  });

  test("with a TTY everything comes on stdout, lines end in CRLF, and the size follows resizes", async () => {
    const s = await session(execPath(["sh"], { stdin: "true", tty: "true", stderr: "false" }), [
      "v5.channel.k8s.io",
    ]);
    s.send(4, JSON.stringify({ Width: 100, Height: 30 }));
    s.send(0, "cat /nope\r");
    s.send(0, "stty size\r");
    s.send(0, "exit\r");
    assert.equal(await s.closed, 1000);
    assert.equal(
      s.text(1),
      "$ cat /nope\r\ncat: /nope: No such file or directory\r\n$ stty size\r\n30 100\r\n$ exit\r\n",
    );
    assert.equal(s.channels.has(2), false);
  });

  test("refusals before the upgrade, in the API server's and kubelet's words", async () => {
    const noContainer = await open(execPath(["ls"]).replace("container=ratings&", ""), ["v5.channel.k8s.io"]);
    assert.ok(!("ws" in noContainer));
    assert.equal(noContainer.status, 400);
    assert.match(
      JSON.parse(noContainer.body).message,
      new RegExp(
        `^a container name must be specified for pod ${ratingsPod}, choose one of: \\[ratings istio-proxy\\] or one of the init containers: \\[istio-init\\]$`,
      ),
    );
    const noStreams = await open(execPath(["ls"], { stdout: "false", stderr: "false" }), [
      "v5.channel.k8s.io",
    ]);
    assert.ok(!("ws" in noStreams));
    assert.match(JSON.parse(noStreams.body).message, /you must specify at least 1 of stdin, stdout, stderr/);
    const unknown = await open(execPath(["ls"]), ["v9.channel.k8s.io"]);
    assert.ok(!("ws" in unknown));
    assert.match(
      JSON.parse(unknown.body).message,
      /requested protocol\(s\) are not supported: \[v9\.channel\.k8s\.io\]/,
    );
  });
});
