import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { verify } from "../../../source/tutorial/stages/verify.ts";
import { bookinfo, failed, fixText, istioGatewayFile, nodePortGateway, ok, snapshot } from "./fixtures.ts";

const [gatewayObject, gatewayRoutes] = istioGatewayFile("networking.istio.io/v1");
const gatewayApplied = { gateways: [gatewayObject!], virtualServices: [gatewayRoutes!] };
const deployed = bookinfo();

describe("verify check", () => {
  test("pending without an address, and before the first sample", () => {
    assert.deepEqual(verify.check(snapshot({ samples: [ok("v1")] })), {
      state: "pending",
      detail: "no gateway address yet",
    });
    const waiting = verify.check(snapshot({ gateway: nodePortGateway }));
    assert.equal(waiting.state, "pending");
    assert.match(
      waiting.detail,
      /waiting for the first answer from http:\/\/172\.18\.0\.2:31380\/productpage/,
    );
  });

  test("done when the latest sample answered 200, naming the code and version", () => {
    const check = verify.check(
      snapshot({ ...deployed, gateway: nodePortGateway, samples: [failed(503), ok("v1"), ok("v3")] }),
    );
    assert.equal(check.state, "done");
    assert.equal(check.detail, "200 OK, reviews v3 (2 of the last 3 requests answered 200)");
  });

  test("done but saying so when the page reports a backend unavailable", () => {
    const page = { ...ok(undefined), pageErrors: ["details" as const, "reviews" as const] };
    const check = verify.check(snapshot({ gateway: nodePortGateway, samples: [page] }));
    assert.equal(check.state, "done");
    assert.match(check.detail, /reviews version not shown; the page reports details and reviews unavailable/);
  });

  for (const [sample, what, hint] of [
    [failed("refused"), "connection refused", /not listening.*Gateway.*port/],
    [failed("reset"), "connection reset", /port/],
    [failed("timeout"), "no answer (timeout)", /LoadBalancer/],
    [failed("dns"), "host name does not resolve", /GATEWAY_URL/],
    [failed("truncated"), "the answer broke off", /closed in the middle of the page/],
    [
      failed("not-productpage"),
      "200, but not Bookinfo's product page",
      /something else answers at GATEWAY_URL/,
    ],
    [failed(404), "404 Not Found", /VirtualService bookinfo/],
    [failed(503), "503 Service Unavailable", /productpage has no ready pods/],
    [failed(504), "504 from the gateway", /logs deploy\/productpage-v1/],
    [failed(500), "HTTP 500", /logs/],
  ] as const) {
    test(`failed with a hint when the latest answer is ${what}`, () => {
      const check = verify.check(
        snapshot({ ...gatewayApplied, gateway: nodePortGateway, samples: [ok("v1"), sample] }),
      );
      assert.equal(check.state, "failed");
      assert.equal(check.detail, `${what} (1 of the last 2 requests answered 200)`);
      assert.match(fixText(check.fix), hint);
    });
  }

  test("before the gateway stage a refusal is where the tour stands, not a failure", () => {
    const check = verify.check(snapshot({ gateway: nodePortGateway, samples: [failed("refused")] }));
    assert.equal(check.state, "pending");
    assert.equal(
      check.detail,
      "connection refused, as expected until the gateway stage is done (the one request so far did not answer 200)",
    );
  });

  test("recovers as soon as the latest sample is a 200 again", () => {
    const samples = [failed("refused"), failed("refused"), ok("v2")];
    assert.equal(verify.check(snapshot({ ...deployed, gateway: nodePortGateway, samples })).state, "done");
  });

  test("commands: GATEWAY_URL from the known address, then the docs' curl", () => {
    assert.deepEqual(verify.commands(snapshot({ gateway: nodePortGateway })), [
      "export GATEWAY_URL=172.18.0.2:31380",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell expands it, not JavaScript
      'curl -s "http://${GATEWAY_URL}/productpage" | grep -o "<title>.*</title>"',
    ]);
    const unknown = verify.commands(snapshot());
    assert.match(unknown.at(-2)!, /^export GATEWAY_URL=\$INGRESS_HOST:\$INGRESS_PORT$/);
    assert.deepEqual(verify.manifests, []);
  });

  describe("never done on pages another namespace's Bookinfo served", () => {
    const elsewhere = { ...ok("v2"), reviewsPod: "reviews-v2-5b667bcbf8-abcde" };

    test("an empty namespace sampling the shared ingress: pending, and why", () => {
      const check = verify.check(snapshot({ gateway: nodePortGateway, samples: [elsewhere] }));
      assert.deepEqual(check, {
        state: "pending",
        detail:
          "200 OK from another namespace's Bookinfo: reviews pod reviews-v2-5b667bcbf8-abcde is not in namespace bookinfo; this namespace's answers once the gateway stage is done (the one request so far answered 200)",
      });
      // Older pages do not name the pod; a version with no reviews pod here is still not ours.
      const unnamed = verify.check(snapshot({ gateway: nodePortGateway, samples: [ok("v3")] }));
      assert.equal(unnamed.state, "pending");
      assert.match(
        unnamed.detail,
        /200 OK from another namespace's Bookinfo: its reviews pod is not in namespace bookinfo/,
      );
    });

    test("with this namespace's gateway applied: failed, pointing at the other Gateways", () => {
      const check = verify.check(
        snapshot({ ...deployed, ...gatewayApplied, gateway: nodePortGateway, samples: [elsewhere] }),
      );
      assert.equal(check.state, "failed");
      assert.equal(
        check.detail,
        "200 OK from another namespace's Bookinfo: reviews pod reviews-v2-5b667bcbf8-abcde is not in namespace bookinfo (the one request so far answered 200)",
      );
      assert.match(fixText(check.fix), /kubectl get gateways,virtualservices --all-namespaces/);
    });

    test("its own reviews pod on the page is done", () => {
      const own = { ...elsewhere, reviewsPod: "reviews-v2-7d9f8c6b5-x2k9q" };
      const check = verify.check(
        snapshot({ ...deployed, ...gatewayApplied, gateway: nodePortGateway, samples: [own] }),
      );
      assert.equal(check.state, "done");
    });
  });
});
