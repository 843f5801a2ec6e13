import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { stageMark, stageRows } from "../../../source/model/stageRows.ts";
import type { StageCheck, StageId } from "../../../source/tutorial/stage.ts";

const result = (id: StageId, check: StageCheck) => ({ stage: { id, title: `Title of ${id}` }, check });

const results = [
  result("inject", { state: "done", detail: "namespace bookinfo labelled istio-injection=enabled" }),
  result("deploy", {
    state: "failed",
    detail: "reviews-v2-abc is ImagePullBackOff",
    fix: "kubectl describe",
  }),
  result("gateway", { state: "pending", detail: "not applied" }),
];

describe("stageRows", () => {
  test("one row per stage, numbered, with its mark, detail and fix", () => {
    const rows = stageRows(results, "deploy");
    assert.deepEqual(rows[1], {
      id: "deploy",
      number: 2,
      title: "Title of deploy",
      state: "failed",
      mark: "✗",
      detail: "reviews-v2-abc is ImagePullBackOff",
      fix: "kubectl describe",
      selected: true,
      current: true,
    });
    assert.deepEqual(
      rows.map((r) => [r.mark, r.selected, r.current, r.fix]),
      [
        ["✓", false, false, null],
        ["✗", true, true, "kubectl describe"],
        ["○", false, false, null],
      ],
    );
  });

  test("the current row is the first that is not done; none when all are", () => {
    assert.equal(stageRows(results.slice(2), null)[0]!.current, true);
    assert.ok(stageRows(results.slice(0, 1), null).every((r) => !r.current && !r.selected));
  });

  test("ASCII marks for terminals without Unicode", () => {
    assert.deepEqual(
      stageRows(results, null, { ascii: true }).map((r) => r.mark),
      ["[x]", "[!]", "[ ]"],
    );
    assert.equal(stageMark("pending"), "○");
  });
});
