import assert from "node:assert/strict";
import { test } from "node:test";

test("runs on the pinned Node", () => {
  assert.ok(Number(process.versions.node.split(".")[0]) >= 22);
});
