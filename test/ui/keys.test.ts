import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { Key } from "ink";
import { actionFor, KEY_BINDINGS } from "../../source/ui/keys.ts";

// The key table is the one source of the tour's keys: the README documents exactly its rows.

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function readmeKeyTable(): [string, string][] {
  const start = readme.indexOf("| key ");
  assert.ok(start >= 0, "the README has a key table");
  const rows: [string, string][] = [];
  for (const line of readme.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const [keys, does] = line
      .split("|")
      .slice(1, 3)
      .map((cell) => cell.trim().replaceAll("`", ""));
    rows.push([keys!, does!]);
  }
  return rows;
}

test("the README's key table is the key table", () => {
  assert.deepEqual(
    readmeKeyTable(),
    KEY_BINDINGS.map((b) => [b.keys, b.help]),
  );
});

const key = (over: Partial<Key> = {}): Key =>
  ({
    upArrow: false,
    downArrow: false,
    leftArrow: false,
    rightArrow: false,
    pageDown: false,
    pageUp: false,
    home: false,
    end: false,
    return: false,
    escape: false,
    ctrl: false,
    shift: false,
    tab: false,
    backspace: false,
    delete: false,
    meta: false,
    super: false,
    hyper: false,
    capsLock: false,
    numLock: false,
    ...over,
  }) as Key;

test("every key the table names does what it says", () => {
  const cases: [string, Partial<Key>, unknown][] = [
    ["", { upArrow: true }, { do: "move", by: -1 }],
    ["k", {}, { do: "move", by: -1 }],
    ["", { downArrow: true }, { do: "move", by: 1 }],
    ["j", {}, { do: "move", by: 1 }],
    ["\r", { return: true }, { do: "run-selected" }],
    ["n", {}, { do: "run-next" }],
    ["r", {}, { do: "restart" }],
    ["s", {}, { do: "burst" }],
    ["y", {}, { do: "yaml" }],
    ["", { pageDown: true }, { do: "scroll", page: 1 }],
    ["", { pageUp: true }, { do: "scroll", page: -1 }],
    ["", { leftArrow: true }, { do: "shift", by: -1 }],
    ["", { rightArrow: true }, { do: "shift", by: 1 }],
    ["c", {}, { do: "copy" }],
    ["?", {}, { do: "help" }],
    ["l", { ctrl: true }, { do: "redraw" }],
    ["", { escape: true }, { do: "close" }],
    ["q", {}, { do: "quit", code: 0 }],
    ["c", { ctrl: true }, { do: "quit", code: 130 }],
  ];
  for (const [input, over, expected] of cases) {
    assert.deepEqual(actionFor(KEY_BINDINGS, input, key(over)), expected, JSON.stringify([input, over]));
  }
  assert.equal(actionFor(KEY_BINDINGS, "x", key()), null, "a key the table does not name does nothing");
});
