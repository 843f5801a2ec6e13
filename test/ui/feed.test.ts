import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import type { Snapshot } from "../../source/model/snapshot.ts";
import { SnapshotFeed } from "../../source/ui/feed.ts";
import { manifest, NOW } from "../unit/tutorial/fixtures.ts";
import { deployed, fresh } from "./support.tsx";

class Source {
  listeners = new Set<(s: Snapshot) => void>();
  constructor(public current: Snapshot) {}
  snapshot = () => this.current;
  subscribe = (l: (s: Snapshot) => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  emit(s: Snapshot) {
    this.current = s;
    for (const l of this.listeners) l(s);
  }
}

describe("the snapshot feed", () => {
  let clock = 0;
  beforeEach(() => {
    clock = 1_000_000;
    mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  });
  afterEach(() => mock.timers.reset());
  const advance = (ms: number) => {
    clock += ms;
    mock.timers.tick(ms);
  };

  test("the first change after a quiet spell goes out at once; a burst becomes one frame with the latest", () => {
    const source = new Source(fresh());
    const feed = new SnapshotFeed(source, { intervalMs: 50, clockMs: 0, now: () => clock });
    let frames = 0;
    feed.subscribe(() => frames++);
    const a = fresh({ now: NOW + 1 });
    source.emit(a);
    assert.equal(frames, 1);
    assert.equal(feed.get().snapshot, a);
    for (let i = 2; i < 30; i++) source.emit(fresh({ now: NOW + i }));
    assert.equal(frames, 1, "nothing more within the interval");
    advance(50);
    assert.equal(frames, 2);
    assert.equal(feed.get().snapshot.now, NOW + 29);
    advance(500);
    assert.equal(frames, 2, "idle means idle");
    feed.close();
  });

  test("samples alone go out once a second; a cluster change among them goes out at once", () => {
    const base = deployed();
    const source = new Source(base);
    const feed = new SnapshotFeed(source, {
      intervalMs: 50,
      samplesIntervalMs: 1_000,
      clockMs: 0,
      now: () => clock,
    });
    let frames = 0;
    feed.subscribe(() => frames++);
    const withSample = (n: number) => ({
      ...base,
      samples: [...base.samples, ...fresh().samples.slice(0, n)],
      now: NOW + n,
    });
    source.emit(withSample(1));
    assert.equal(frames, 1, "after a quiet spell, at once");
    advance(250);
    source.emit(withSample(2));
    advance(250);
    assert.equal(frames, 1, "the next sample waits for the samples beat");
    const podChange = { ...withSample(3), pods: base.pods.slice(1) };
    source.emit(podChange);
    assert.equal(frames, 2, "a pod change does not wait");
    assert.equal(feed.get().snapshot, podChange);
    source.emit({ ...podChange, samples: withSample(4).samples });
    advance(999);
    assert.equal(frames, 2);
    advance(1);
    assert.equal(frames, 3);
    feed.close();
  });

  test("notes when the routing changed, by spec generation", () => {
    const source = new Source(deployed());
    const feed = new SnapshotFeed(source, { intervalMs: 0, clockMs: 0, now: () => clock });
    const vs = manifest("virtual-service-all-v1.yaml");
    source.emit(deployed({ virtualServices: vs, now: NOW + 5_000 }));
    assert.equal(feed.get().configChangedAt, NOW + 5_000);
    source.emit(deployed({ virtualServices: vs, now: NOW + 6_000 }));
    assert.equal(feed.get().configChangedAt, NOW + 5_000, "same objects, same generation");
    const edited = vs.map((o) => ({ ...o, metadata: { ...o.metadata, generation: 2 } }));
    source.emit(deployed({ virtualServices: edited, now: NOW + 9_000 }));
    assert.equal(feed.get().configChangedAt, NOW + 9_000);
    feed.close();
  });

  test("keeps ages moving when they change on screen, and only then", () => {
    const created = Date.parse(deployed().pods[0]!.metadata.creationTimestamp!);
    // Five minutes old: AGE reads 5m, 5m1s, ... so every second counts.
    clock = created + 300_000;
    const young = new Source(deployed({ now: clock }));
    const feed = new SnapshotFeed(young, { intervalMs: 50, clockMs: 1_000, now: () => clock });
    let frames = 0;
    feed.subscribe(() => frames++);
    advance(1_000);
    assert.equal(frames, 1);
    feed.close();
    // An hour old: AGE reads 60m until 61m; seconds do not show.
    clock = created + 3_600_000;
    const old = new Source(deployed({ now: clock }));
    const quiet = new SnapshotFeed(old, { intervalMs: 50, clockMs: 1_000, now: () => clock });
    let quietFrames = 0;
    quiet.subscribe(() => quietFrames++);
    advance(30_000);
    assert.equal(quietFrames, 0);
    advance(30_000);
    assert.equal(quietFrames, 1);
    quiet.close();
    advance(120_000);
    assert.equal(quietFrames, 1, "closed feeds stay quiet");
  });

  test("by default ages and samples alone redraw every 2 s, not every second", () => {
    const created = Date.parse(deployed().pods[0]!.metadata.creationTimestamp!);
    clock = created + 30_000;
    const source = new Source(deployed({ now: clock }));
    const feed = new SnapshotFeed(source, { now: () => clock });
    let frames = 0;
    feed.subscribe(() => frames++);
    advance(1_000);
    assert.equal(frames, 0);
    advance(1_000);
    assert.equal(frames, 1);
    source.emit({ ...source.snapshot(), samples: [...source.snapshot().samples], now: clock });
    advance(1_000);
    assert.equal(frames, 1, "a sample a second after a frame waits");
    advance(1_000);
    assert.equal(frames, 2);
    feed.close();
  });
});
