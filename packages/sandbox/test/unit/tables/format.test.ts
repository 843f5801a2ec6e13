import assert from "node:assert/strict";
import { test } from "node:test";
import {
  containerCells,
  formatLabelSelector,
  formatLabels,
  joinHostPort,
  selectorString,
} from "../../../src/tables/format.ts";

test("label maps print sorted by key, <none> when empty", () => {
  assert.equal(formatLabels({ version: "v1", app: "reviews" }), "app=reviews,version=v1");
  assert.equal(formatLabels({}), "<none>");
  assert.equal(formatLabels(undefined), "<none>");
});

test("selectors print every operator in selector syntax, sorted by key", () => {
  assert.equal(
    selectorString({
      matchLabels: { tier: "web" },
      matchExpressions: [
        { key: "version", operator: "NotIn", values: ["v3"] },
        { key: "app", operator: "Exists" },
        { key: "canary", operator: "DoesNotExist" },
        { key: "zone", operator: "In", values: ["b", "a"] },
      ],
    }),
    "app,!canary,tier=web,version notin (v3),zone in (a,b)",
  );
});

test("nil and empty selectors print empty; bad ones are undefined", () => {
  assert.equal(selectorString(undefined), "");
  assert.equal(selectorString({}), "");
  assert.equal(
    selectorString({ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }),
    undefined,
  );
  assert.equal(
    selectorString({ matchExpressions: [{ key: "a", operator: "Near", values: ["x"] }] }),
    undefined,
  );
  assert.equal(formatLabelSelector({}), "<none>");
  assert.equal(formatLabelSelector({ matchLabels: { app: "x" } }), "app=x");
  assert.equal(
    formatLabelSelector({ matchExpressions: [{ key: "a", operator: "NotIn", values: [] }] }),
    "<error>",
  );
});

test("containers and images are comma-joined in spec order", () => {
  assert.deepEqual(
    containerCells([
      { name: "app", image: "a:1" },
      { name: "istio-proxy", image: "proxyv2:1.26" },
    ]),
    {
      names: "app,istio-proxy",
      images: "a:1,proxyv2:1.26",
    },
  );
  assert.deepEqual(containerCells(undefined), { names: "", images: "" });
});

test("joinHostPort brackets IPv6", () => {
  assert.equal(joinHostPort("10.0.0.1", 80), "10.0.0.1:80");
  assert.equal(joinHostPort("fd00::1", 80), "[fd00::1]:80");
});
