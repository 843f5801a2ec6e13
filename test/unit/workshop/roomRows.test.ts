import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Pod } from "../../../source/model/kube.ts";
import { emptySnapshot, type Snapshot } from "../../../source/model/snapshot.ts";
import { atStage, RoomRows, roomRow, roomText, rowCells, sortRows } from "../../../source/print/roomRows.ts";
import { makeTheme } from "../../../source/ui/theme.ts";
import { roomView } from "../../../source/ui/view/room.ts";
import { bookinfo, NOW, namespace, ok, snapshot } from "../tutorial/fixtures.ts";

// The facilitator's rows: where each attendee stands (the stage checks status runs), how long
// they have been there, their pods and their traffic; sorted so whoever is stuck longest is first.

const at = (seconds: number) => NOW - seconds * 1000;

function attendee(name: string, overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    ...snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), ...overrides }),
    namespace: name,
  };
}

describe("a room's rows", () => {
  test("stages, the current stage and for how long, pods, sidecars and the measured split", () => {
    const pods = bookinfo().pods as Pod[];
    const samples = [ok("v1"), ok("v1"), ok("v3"), ok("v2")];
    const row = roomRow({
      snapshot: attendee("attendee-1", { ...bookinfo(), samples }),
      stageSince: at(125),
      lastChange: at(30),
      now: NOW,
    });
    assert.equal(row.namespace, "attendee-1");
    assert.deepEqual(
      row.stages.filter((s) => !s.notApplied).map((s) => `${s.id}=${s.state}`),
      ["inject=done", "deploy=done", "gateway=pending", "verify=pending", "route-v1=pending"],
      "the traffic-management lesson is not begun",
    );
    assert.equal(row.current, "gateway");
    assert.equal(row.forSeconds, 125);
    assert.deepEqual(row.pods, { ready: pods.length, total: pods.length, withoutSidecar: 0 });
    assert.deepEqual(row.reviews, { pages: 4, v1: 50, v2: 25, v3: 25 });
    assert.equal(row.finding, null, "no analyzer yet: the column stays empty");
    assert.deepEqual(rowCells(row).slice(0, 8), [
      "attendee-1",
      "✓✓○○○",
      "gateway",
      "2m5s",
      "6/6",
      "0",
      "v1 50% v2 25% v3 25%",
      "-",
    ]);
  });

  test("pages from before the routing changed are not in the split; none at all is no split", () => {
    const samples = [
      { ...ok("v2"), at: at(60) },
      { ...ok("v1"), at: at(5) },
    ];
    const split = roomRow({
      snapshot: attendee("a", { samples }),
      stageSince: null,
      lastChange: null,
      samplesSince: at(10),
      now: NOW,
    });
    assert.deepEqual(split.reviews, { pages: 1, v1: 100, v2: 0, v3: 0 });
    const none = roomRow({ snapshot: attendee("a"), stageSince: at(1), lastChange: null, now: NOW });
    assert.equal(none.reviews, null);
  });

  test("longest on their stage first, unknown times next, everyone done last; a filter by stage", () => {
    const row = (name: string, current: string | null, forSeconds: number | null) =>
      ({ namespace: name, current, forSeconds }) as ReturnType<typeof roomRow>;
    const rows = [
      row("attendee-10", "verify", 30),
      row("attendee-2", null, null),
      row("attendee-3", "deploy", 900),
      row("attendee-1", "deploy", null),
      row("attendee-9", "verify", 30),
    ];
    assert.deepEqual(
      sortRows(rows).map((r) => r.namespace),
      ["attendee-3", "attendee-9", "attendee-10", "attendee-1", "attendee-2"],
    );
    assert.deepEqual(
      atStage(rows, "verify").map((r) => r.namespace),
      ["attendee-10", "attendee-9"],
    );
    assert.deepEqual(
      atStage(rows, "done").map((r) => r.namespace),
      ["attendee-2"],
    );
  });

  test("rows are worked out once per snapshot; the time on a stage follows the clock", () => {
    const rows = new RoomRows();
    const progress = {
      snapshot: attendee("attendee-1"),
      stageSince: at(10),
      lastChange: at(10),
      samplesSince: 0,
    };
    const state = { room: "attendee", context: "c", server: "s", pace: "deploy", attendees: [progress] };
    const first = rows.report(state, NOW);
    const later = rows.report(state, NOW + 50_000);
    assert.equal(first.attendees[0]?.forSeconds, 10);
    assert.equal(later.attendees[0]?.forSeconds, 60);
    assert.equal(later.attendees[0]?.stages, first.attendees[0]?.stages, "the same checks, not run again");
    assert.match(
      roomText(first),
      /^Room attendee on context c \(s\): 1 attendee; the room is at: deploy\n\nNAMESPACE +STAGES/,
    );
  });
});

describe("the room's screen", () => {
  const report = (n: number) =>
    new RoomRows().report(
      {
        room: "attendee",
        context: "kind-workshop",
        server: "https://127.0.0.1:6443",
        pace: "gateway",
        attendees: Array.from({ length: n }, (_, i) => ({
          snapshot: attendee(`attendee-${i + 1}`, { samples: [ok("v1")] }),
          stageSince: at(60 * (i + 1)),
          lastChange: at(60),
          samplesSince: 0,
        })),
      },
      NOW,
    );

  test("fits 80 columns by leaving out the least useful columns, and says what is below", () => {
    const view = roomView({
      report: report(30),
      bootText: "",
      filter: undefined,
      offset: 0,
      size: { columns: 80, rows: 24 },
      theme: makeTheme(),
      sampleEveryMs: 5_000,
    });
    const text = view.lines.map((line) => line.map((s) => s.text).join(""));
    assert.ok(
      text.every((line) => [...line].length <= 80),
      text.join("\n"),
    );
    assert.ok(text.length <= 23, "one line less than the terminal");
    assert.match(
      text[0] ?? "",
      /^kubectl bookinfo workshop {2}room attendee, 30 attendees {2}the room is at: gateway/,
    );
    assert.match(text[3] ?? "", /^NAMESPACE +STAGES +AT +FOR +PODS +NO SIDECAR +REVIEWS +$/);
    assert.match(text[5] ?? "", /^attendee-29 +✓○○○○ +deploy +29m +0\/0 +0 +v1 100% v2 0% v3 0% *$/);
    assert.match(text[4] ?? "", /^attendee-30 +✓○○○○ +deploy +30m /, "longest on their stage on top");
    assert.equal(view.visibleRows, 18);
    assert.match(text.at(-1) ?? "", /^12 below {2}↑↓ jk scroll/);
  });

  test("scrolled to the end, and in ASCII", () => {
    const view = roomView({
      report: report(30),
      bootText: "",
      filter: undefined,
      offset: 100,
      size: { columns: 120, rows: 24 },
      theme: makeTheme({ ascii: true }),
      sampleEveryMs: 5_000,
    });
    const text = view.lines.map((line) => line.map((s) => s.text).join(""));
    assert.match(
      text[4] ?? "",
      /^attendee-18 +\[x\]\[ \]\[ \]\[ \]\[ \] +deploy +18m .* - *$/,
      "FINDING fits at 120",
    );
    assert.match(text.at(-1) ?? "", /^12 above {2}up\/dn j\/k scroll - f filter by stage - q quit$/);
  });

  test("before the cluster answers, and with nobody at the stage filtered", () => {
    const theme = makeTheme();
    const boot = roomView({
      report: null,
      bootText: "reading room attendee",
      filter: undefined,
      offset: 0,
      size: { columns: 80, rows: 24 },
      theme,
      sampleEveryMs: 5_000,
    });
    assert.deepEqual(
      boot.lines.map((l) => l.map((s) => s.text).join("")),
      ["kubectl bookinfo workshop  reading room attendee…"],
    );
    const empty = roomView({
      report: report(3),
      bootText: "",
      filter: "route-v1",
      offset: 0,
      size: { columns: 80, rows: 24 },
      theme,
      sampleEveryMs: 5_000,
    });
    assert.ok(
      empty.lines.some((l) => l.map((s) => s.text).join("") === "Nobody is at stage route-v1 right now."),
    );
  });
});

test("an empty snapshot has no time on its stage and no pods", () => {
  const row = roomRow({
    snapshot: emptySnapshot("c", "x", "s"),
    stageSince: null,
    lastChange: null,
    now: NOW,
  });
  assert.equal(row.forSeconds, null);
  assert.deepEqual(row.pods, { ready: 0, total: 0, withoutSidecar: 0 });
});
