import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { computeLayout } from "../../source/ui/layout.ts";
import { cells, truncate, wrap } from "../../source/ui/text.ts";
import { makeTheme, toneProps } from "../../source/ui/theme.ts";

describe("layout", () => {
  test("80x24: stages beside samples, the findings line, six pods and a detail, 23 lines in all", () => {
    const layout = computeLayout({ columns: 80, rows: 24 }, 6);
    assert.equal(layout.sideBySide, true);
    assert.equal(layout.spacious, false);
    assert.equal(layout.podRows, 6);
    assert.equal(layout.findingsLines, 1);
    assert.ok(layout.detailLines >= 5, String(layout.detailLines));
    const top = Math.max(layout.stageLines, layout.samplesLines);
    assert.equal(2 + top + layout.findingsLines + 1 + layout.podRows + layout.detailLines + 2, 23);
  });

  test("120x36 has room for blank lines between panels and a longer detail", () => {
    const layout = computeLayout({ columns: 120, rows: 36 }, 6);
    assert.equal(layout.spacious, true);
    // Two lessons of stages and two findings lines take some of it; the detail keeps ten.
    assert.ok(layout.detailLines >= 10, String(layout.detailLines));
  });

  test("a rollout's twelve pods take what the detail can spare, never all of it", () => {
    const layout = computeLayout({ columns: 80, rows: 24 }, 12);
    assert.ok(layout.podRows < 12);
    assert.ok(layout.detailLines >= 5);
  });

  test("from 60x16 up, every size's panels add up to exactly one line less than the terminal", () => {
    for (let columns = 60; columns <= 200; columns++) {
      for (let rows = 16; rows <= 60; rows++) {
        for (const pods of [0, 1, 6, 12]) {
          const layout = computeLayout({ columns, rows }, pods);
          const top = layout.sideBySide
            ? Math.max(layout.stageLines, layout.samplesLines)
            : layout.stageLines + layout.samplesLines + (layout.spacious ? 1 : 0);
          const gaps = layout.spacious ? 3 : 0;
          const lines = 2 + top + layout.findingsLines + gaps + 1 + layout.podRows + layout.detailLines + 2;
          const at = `${columns}x${rows} with ${pods} pods`;
          assert.equal(lines, rows - 1, at);
          assert.equal(layout.tooSmall, false, at);
          assert.ok(layout.detailLines >= 1, `${at}: the selected stage's heading at least`);
          // Stacked only where it leaves the pods and the detail room enough.
          if (!layout.sideBySide) assert.ok(layout.podRows + layout.detailLines >= 8, at);
        }
      }
    }
    assert.equal(computeLayout({ columns: 70, rows: 28 }, 6).sideBySide, false);
    assert.equal(computeLayout({ columns: 70, rows: 20 }, 6).sideBySide, true);
  });

  test("too small a terminal is said, not drawn over", () => {
    assert.equal(computeLayout({ columns: 50, rows: 24 }, 0).tooSmall, true);
    assert.equal(computeLayout({ columns: 80, rows: 12 }, 0).tooSmall, true);
  });
});

describe("text", () => {
  test("wraps on words, breaks words longer than a line, indents what continues", () => {
    assert.deepEqual(wrap("one two three four", 9), ["one two", "three", "four"]);
    assert.deepEqual(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert.deepEqual(wrap("kubectl label namespace x", 14, "    "), [
      "kubectl label",
      "    namespace",
      "    x",
    ]);
    for (const line of wrap("a ".repeat(100) + "x".repeat(50), 13, "  ")) assert.ok(cells(line) <= 13, line);
  });

  test("truncates with an ellipsis, in ASCII too", () => {
    assert.equal(truncate("Expose Bookinfo", 8), "Expose …");
    assert.equal(truncate("Expose Bookinfo", 8, true), "Expose ~");
    assert.equal(truncate("short", 8), "short");
  });
});

describe("theme", () => {
  test("without colour, tones keep only their weight", () => {
    const none = makeTheme({ color: false });
    assert.deepEqual(toneProps(none, "bad"), {});
    assert.deepEqual(toneProps(none, "strong"), { bold: true });
    assert.deepEqual(toneProps(makeTheme(), "bad"), { color: "red" });
  });
});
