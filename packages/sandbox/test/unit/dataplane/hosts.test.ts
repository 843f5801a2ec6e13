import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dnsCandidates, gatewayServerHost, hostMatches, ruleHost } from "../../../src/dataplane/hosts.ts";
import { hostWithoutPort } from "../../../src/dataplane/http.ts";

describe("host names", () => {
  test("a short rule host resolves in the rule's namespace; names with dots are literal", () => {
    assert.equal(ruleHost("reviews", "bookinfo"), "reviews.bookinfo.svc.cluster.local");
    assert.equal(ruleHost("Reviews.", "bookinfo"), "reviews.bookinfo.svc.cluster.local");
    assert.equal(ruleHost("reviews.other.svc.cluster.local", "bookinfo"), "reviews.other.svc.cluster.local");
    assert.equal(ruleHost("reviews.other", "bookinfo"), "reviews.other");
    assert.equal(ruleHost("*", "bookinfo"), "*");
  });

  test("a pod's resolver expands names with its namespace search path", () => {
    assert.deepEqual(dnsCandidates("details", "bookinfo"), ["details.bookinfo.svc.cluster.local"]);
    assert.ok(dnsCandidates("details.other", "bookinfo").includes("details.other.svc.cluster.local"));
    assert.deepEqual(dnsCandidates("details.other.svc.cluster.local", "x"), [
      "details.other.svc.cluster.local",
    ]);
  });

  test("wildcards", () => {
    assert.ok(hostMatches("*", "anything"));
    assert.ok(hostMatches("*.example.com", "shop.example.com"));
    assert.ok(!hostMatches("*.example.com", "example.com"));
    assert.ok(hostMatches("a.b", "a.b"));
    assert.ok(!hostMatches("a.b", "a.c"));
  });

  test("gateway server hosts may carry a namespace", () => {
    assert.deepEqual(gatewayServerHost("*", "gw"), { namespace: "*", host: "*" });
    assert.deepEqual(gatewayServerHost("./bookinfo.example", "gw"), {
      namespace: "gw",
      host: "bookinfo.example",
    });
    assert.deepEqual(gatewayServerHost("prod/*", "gw"), { namespace: "prod", host: "*" });
  });

  test("the Host header is matched without its port", () => {
    assert.equal(hostWithoutPort("127.0.0.1:31380"), "127.0.0.1");
    assert.equal(hostWithoutPort("Bookinfo.Example"), "bookinfo.example");
    assert.equal(hostWithoutPort("[::1]:8080"), "[::1]");
    assert.equal(hostWithoutPort(undefined), "");
  });
});
