import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Decks, routeWeights } from "../../../src/dataplane/balancer.ts";
import { faultShare, parseDuration, rollFault } from "../../../src/dataplane/faults.ts";
import { seededRandom } from "./fixtures.ts";

function count(picks: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of picks) out.set(p, (out.get(p) ?? 0) + 1);
  return out;
}

describe("weighted choice", () => {
  test("every full deck honours the weights exactly, in a shuffled order", () => {
    const decks = new Decks(seededRandom(1));
    const key = {};
    const picks = Array.from({ length: 200 }, () => decks.pick(key, [50, 50]));
    assert.equal(count(picks).get(0), 100);
    assert.notDeepEqual(picks.slice(0, 10), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "not a fixed alternation");
    const route = {};
    const ninety = Array.from({ length: 100 }, () => decks.pick(route, [90, 10]));
    assert.equal(count(ninety).get(1), 10);
  });

  test("zero weights get nothing; even picks cover each endpoint once per round", () => {
    const decks = new Decks(seededRandom(2));
    const route = {};
    const picks = Array.from({ length: 30 }, () => decks.pick(route, [0, 1]));
    assert.ok(picks.every((p) => p === 1));
    const key = {};
    const even = Array.from({ length: 90 }, () => decks.pickEven(key, 3));
    assert.deepEqual(
      [0, 1, 2].map((i) => count(even).get(i)),
      [30, 30, 30],
    );
  });

  test("weights too fine for a deck fall back to independent draws", () => {
    const decks = new Decks(seededRandom(3));
    const picks = Array.from({ length: 2000 }, () => decks.pick({}, [1, 99_999]));
    assert.ok((count(picks).get(1) ?? 0) > 1990);
  });

  test("route weights: a lone destination takes all, missing weights are 0, all-zero is even", () => {
    assert.deepEqual(routeWeights([undefined]), [1]);
    assert.deepEqual(routeWeights([80, 20]), [80, 20]);
    assert.deepEqual(routeWeights([30, undefined]), [30, 0]);
    assert.deepEqual(routeWeights([undefined, undefined]), [1, 1]);
  });
});

describe("faults", () => {
  test("durations", () => {
    assert.equal(parseDuration("7s"), 7000);
    assert.equal(parseDuration("0.5s"), 500);
    assert.equal(parseDuration("100ms"), 100);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("seven"), undefined);
    assert.equal(parseDuration(undefined), undefined);
  });

  test("percentage.value wins over the old percent; neither means never", () => {
    assert.equal(faultShare({ value: 100 }, 5), 100);
    assert.equal(faultShare(undefined, 100), 100);
    assert.equal(faultShare(undefined, undefined), 0);
  });

  test("the tutorial's delay and abort always fire; a 50 % fault fires about half the time", () => {
    const random = seededRandom(4);
    assert.deepEqual(rollFault({ delay: { fixedDelay: "7s", percentage: { value: 100 } } }, random), {
      delayMs: 7000,
      abortStatus: undefined,
    });
    assert.deepEqual(rollFault({ abort: { httpStatus: 500, percentage: { value: 100.0 } } }, random), {
      delayMs: 0,
      abortStatus: 500,
    });
    assert.deepEqual(rollFault({ abort: { httpStatus: 500 } }, random).abortStatus, undefined);
    const hits = Array.from({ length: 1000 }, () =>
      rollFault({ abort: { httpStatus: 503, percentage: { value: 50 } } }, random),
    );
    const aborted = hits.filter((h) => h.abortStatus === 503).length;
    assert.ok(aborted > 420 && aborted < 580, `${aborted}`);
  });
});
