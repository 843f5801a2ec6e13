import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SimRequest } from "../../../src/dataplane/http.ts";
import {
  firstMatchingRule,
  type MatchSource,
  requestMatches,
  ruleMatches,
  stringMatches,
} from "../../../src/dataplane/match.ts";

const req = (path: string, headers: Record<string, string> = {}, method = "GET"): SimRequest => ({
  method,
  path,
  headers: { host: "bookinfo", ...headers },
  body: "",
});
const mesh: MatchSource = {
  labels: { app: "productpage", version: "v1" },
  namespace: "default",
  gateways: ["mesh"],
  port: 9080,
};

describe("StringMatch", () => {
  test("exact, prefix and regex (which must match the whole value)", () => {
    assert.ok(stringMatches({ exact: "jason" }, "jason"));
    assert.ok(!stringMatches({ exact: "jason" }, "Jason"));
    assert.ok(stringMatches({ prefix: "/api/v1/products" }, "/api/v1/products/0/reviews"));
    assert.ok(stringMatches({ regex: "jas.n" }, "jason"));
    assert.ok(!stringMatches({ regex: "jas" }, "jason"), "regex is anchored at both ends");
    assert.ok(!stringMatches({ regex: "(" }, "("), "an invalid regex never matches");
  });

  test("an empty match only asks for presence", () => {
    assert.ok(stringMatches({}, ""));
    assert.ok(!stringMatches({}, undefined));
  });
});

describe("HTTPMatchRequest", () => {
  test("uri matches ignore the query string", () => {
    assert.ok(
      requestMatches({ uri: { exact: "/productpage" } }, req("/productpage?u=normal"), mesh, "default"),
    );
    assert.ok(!requestMatches({ uri: { exact: "/productpage" } }, req("/productpage/x"), mesh, "default"));
  });

  test("ignoreUriCase", () => {
    const m = { uri: { exact: "/productpage" }, ignoreUriCase: true };
    assert.ok(requestMatches(m, req("/ProductPage"), mesh, "default"));
  });

  test("fields within one match are ANDed", () => {
    const m = { uri: { prefix: "/reviews" }, headers: { "end-user": { exact: "jason" } } };
    assert.ok(requestMatches(m, req("/reviews/0", { "end-user": "jason" }), mesh, "default"));
    assert.ok(!requestMatches(m, req("/reviews/0"), mesh, "default"));
    assert.ok(!requestMatches(m, req("/ratings/0", { "end-user": "jason" }), mesh, "default"));
  });

  test("header names match case-insensitively; withoutHeaders negates", () => {
    assert.ok(
      requestMatches(
        { headers: { "End-User": { exact: "jason" } } },
        req("/", { "end-user": "jason" }),
        mesh,
        "d",
      ),
    );
    assert.ok(
      !requestMatches({ withoutHeaders: { "end-user": {} } }, req("/", { "end-user": "x" }), mesh, "d"),
    );
    assert.ok(requestMatches({ withoutHeaders: { "end-user": {} } }, req("/"), mesh, "d"));
  });

  test("the old cookie regex rule of Istio 0.8 works on the cookie header", () => {
    const m = { headers: { cookie: { regex: "^(.*?;)?(user=jason)(;.*)?$" } } };
    assert.ok(requestMatches(m, req("/", { cookie: "user=jason; a=b" }), mesh, "d"));
    assert.ok(!requestMatches(m, req("/", { cookie: "user=bob" }), mesh, "d"));
  });

  test("method, query parameters, source labels, source namespace", () => {
    assert.ok(requestMatches({ method: { exact: "POST" } }, req("/login", {}, "POST"), mesh, "d"));
    assert.ok(
      requestMatches({ queryParams: { u: { exact: "test" } } }, req("/productpage?u=test"), mesh, "d"),
    );
    assert.ok(
      !requestMatches({ queryParams: { u: { exact: "test" } } }, req("/productpage?u=normal"), mesh, "d"),
    );
    assert.ok(requestMatches({ sourceLabels: { app: "productpage" } }, req("/"), mesh, "d"));
    assert.ok(!requestMatches({ sourceLabels: { app: "reviews" } }, req("/"), mesh, "d"));
    assert.ok(!requestMatches({ sourceNamespace: "other" }, req("/"), mesh, "d"));
  });

  test("match-level gateways: short names resolve in the rule's namespace", () => {
    const viaGateway: MatchSource = { ...mesh, gateways: ["bookinfo/bookinfo-gateway"] };
    assert.ok(requestMatches({ gateways: ["bookinfo-gateway"] }, req("/"), viaGateway, "bookinfo"));
    assert.ok(!requestMatches({ gateways: ["bookinfo-gateway"] }, req("/"), viaGateway, "other"));
    assert.ok(requestMatches({ gateways: ["mesh"] }, req("/"), mesh, "bookinfo"));
    assert.ok(!requestMatches({ gateways: ["mesh"] }, req("/"), viaGateway, "bookinfo"));
  });

  test("a match list is ORed; no match list matches everything", () => {
    const rule = { match: [{ uri: { exact: "/login" } }, { uri: { exact: "/logout" } }] };
    assert.ok(ruleMatches(rule, req("/logout"), mesh, "d"));
    assert.ok(!ruleMatches(rule, req("/productpage"), mesh, "d"));
    assert.ok(ruleMatches({}, req("/anything"), mesh, "d"));
    assert.ok(ruleMatches({ match: [] }, req("/anything"), mesh, "d"));
  });

  test("the first matching rule wins", () => {
    const rules = [
      { rule: { name: "jason", match: [{ headers: { "end-user": { exact: "jason" } } }] }, namespace: "d" },
      { rule: { name: "default" }, namespace: "d" },
    ];
    assert.equal(firstMatchingRule(rules, req("/", { "end-user": "jason" }), mesh)?.rule.name, "jason");
    assert.equal(firstMatchingRule(rules, req("/"), mesh)?.rule.name, "default");
    assert.equal(firstMatchingRule(rules.slice(0, 1), req("/"), mesh), undefined);
  });
});
