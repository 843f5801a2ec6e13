import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bookinfoPods,
  listNames,
  plural,
  rolloutInProgress,
  selectorMatches,
} from "../../../source/tutorial/bookinfo.ts";
import { deployment, pod, snapshot } from "./fixtures.ts";

describe("bookinfo helpers", () => {
  test("selectorMatches: matchLabels and matchExpressions; an empty selector matches nothing", () => {
    const labels = { app: "reviews", version: "v2" };
    assert.ok(selectorMatches({ matchLabels: { app: "reviews" } }, labels));
    assert.ok(!selectorMatches({ matchLabels: { app: "reviews", version: "v1" } }, labels));
    assert.ok(
      selectorMatches(
        { matchExpressions: [{ key: "version", operator: "In", values: ["v2", "v3"] }] },
        labels,
      ),
    );
    assert.ok(
      !selectorMatches({ matchExpressions: [{ key: "version", operator: "NotIn", values: ["v2"] }] }, labels),
    );
    assert.ok(selectorMatches({ matchExpressions: [{ key: "app", operator: "Exists" }] }, labels));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "Bogus" }] }, labels));
    assert.ok(!selectorMatches({}, labels));
  });

  test("rolloutInProgress compares status like kubectl rollout status", () => {
    assert.equal(rolloutInProgress(deployment("details-v1")), false);
    assert.equal(rolloutInProgress(deployment("details-v1", { rolling: true })), true);
    const noStatus = deployment("details-v1");
    delete noStatus.status;
    assert.equal(rolloutInProgress(noStatus), false);
    const surge = deployment("details-v1");
    surge.status = { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 };
    assert.equal(rolloutInProgress(surge), true);
  });

  test("bookinfoPods: live pods of the four apps only", () => {
    const pods = [
      pod("reviews-v1"),
      pod("sleep-v1"),
      pod("details-v1", { deleting: true }),
      { ...pod("ratings-v1"), status: { phase: "Failed", reason: "Evicted" } },
    ];
    assert.deepEqual(
      bookinfoPods(snapshot({ pods })).map((p) => p.metadata.labels?.app),
      ["reviews"],
    );
  });

  test("listNames and plural", () => {
    assert.equal(listNames([]), "");
    assert.equal(listNames(["a"]), "a");
    assert.equal(listNames(["a", "b"]), "a and b");
    assert.equal(listNames(["a", "b", "c"]), "a, b and c");
    assert.equal(listNames(["a", "b", "c", "d", "e"]), "a, b, c and 2 more");
    assert.equal(plural(1, "pod"), "1 pod");
    assert.equal(plural(2, "pod"), "2 pods");
  });
});
