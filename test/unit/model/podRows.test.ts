import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { podRow } from "../../../source/model/podRow.ts";
import { podRows } from "../../../source/model/podRows.ts";
import { NOW, pod, snapshot } from "../tutorial/fixtures.ts";

describe("podRows", () => {
  test("every pod of the snapshot as kubectl prints it, sorted by name in byte order", () => {
    const pods = [
      pod("reviews-v1"),
      pod("details-v1", { state: "creating", sidecar: false }),
      pod("productpage-v1"),
      pod("Zeta-v1"),
      pod("reviews-v1", { suffix: "aaaaa", deleting: true }),
    ];
    const rows = podRows(snapshot({ pods }));
    assert.deepEqual(
      rows.map((r) => r.name),
      [
        "Zeta-v1-7d9f8c6b5-x2k9q",
        "details-v1-7d9f8c6b5-x2k9q",
        "productpage-v1-7d9f8c6b5-x2k9q",
        "reviews-v1-7d9f8c6b5-aaaaa",
        "reviews-v1-7d9f8c6b5-x2k9q",
      ],
    );
    assert.deepEqual(rows[1], podRow(pods[1]!, NOW));
    assert.deepEqual(
      rows.map((r) => [r.ready, r.status, r.sidecar]),
      [
        ["2/2", "Running", true],
        ["0/1", "ContainerCreating", false],
        ["2/2", "Running", true],
        ["2/2", "Terminating", true],
        ["2/2", "Running", true],
      ],
    );
    assert.equal(rows[0]!.age, "5m");
  });

  test("does not reorder the snapshot's own list", () => {
    const pods = [pod("reviews-v1"), pod("details-v1")];
    const s = snapshot({ pods });
    podRows(s);
    assert.equal(s.pods[0], pods[0]);
  });

  test("no pods, no rows", () => {
    assert.deepEqual(podRows(snapshot()), []);
  });
});
