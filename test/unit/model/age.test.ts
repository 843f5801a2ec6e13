import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { age, humanDuration, parseKubeTime } from "../../../source/model/age.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [999, "0s"],
    [-500, "0s"],
    // One second of clock skew still reads as now; more is reported as invalid, as kubectl does.
    [-1999, "0s"],
    [-2 * s, "<invalid>"],
    [59 * s, "59s"],
    [119 * s + 999, "119s"],
    [2 * m, "2m"],
    [2 * m + 30 * s, "2m30s"],
    [5 * m + 30 * s, "5m30s"],
    [5 * m, "5m"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 30 * s, "10m"],
    [179 * m + 59 * s, "179m"],
    [3 * h, "3h"],
    [3 * h + 5 * m, "3h5m"],
    [7 * h + 59 * m + 59 * s, "7h59m"],
    [8 * h, "8h"],
    [8 * h + 59 * m, "8h"],
    [47 * h + 59 * m, "47h"],
    [48 * h, "2d"],
    [2 * d + 5 * h, "2d5h"],
    [7 * d + 23 * h + 59 * m, "7d23h"],
    [8 * d, "8d"],
    [8 * d + 23 * h, "8d"],
    [729 * d, "729d"],
    [730 * d, "2y"],
    [731 * d, "2y1d"],
    [8 * 365 * d - d, "7y364d"],
    [8 * 365 * d, "8y"],
    [20 * 365 * d + 100 * d, "20y"],
    [Number.NaN, "<invalid>"],
  ];
  for (const [ms, expected] of cases) {
    test(`${ms} ms prints as ${expected}`, () => {
      assert.equal(humanDuration(ms), expected);
    });
  }
});

describe("age", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");

  test("measures from the timestamp to now", () => {
    assert.equal(age("2025-06-01T11:54:30Z", now), "5m30s");
    assert.equal(age("2025-05-30T12:00:00Z", now), "2d");
  });

  test("prints <unknown> for a missing or zero timestamp, like kubectl", () => {
    assert.equal(age(undefined, now), "<unknown>");
    assert.equal(age("", now), "<unknown>");
    assert.equal(age(null, now), "<unknown>");
    assert.equal(age("0001-01-01T00:00:00Z", now), "<unknown>");
  });

  test("prints <invalid> for garbage and for timestamps well in the future", () => {
    assert.equal(age("yesterday", now), "<invalid>");
    assert.equal(age("2025-06-01T12:00:05Z", now), "<invalid>");
  });
});

describe("parseKubeTime", () => {
  test("returns milliseconds for a real timestamp and undefined otherwise", () => {
    assert.equal(parseKubeTime("2025-06-01T12:00:00Z"), Date.parse("2025-06-01T12:00:00Z"));
    assert.equal(parseKubeTime(undefined), undefined);
    assert.equal(parseKubeTime("0001-01-01T00:00:00Z"), undefined);
    assert.equal(parseKubeTime("not a time"), undefined);
  });
});
