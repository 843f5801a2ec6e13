import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { RoomSampler, sampleEach } from "../../../source/traffic/roomSampler.ts";
import { startServer } from "./localServer.ts";

// Sampling a room: every attendee's page with their own Host, at one rate shared by the room.

describe("the room's sampler", async () => {
  const hosts: string[] = [];
  const stamps: number[] = [];
  const server = await startServer((request, response) => {
    hosts.push(request.headers.host ?? "");
    stamps.push(performance.now());
    response.writeHead(request.headers.host === "slow.bookinfo.local" ? 503 : 200, {
      "content-type": "text/html",
    });
    response.end("<html><title>Simple Bookstore App</title><h4>Book Reviews</h4></html>");
  });
  after(() => server.close());

  test("one request per target per period, spread evenly, each with its target's Host", async () => {
    hosts.length = 0;
    stamps.length = 0;
    const sampler = new RoomSampler({ everyMs: 400 });
    const seen: string[] = [];
    sampler.onSample((key, sample) => seen.push(`${key}:${sample.code}`));
    sampler.setTargets(
      ["a", "b", "c", "d"].map((key) => ({ key, url: server.url, host: `${key}.bookinfo.local` })),
    );
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await sampler.stop();
    // 4 targets every 400 ms: a request every 100 ms, in turn, never four at once.
    assert.ok(hosts.length >= 8 && hosts.length <= 12, `${hosts.length} requests in about a second`);
    assert.deepEqual(hosts.slice(0, 8), [
      "a.bookinfo.local",
      "b.bookinfo.local",
      "c.bookinfo.local",
      "d.bookinfo.local",
      "a.bookinfo.local",
      "b.bookinfo.local",
      "c.bookinfo.local",
      "d.bookinfo.local",
    ]);
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
    assert.ok(Math.min(...gaps) > 50, `spread out: gaps ${gaps.map(Math.round).join(", ")} ms`);
    assert.equal(seen[0], "a:200");
    await server.allClosed();
  });

  test("sampleEach takes n pages of every target and sorts them by target", async () => {
    hosts.length = 0;
    const samples = await sampleEach(
      [
        { key: "ok", url: server.url, host: "ok.bookinfo.local" },
        { key: "slow", url: server.url, host: "slow.bookinfo.local" },
        { key: "any", url: server.url, host: null },
      ],
      3,
    );
    assert.deepEqual(
      [...samples].map(([key, list]) => [key, list.map((s) => s.code)]),
      [
        ["ok", [200, 200, 200]],
        ["slow", [503, 503, 503]],
        ["any", [200, 200, 200]],
      ],
    );
    assert.equal(
      hosts.filter((h) => h.startsWith("127.0.0.1:")).length,
      3,
      "no Host of its own: the address",
    );
    await server.allClosed();
  });
});
