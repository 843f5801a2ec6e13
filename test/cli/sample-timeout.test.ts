import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { SAMPLE_TIMEOUT_MS } from "../../source/traffic/sampler.ts";
import { startServer } from "../unit/traffic/localServer.ts";
import { bookinfo } from "./support.ts";

// `status` and the tour take the same time to give up on a page, so the same slow page is the
// same outcome in both. status used to give up after 2 s, the tour after 8 s.

let env: TestSandbox;
before(async () => {
  env = await openSandbox({ speed: 50 });
});
after(async () => env.close());

const PAGE = readFileSync(new URL("../fixtures/productpage/tailwind-v2.html", import.meta.url), "utf8");

test("status waits for a page as long as the tour does: a 3 s page is a 200, not a timeout", async () => {
  assert.ok(SAMPLE_TIMEOUT_MS > 7_000, "longer than the fault-injection task's 7 s delay");
  const slow = await startServer((_request, response) => {
    setTimeout(() => response.writeHead(200, { "content-type": "text/html" }).end(PAGE), 3_000);
  });
  try {
    const status = await bookinfo(
      env.kubeconfig,
      "status",
      "-n",
      "default",
      "-o",
      "json",
      "--samples",
      "2",
      "--gateway-url",
      slow.url,
    );
    const report = JSON.parse(status.stdout);
    assert.deepEqual(report.samples.codes, { "200": 2 }, status.stdout);
    assert.deepEqual(report.samples.errors, {});
    assert.equal(report.samples.versions.v2, 2);
  } finally {
    await slow.close();
  }
});
