import assert from "node:assert/strict";
import { request } from "node:http";
import { createServer, type Server } from "node:net";
import { after, before, describe, test } from "node:test";
import { type DataPlane, type PodTarget, startDataPlane } from "../../../src/dataplane/index.ts";
import { freeNodePorts } from "../../../src/ports.ts";
import type { Store } from "../../../src/store/store.ts";
import {
  addBookinfo,
  addIngressGateway,
  gateway,
  gatewayVirtualService,
  newStore,
  POD_NAMES,
} from "./fixtures.ts";

// What a port-forward implementation gets from acceptConnection: a local TCP server stands in
// for kubectl's end of the tunnel and hands each socket over.

let store: Store;
let dataPlane: DataPlane;
let forwarder: Server;
let target: PodTarget;
let forwardPort: number;

before(async () => {
  const [nodePort] = (await freeNodePorts(1)) as [number];
  store = newStore();
  addIngressGateway(store, nodePort);
  addBookinfo(store, "default");
  dataPlane = await startDataPlane({ store, httpNodePort: nodePort });
  forwarder = createServer((socket) => {
    if (!dataPlane.acceptConnection(target, socket)) socket.destroy();
  });
  await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
  forwardPort = (forwarder.address() as { port: number }).port;
});
after(async () => {
  await dataPlane.stop();
  forwarder.close();
});

/** A fresh connection per request, so each one goes to the current target. */
const get = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: forwardPort, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });

describe("connections handed over by a port-forward", () => {
  test("productpage's own port answers every path, /health included, with no proxy in between", async () => {
    target = { namespace: "default", pod: POD_NAMES.productpage, port: 9080 };
    assert.deepEqual(await get("/health"), { status: 200, body: "Product page is healthy" });
    const index = await get("/");
    assert.match(index.body, /productpage\?u=normal/);
    const page = await get("/productpage");
    assert.match(page.body, /Reviews served by:/);
  });

  test("a reviews pod answers as itself", async () => {
    target = { namespace: "default", pod: POD_NAMES["reviews-v2"], port: 9080 };
    const r = JSON.parse((await get("/reviews/0")).body);
    assert.equal(r.podname, POD_NAMES["reviews-v2"]);
    assert.deepEqual(r.reviews[0].rating, { stars: 5, color: "black" });
  });

  test("the gateway pod's 8080 refuses until a Gateway exists, then routes like the node port", async () => {
    target = { namespace: "istio-system", pod: "istio-ingressgateway-6c7f9d8b5-q2w8z", port: 8080 };
    await assert.rejects(get("/productpage"));
    store.create("gateways.networking.istio.io", gateway("default"));
    store.create("virtualservices.networking.istio.io", gatewayVirtualService("default"));
    const page = await get("/productpage");
    assert.equal(page.status, 200);
    assert.equal((await get("/health")).status, 404);
  });

  test("unknown pods and ports refuse", async () => {
    target = { namespace: "default", pod: "nope", port: 9080 };
    await assert.rejects(get("/"));
    target = { namespace: "default", pod: POD_NAMES.details, port: 1234 };
    await assert.rejects(get("/"));
  });
});
