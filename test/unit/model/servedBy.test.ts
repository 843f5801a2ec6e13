import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reduceAll } from "../../../source/model/reduceSnapshot.ts";
import { foreignPages, pageOwner } from "../../../source/model/servedBy.ts";
import { bookinfo, failed, ok, pod, snapshot } from "../tutorial/fixtures.ts";

const ours = "reviews-v2-7d9f8c6b5-x2k9q";
const page = (reviewsPod?: string) => ({ ...ok("v2"), ...(reviewsPod ? { reviewsPod } : {}) });

describe("whose Bookinfo rendered a sampled page", () => {
  test("the reviews pod the page names decides: one of the namespace's, or not", () => {
    const snap = snapshot(bookinfo());
    assert.equal(pageOwner(snap, page(ours)), "own");
    assert.equal(pageOwner(snap, page("reviews-v2-7d9f8c6b5-other")), "foreign");
    assert.deepEqual(foreignPages(snap, [page(ours), page("reviews-v2-7d9f8c6b5-other")]), [
      page("reviews-v2-7d9f8c6b5-other"),
    ]);
  });

  test("a page without the pod line is unknown, unless the namespace runs no reviews pod at all", () => {
    assert.equal(pageOwner(snapshot(bookinfo()), page()), "unknown");
    assert.equal(pageOwner(snapshot(), page()), "foreign");
    assert.equal(pageOwner(snapshot(), failed(503)), "unknown");
  });

  test("a pod a rollout replaced was still the namespace's when it rendered the page", () => {
    const before = snapshot(bookinfo());
    const reviews = before.pods.find((p) => p.metadata.name === ours)!;
    const replaced = reduceAll(before, [
      { kind: "object", resource: "pods", type: "DELETED", object: reviews },
      { kind: "object", resource: "pods", type: "ADDED", object: pod("reviews-v2", { suffix: "n3w00" }) },
    ]);
    assert.deepEqual(replaced.departedPods, [ours]);
    assert.equal(pageOwner(replaced, page(ours)), "own");
    // A relist that no longer has a pod counts it as gone too.
    const relisted = reduceAll(before, [{ kind: "synced", resource: "pods", objects: [] }]);
    assert.equal(relisted.departedPods.length, 6);
    assert.equal(pageOwner(relisted, page(ours)), "own");
  });
});
