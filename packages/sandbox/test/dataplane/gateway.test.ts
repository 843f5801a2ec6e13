import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import {
  curl,
  deployBookinfo,
  manifest,
  pages,
  podsGone,
  type Tutorial,
  tally,
} from "../../testing/tutorial.ts";

let t: Tutorial;

before(async () => {
  t = await deployBookinfo("bookinfo", true);
});
after(async () => t?.close());

describe("the ingress gateway, with curl and kubectl", () => {
  test("before any Gateway, curl cannot connect", async () => {
    const result = await curl("-sS", "-o", "/dev/null", `${t.gatewayUrl}/productpage`);
    assert.equal(result.code, 7, result.stderr);
    assert.match(result.stderr, /Failed to connect|Connection refused|Couldn't connect/);
  });

  test("after bookinfo-gateway.yaml, 200 with the title", async () => {
    await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
    const result = await curl("-s", `${t.gatewayUrl}/productpage`);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /<title>Simple Bookstore App<\/title>/);
  });

  test("over 90 requests each of v1, v2 and v3 answers at least 15 times", async () => {
    const mix = tally(await pages(`${t.gatewayUrl}/productpage`, 90));
    for (const v of ["v1", "v2", "v3"]) assert.ok((mix[v] ?? 0) >= 15, JSON.stringify(mix));
  });

  test("/nosuchpath gets 404 from istio-envoy with an empty body", async () => {
    const result = await curl("-s", "-i", `${t.gatewayUrl}/nosuchpath`);
    const [head, body] = result.stdout.split("\r\n\r\n");
    assert.match(head!, /^HTTP\/1\.1 404 Not Found/);
    assert.match(head!, /^server: istio-envoy$/im);
    assert.equal(body, "");
  });

  test("oversized headers get 431 and the gateway keeps serving", async () => {
    const big = await curl(
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      `X-Big: ${"a".repeat(70_000)}`,
      `${t.gatewayUrl}/productpage`,
    );
    assert.equal(big.stdout, "431");
    const status = await curl("-s", "-o", "/dev/null", "-w", "%{http_code}", `${t.gatewayUrl}/productpage`);
    assert.equal(status.stdout, "200");
  });

  test("malformed requests and clients that vanish get 400 or a closed connection; others are served", async () => {
    const url = new URL(t.gatewayUrl);
    const raw = (bytes: string, destroyAfterWrite = false) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(url.port), url.hostname);
        let data = "";
        socket.on("data", (d) => {
          data += d;
        });
        socket.on("error", () => resolve(data));
        socket.on("close", () => resolve(data));
        socket.write(bytes, () => {
          if (destroyAfterWrite) socket.destroy();
        });
      });
    assert.match(await raw("NOT HTTP AT ALL\r\n\r\n"), /^HTTP\/1\.1 400 /);
    await raw("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nusername=ja", true);
    await raw("GET /productpage HTTP/1.1\r\nHost: x\r\n\r\n", true);
    const status = await curl("-s", "-o", "/dev/null", "-w", "%{http_code}", `${t.gatewayUrl}/productpage`);
    assert.equal(status.stdout, "200");
  });

  test("productpage scaled to 0: 503 no healthy upstream", async () => {
    await t.ok("-n", t.ns, "scale", "deployment", "productpage-v1", "--replicas=0");
    await podsGone(t, "productpage-v1");
    const result = await curl("-s", "-w", "\n%{http_code}", `${t.gatewayUrl}/productpage`);
    assert.equal(result.stdout, "no healthy upstream\n503");
  });
});
