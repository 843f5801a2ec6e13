import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type http from "node:http";
import { after, afterEach, describe, test } from "node:test";
import type { Sample } from "../../../source/model/snapshot.ts";
import { networkErrorKind } from "../../../source/traffic/networkErrorKind.ts";
import { productPageUrl, Sampler, sampleProductPage } from "../../../source/traffic/sampler.ts";
import { summarizeSamples } from "../../../source/traffic/statistics.ts";
import { closedPort, countResources, type LocalServer, startServer } from "./localServer.ts";

const FIXTURES = new URL("../../fixtures/productpage/", import.meta.url);
const page = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");
const PAGES = ["tailwind-v1.html", "tailwind-v2.html", "tailwind-v3.html"].map(page);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on("unhandledRejection", onUnhandled);
after(() => {
  process.off("unhandledRejection", onUnhandled);
  assert.deepEqual(unhandled, []);
});

// Every server and sampler a test makes is closed after it, pass or fail.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
async function server(handler: http.RequestListener): Promise<LocalServer> {
  const local = await startServer(handler);
  cleanups.push(() => local.close());
  return local;
}
function sampler(options: ConstructorParameters<typeof Sampler>[0]): Sampler {
  const made = new Sampler(options);
  cleanups.push(() => made.stop());
  return made;
}

/** Answers the three reviews versions in turn, as Istio's round robin does without rules. */
function rotatingPages(delayMs = 0): http.RequestListener {
  let next = 0;
  return (_request, response) => {
    const body = PAGES[next++ % PAGES.length]!;
    const send = () => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
    if (delayMs > 0) setTimeout(send, delayMs);
    else send();
  };
}
const never: http.RequestListener = () => {};
// Several tests wait for events that a broken sampler never produces; they fail by name instead of
// stalling the run.
const LIMIT = { timeout: 10_000 };

describe("sampleProductPage", () => {
  test("requests /productpage and classifies the page", LIMIT, async () => {
    const local = await server(rotatingPages());
    const sample = await sampleProductPage(local.url);
    assert.deepEqual(local.paths, ["/productpage"]);
    assert.equal(sample.code, 200);
    assert.equal(sample.version, "v1");
    assert.equal(sample.reviewsPod, "reviews-v1-7b9f8c6d5f-h2x9k");
    assert.equal(sample.error, undefined);
    assert.equal(sample.pageErrors, undefined);
    assert.ok(sample.latencyMs >= 0 && sample.latencyMs < 5000);
    assert.ok(Math.abs(sample.at - Date.now()) < 5000);
  });

  test("records Envoy's answers as codes without a version", LIMIT, async () => {
    const local = await server((request, response) => {
      const headers = { server: "istio-envoy", "content-type": "text/plain" };
      if (request.headers["x-case"] === "no-route") response.writeHead(404, headers).end();
      else if (request.headers["x-case"] === "no-upstream")
        response.writeHead(503, headers).end("no healthy upstream");
      else response.writeHead(500, headers).end("fault filter abort");
    });
    const fetch = (name: string) => sampleProductPage(local.url, { headers: { "x-case": name } });
    const [noRoute, noUpstream, abort] = await Promise.all([
      fetch("no-route"),
      fetch("no-upstream"),
      fetch("abort"),
    ]);
    for (const [sample, code] of [
      [noRoute, 404],
      [noUpstream, 503],
      [abort, 500],
    ] as const) {
      assert.equal(sample.code, code);
      assert.equal(sample.version, undefined);
      assert.equal(sample.error, undefined);
    }
  });

  test("reports the page errors of a 200 page", LIMIT, async () => {
    const local = await server((_request, response) => response.end(page("tailwind-both-errors.html")));
    const sample = await sampleProductPage(local.url);
    assert.deepEqual(sample.pageErrors, ["details", "reviews"]);
    assert.equal(sample.version, undefined);
  });

  test("a server that never answers is a timeout, with no code", LIMIT, async () => {
    const local = await server(never);
    const sample = await sampleProductPage(local.url, { timeoutMs: 150 });
    assert.equal(sample.error, "timeout");
    assert.equal(sample.code, undefined);
    assert.ok(sample.latencyMs >= 140 && sample.latencyMs < 3000, `latency ${sample.latencyMs}`);
    await local.allClosed();
  });

  test("a body that stops half way is a timeout, and only that", LIMIT, async () => {
    const local = await server((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.write("<title>Simple Bookstore App</title>");
    });
    const sample = await sampleProductPage(local.url, { timeoutMs: 150 });
    assert.equal(sample.code, undefined);
    assert.equal(sample.error, "timeout");
    assert.equal(sample.version, undefined);
  });

  test("a closed port is refused", LIMIT, async () => {
    const sample = await sampleProductPage(`http://127.0.0.1:${await closedPort()}`, { timeoutMs: 5000 });
    assert.equal(sample.error, "refused");
    assert.equal(sample.code, undefined);
  });

  test("a connection reset is a reset", LIMIT, async () => {
    const local = await server((request) => request.socket.resetAndDestroy());
    const sample = await sampleProductPage(local.url, { timeoutMs: 5000 });
    assert.equal(sample.error, "reset");
    assert.equal(sample.code, undefined);
  });

  test(
    "a body cut off after the headers is one outcome, truncated: not a 200 and an error",
    LIMIT,
    async () => {
      const local = await server((request, response) => {
        response.writeHead(200, { "content-length": "100000" });
        response.write(page("tailwind-v2.html").slice(0, 5000), () => request.socket.resetAndDestroy());
      });
      const samples = await sampler({ url: local.url, concurrency: 4 }).burst(20);
      for (const sample of samples)
        assert.deepEqual([sample.code, sample.error, sample.version], [undefined, "truncated", undefined]);
      const summary = summarizeSamples(samples);
      assert.deepEqual(summary.codes, {});
      assert.deepEqual(summary.errors, { truncated: 20 }, "20 requests, 20 outcomes");
    },
  );

  test(
    "a connection closed cleanly mid-body (fewer bytes than Content-Length) is truncated",
    LIMIT,
    async () => {
      const local = await server((_request, response) => {
        const body = page("tailwind-v1.html");
        response.writeHead(200, { "content-length": String(body.length) });
        response.write(body.slice(0, 2000), () => response.socket?.end());
      });
      const sample = await sampleProductPage(local.url, { timeoutMs: 5000 });
      assert.deepEqual([sample.code, sample.error], [undefined, "truncated"]);
    },
  );

  test(
    "a 200 that is not a whole product page is its own kind of error, with no version",
    LIMIT,
    async () => {
      const bodies = [
        "<html><title>Welcome to nginx!</title></html>",
        "\u0000\u0001 garbage",
        // Cut short, but the chunked answer ended properly: no title-to-</html> page.
        page("tailwind-v3.html").slice(0, 4000),
      ];
      let next = 0;
      const local = await server((_request, response) => response.end(bodies[next++ % bodies.length]));
      for (let i = 0; i < bodies.length; i++) {
        const sample = await sampleProductPage(local.url, { timeoutMs: 5000 });
        assert.deepEqual(
          [sample.code, sample.error, sample.version],
          [undefined, "not-productpage", undefined],
        );
      }
    },
  );

  test("reads at most a megabyte of body and classifies what it read", LIMIT, async () => {
    const local = await server((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.write(page("tailwind-v3.html"));
      // Endless filler: without the cap the sample could only end in a timeout.
      const filler = Buffer.alloc(64 * 1024, " ");
      const pump = () => {
        while (!response.destroyed && response.write(filler)) {}
        if (!response.destroyed) response.once("drain", pump);
      };
      pump();
    });
    const sample = await sampleProductPage(local.url, { timeoutMs: 5000 });
    assert.equal(sample.code, 200);
    assert.equal(sample.version, "v3");
    assert.equal(sample.error, undefined);
  });

  test("retries once when a kept-alive socket turns out to be closed", LIMIT, async () => {
    const served = new WeakSet<object>();
    const local = await server((request, response) => {
      // The second request on a connection finds it gone, as when a gateway closed it while idle.
      if (served.has(request.socket)) return request.socket.destroy();
      served.add(request.socket);
      response.end(page("tailwind-v2.html"));
    });
    const made = sampler({ url: local.url, concurrency: 1 });
    const [first] = await made.burst(1);
    const [second] = await made.burst(1);
    assert.equal(first?.version, "v2");
    assert.equal(second?.code, 200, JSON.stringify(second));
    assert.equal(second?.version, "v2");
    assert.equal(local.connections.length, 2);
  });

  test("never throws, even for a URL it cannot use", LIMIT, async () => {
    for (const url of ["http://[not a host", "ftp://example.com"]) {
      const sample = await sampleProductPage(url);
      assert.equal(sample.error, "other");
    }
  });

  test("an aborted signal ends the request at once", LIMIT, async () => {
    const local = await server(never);
    const controller = new AbortController();
    const pending = sampleProductPage(local.url, { timeoutMs: 60_000, signal: controller.signal });
    await local.waitForInFlight(1);
    controller.abort();
    const sample = await pending;
    assert.equal(sample.error, "other");
    await local.allClosed();
  });
});

describe("productPageUrl", () => {
  test("accepts GATEWAY_URL as the tutorial exports it and as a URL", LIMIT, () => {
    assert.equal(productPageUrl("192.168.49.2:31380").href, "http://192.168.49.2:31380/productpage");
    assert.equal(productPageUrl("http://127.0.0.1:8080").href, "http://127.0.0.1:8080/productpage");
    assert.equal(productPageUrl("http://127.0.0.1:8080/").href, "http://127.0.0.1:8080/productpage");
    assert.equal(
      productPageUrl("https://bookinfo.example.com/productpage").href,
      "https://bookinfo.example.com/productpage",
    );
    assert.equal(productPageUrl("http://gw.example/shop").href, "http://gw.example/shop/productpage");
  });
});

describe("networkErrorKind", () => {
  test("maps Node's error codes to the sample's kinds", LIMIT, () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(networkErrorKind(error("ECONNREFUSED")), "refused");
    assert.equal(networkErrorKind(error("ECONNRESET")), "reset");
    assert.equal(networkErrorKind(error("EPIPE")), "reset");
    assert.equal(networkErrorKind(error("ENOTFOUND")), "dns");
    assert.equal(networkErrorKind(error("EAI_AGAIN")), "dns");
    assert.equal(networkErrorKind(error("ETIMEDOUT")), "timeout");
    assert.equal(networkErrorKind(error("EPROTO")), "other");
    assert.equal(networkErrorKind(new Error("no code")), "other");
    assert.equal(networkErrorKind("a string"), "other");
    assert.equal(
      networkErrorKind(new AggregateError([error("ECONNREFUSED"), error("ECONNREFUSED")])),
      "refused",
    );
  });
});

describe("Sampler", () => {
  test(
    "burst(100) returns 100 samples, never more than `concurrency` in flight, over kept-alive sockets",
    LIMIT,
    async () => {
      const local = await server(rotatingPages(5));
      const made = sampler({ url: local.url, concurrency: 3 });
      const samples = await made.burst(100);
      assert.equal(samples.length, 100);
      assert.equal(local.paths.length, 100);
      assert.equal(local.maxInFlight, 3);
      assert.ok(local.connections.length <= 3, `${local.connections.length} connections`);
      assert.deepEqual(summarizeSamples(samples).versions, { v1: 34, v2: 33, v3: 33, unknown: 0 });
      assert.deepEqual(summarizeSamples(samples).codes, { "200": 100 });
    },
  );

  test("start() samples at its rate until stop(), then leaves no timers or sockets", LIMIT, async () => {
    const timersBefore = countResources("Timeout");
    const socketsBefore = countResources("TCPSocketWrap");
    const local = await server(rotatingPages());
    const made = sampler({ url: local.url, ratePerSecond: 100, concurrency: 2 });
    const five = new Promise<Sample[]>((resolve) => {
      const seen: Sample[] = [];
      made.onSample((sample) => {
        seen.push(sample);
        if (seen.length === 5) resolve(seen);
      });
    });
    made.start();
    assert.equal(made.running, true);
    const seen = await five;
    assert.ok(seen.every((s) => s.code === 200 && s.version !== undefined));
    assert.ok(local.connections.length >= 1);
    await made.stop();
    assert.equal(made.running, false);
    assert.equal(made.inFlight, 0);
    await local.allClosed();
    assert.equal(countResources("Timeout"), timersBefore);
    assert.equal(countResources("TCPSocketWrap"), socketsBefore);
  });

  test("a slow gateway makes start() skip ticks rather than pile up requests", LIMIT, async () => {
    const local = await server(rotatingPages(100));
    const made = sampler({ url: local.url, ratePerSecond: 200, concurrency: 1 });
    const first = new Promise<void>((resolve) => made.onSample(() => resolve()));
    made.start();
    await first;
    assert.equal(local.maxInFlight, 1);
    assert.ok(made.skipped > 0);
  });

  test("stop() abandons requests in flight, ends a burst early and closes the sockets", LIMIT, async () => {
    const local = await server(never);
    const made = sampler({ url: local.url, concurrency: 2, timeoutMs: 60_000 });
    const listened: Sample[] = [];
    made.onSample((sample) => listened.push(sample));
    const started = performance.now();
    const burst = made.burst(5);
    await local.waitForInFlight(2);
    await made.stop();
    assert.deepEqual(await burst, []);
    assert.ok(performance.now() - started < 10_000);
    assert.equal(made.inFlight, 0);
    assert.equal(local.paths.length, 2);
    assert.deepEqual(listened, []);
    await local.allClosed();
  });

  test("start() and concurrent bursts share the same `concurrency` slots", LIMIT, async () => {
    // The sampler's own count, read as each request arrives: the agent's socket cap would hide
    // an overshoot from the server by queueing requests.
    let made: Sampler | undefined;
    let mostInFlight = 0;
    const pages = rotatingPages(5);
    const local = await server((request, response) => {
      mostInFlight = Math.max(mostInFlight, made?.inFlight ?? 0);
      pages(request, response);
    });
    made = sampler({ url: local.url, ratePerSecond: 200, concurrency: 3 });
    made.start();
    const [a, b] = await Promise.all([made.burst(30), made.burst(30)]);
    await made.stop();
    assert.equal(a.length + b.length, 60);
    assert.equal(mostInFlight, 3);
    assert.equal(local.maxInFlight, 3);
    assert.ok(local.connections.length <= 3, `${local.connections.length} connections`);
  });

  test("stop() closes the kept-alive idle sockets", LIMIT, async () => {
    const local = await server(rotatingPages());
    // Longer than the test's limit: only the client can close these sockets in time.
    local.server.keepAliveTimeout = 60_000;
    const made = sampler({ url: local.url, concurrency: 2 });
    await made.burst(6);
    const open = local.connections.filter((c) => !c.socket.closed);
    assert.ok(open.length >= 1, "idle sockets stay open between samples");
    await made.stop();
    await local.allClosed();
  });

  test("a stopped sampler can start again", LIMIT, async () => {
    const local = await server(rotatingPages());
    const made = sampler({ url: local.url });
    assert.equal((await made.burst(2)).length, 2);
    await made.stop();
    assert.equal((await made.burst(3)).length, 3);
  });

  test("latest() keeps the last `keep` samples, oldest first", LIMIT, async () => {
    const local = await server(rotatingPages());
    const made = sampler({ url: local.url, concurrency: 1, keep: 5 });
    const samples = await made.burst(12);
    assert.deepEqual(made.latest(), samples.slice(-5));
    made.latest().pop();
    assert.equal(made.latest().length, 5);
  });

  test("onSample returns an unsubscribe function", LIMIT, async () => {
    const local = await server(rotatingPages());
    const made = sampler({ url: local.url });
    let calls = 0;
    const unsubscribe = made.onSample(() => calls++);
    await made.burst(2);
    unsubscribe();
    await made.burst(2);
    assert.equal(calls, 2);
  });

  test("failures are samples too", LIMIT, async () => {
    const port = await closedPort();
    const made = sampler({ url: `http://127.0.0.1:${port}`, concurrency: 2, timeoutMs: 5000 });
    const samples = await made.burst(4);
    assert.deepEqual(summarizeSamples(samples).errors, { refused: 4 });
    assert.deepEqual(summarizeSamples(samples).codes, {});
  });

  test("rejects options that cannot work", LIMIT, () => {
    assert.throws(() => new Sampler({ url: "http://x", concurrency: 0 }), RangeError);
    assert.throws(() => new Sampler({ url: "http://x", ratePerSecond: -1 }), RangeError);
    assert.throws(() => new Sampler({ url: "http://x", timeoutMs: Number.NaN }), RangeError);
  });
});
