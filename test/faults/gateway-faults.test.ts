import assert from "node:assert/strict";
import { test } from "node:test";
import { Sampler } from "../../source/traffic/sampler.ts";
import { summarizeSamples } from "../../source/traffic/statistics.ts";
import { verify } from "../../source/tutorial/stages/verify.ts";
import { istioGatewayFile, nodePortGateway, snapshot } from "../unit/tutorial/fixtures.ts";
import { GATEWAY_FAULTS, startFaultyGateway } from "./gateways.ts";

// A gateway that refuses, stalls, truncates, floods or garbles: every sample is exactly one
// outcome, the right one, counted once; the sampler never hangs nor holds on to the flood.

for (const name of GATEWAY_FAULTS) {
  test(`a gateway that ${name}: each sample is one outcome, the expected one`, async () => {
    const gateway = await startFaultyGateway(name);
    // Shorter than the real per-sample timeout (the stall costs 3 s, not 10), longer than the slow page.
    const sampler = new Sampler({ url: gateway.url, concurrency: 8, timeoutMs: 3_000 });
    try {
      const started = performance.now();
      const samples = await sampler.burst(8);
      assert.equal(samples.length, 8);
      for (const sample of samples) {
        assert.ok((sample.code === undefined) !== (sample.error === undefined), JSON.stringify(sample));
        if ("code" in gateway.expected)
          assert.equal(sample.code, gateway.expected.code, JSON.stringify(sample));
        else assert.equal(sample.error, gateway.expected.error, JSON.stringify(sample));
      }
      const summary = summarizeSamples(samples);
      const outcomes =
        Object.values(summary.codes).reduce((a, b) => a + b, 0) +
        Object.values(summary.errors).reduce((a, b) => a + b, 0);
      assert.equal(outcomes, 8, "8 requests, 8 outcomes");
      assert.ok(performance.now() - started < 8_000, "bounded by the sample timeout");
    } finally {
      await sampler.stop();
      await gateway.close();
    }
  });
}

test("verify is not done on a gateway that garbles or truncates the page: those samples are no 200", async () => {
  const [gatewayObject, gatewayRoutes] = istioGatewayFile("networking.istio.io/v1");
  for (const name of ["garbles", "truncates"]) {
    const gateway = await startFaultyGateway(name);
    const sampler = new Sampler({ url: gateway.url, concurrency: 4, timeoutMs: 3_000 });
    try {
      const samples = await sampler.burst(4);
      const check = verify.check(
        snapshot({
          gateways: [gatewayObject!],
          virtualServices: [gatewayRoutes!],
          gateway: nodePortGateway,
          samples,
        }),
      );
      assert.notEqual(check.state, "done", `${name}: ${check.detail}`);
      assert.match(check.detail, /0 of the last 4 requests answered 200/);
    } finally {
      await sampler.stop();
      await gateway.close();
    }
  }
});
