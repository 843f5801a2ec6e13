import assert from "node:assert/strict";
import { Agent, request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { requestPath } from "../../../src/dataplane/gatewayServer.ts";
import { type DataPlane, startDataPlane } from "../../../src/dataplane/index.ts";
import { freeNodePorts } from "../../../src/ports.ts";
import type { Store } from "../../../src/store/store.ts";
import {
  addBookinfo,
  addIngressGateway,
  allDestinationRules,
  gateway,
  gatewayVirtualService,
  ManualClock,
  newStore,
  toSubset,
  virtualService,
} from "./fixtures.ts";

// The gateway's real socket on a bare store: when it listens, and how it copes with clients.

const NS = "default";
const GW = "gateways.networking.istio.io";
const VS = "virtualservices.networking.istio.io";

let store: Store;
let port: number;
let dataPlane: DataPlane;
let clock: ManualClock;

before(async () => {
  [port] = (await freeNodePorts(1)) as [number];
  store = newStore();
  addIngressGateway(store, port);
  addBookinfo(store, NS);
  clock = new ManualClock();
  dataPlane = await startDataPlane({ store, httpNodePort: port, clock });
});
after(async () => dataPlane.stop());

function tryConnect(): Promise<"connected" | string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

/** Polls until the port gives `want`; the deadline is generous (the 100 ms goal lives in bench/sandbox.ts). */
async function eventually(want: string, ms = 5000): Promise<number> {
  const start = performance.now();
  for (;;) {
    const got = await tryConnect();
    const elapsed = performance.now() - start;
    if (got === want) return elapsed;
    if (elapsed > ms) assert.fail(`still ${got} after ${Math.round(elapsed)} ms, wanted ${want}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Writes raw bytes and collects whatever comes back until the server closes or `ms` pass. */
function raw(bytes: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (d) => {
      data += d;
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve(data));
    socket.setTimeout(ms, () => {
      socket.destroy();
      resolve(data);
    });
    socket.write(bytes);
  });
}

function get(path: string, agent?: Agent, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown>; reused: boolean }>(
    (resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, path, agent, headers }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, reused: req.reusedSocket }),
        );
      });
      req.on("error", reject);
      req.end();
    },
  );
}

describe("the gateway's node port", () => {
  test("refuses connections until a Gateway selects the gateway pods, then opens", async () => {
    assert.equal(await tryConnect(), "ECONNREFUSED");
    assert.equal(dataPlane.listening, false);
    store.create(GW, gateway(NS));
    await eventually("connected");
    const r = await get("/productpage");
    assert.equal(r.status, 404, "no VirtualService yet");
    assert.equal(r.headers.server, "istio-envoy");
    assert.equal(r.body, "");
  });

  test("closes again when the Gateway goes, and reopens for a port-80 Gateway", async () => {
    store.remove(GW, NS, "bookinfo-gateway");
    await eventually("ECONNREFUSED");
    store.create(GW, gateway(NS, 80));
    await eventually("connected");
    store.create(VS, gatewayVirtualService(NS));
    await dataPlane.settled();
    const r = await get("/productpage");
    assert.equal(r.status, 200);
    assert.match(r.body, /<title>Simple Bookstore App<\/title>/);
    assert.match(String(r.headers["x-envoy-upstream-service-time"]), /^\d+$/);
  });

  test("keeps connections alive between requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await get("/productpage", agent);
    const second = await get("/productpage", agent);
    agent.destroy();
    assert.equal(first.reused, false);
    assert.equal(second.reused, true);
  });

  test("malformed requests get 400 and a closed connection; others are served meanwhile", async () => {
    const garbage = await raw("THIS IS NOT HTTP\r\n\r\n");
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(garbage, /server: istio-envoy/);
    const badTarget = await raw("GET productpage HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(badTarget, /^HTTP\/1\.1 400 /);
    const noHost = await raw("GET /productpage HTTP/1.1\r\n\r\n");
    assert.match(noHost, /^HTTP\/1\.1 400 /);
    assert.equal((await get("/productpage")).status, 200);
  });

  test("oversized headers get 431", async () => {
    const huge = await raw(`GET /productpage HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70 * 1024)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal((await get("/productpage")).status, 200);
  });

  test("a body over the limit gets 413", async () => {
    const r = await raw(`POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`);
    assert.match(r, /^HTTP\/1\.1 413 /);
  });

  test("clients that stall or vanish mid-request do not hold up anyone else", async () => {
    const stalled: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {});
      s.write(
        i % 2
          ? "GET /productpage HTTP/1.1\r\nHost: x\r\nX-Slow: "
          : "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nusername=",
      );
      stalled.push(s);
    }
    const served = await Promise.all(Array.from({ length: 10 }, () => get("/productpage")));
    assert.ok(served.every((r) => r.status === 200));
    for (const s of stalled) s.destroy();
    const vanished = connect(port, "127.0.0.1");
    vanished.on("error", () => {});
    vanished.write("GET /productpage HTTP/1.1\r\nHost: x\r\n\r\n");
    vanished.destroy();
    assert.equal((await get("/productpage")).status, 200);
  });

  test("a client that leaves during a fault delay releases the delay's timer", async () => {
    allDestinationRules(store, NS);
    store.create(
      VS,
      virtualService(NS, "details", [
        {
          fault: { delay: { fixedDelay: "7s", percentage: { value: 100 } } },
          route: [toSubset("details", "v1")],
        },
      ]),
    );
    await dataPlane.settled();
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write("GET /productpage HTTP/1.1\r\nHost: x\r\n\r\n");
    for (let i = 0; i < 100 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(clock.pending > 0, "the delay is running");
    socket.destroy();
    for (let i = 0; i < 100 && clock.pending > 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(clock.pending, 0);
    store.remove(VS, NS, "details");
  });

  test("HEAD gets the headers without a body", async () => {
    const r = await raw("HEAD /productpage HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.match(r, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(r.endsWith("\r\n\r\n"), "no body after the headers");
  });
});

describe("request targets", () => {
  test("absolute form, dot segments and encoded dots are normalised before routing", () => {
    assert.equal(requestPath("/productpage?u=normal"), "/productpage?u=normal");
    assert.equal(requestPath("http://example.com/productpage?x=1"), "/productpage?x=1");
    assert.equal(requestPath("http://example.com"), "/");
    assert.equal(requestPath("/static/../productpage"), "/productpage");
    assert.equal(requestPath("/static/%2e%2e/productpage"), "/productpage");
    assert.equal(requestPath("productpage"), undefined);
    assert.equal(requestPath("*"), undefined);
  });
});
