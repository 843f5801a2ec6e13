import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Tmux } from "./tmux.ts";

// The tour in a real terminal, on the sandbox, as a workshop attendee runs it: launched through
// the launcher with the pinned Node, driven by keys, judged by what the screen shows. Both
// lessons: Bookinfo into the mesh, then Istio's traffic management, measured on two streams.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const STAGE_TITLES = [
  "Enable sidecar injection",
  "Deploy Bookinfo",
  "Expose Bookinfo through the ingress gateway",
  "Open the product page",
  "Route all traffic to v1",
  "Route jason to reviews v2",
  "Delay ratings for jason",
  "Abort ratings for jason",
  "Canary: shift 50 % of reviews to v3",
  "Canary: all reviews to v3",
  "Give reviews a 0.5 s timeout",
  "Clean up: every service back to v1",
];
const BOOKINFO_PODS = [
  "details-v1",
  "productpage-v1",
  "ratings-v1",
  "reviews-v1",
  "reviews-v2",
  "reviews-v3",
];

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Cell {
  percent: number;
  cfg: number | null;
}

/** One row of the samples panel: for each stream (anonymous, jason) the measured and configured share. */
function row(screen: string, label: string): Cell[] | null {
  // The label right before a bar: a stage title ending in "v3" is not the row.
  const at = new RegExp(`${escapeRegExp(label.padEnd(7))}(?=[█░])`);
  const line = screen.split("\n").find((l) => at.test(l));
  if (!line) return null;
  const from = line.search(at) + 7;
  const cells = [...line.slice(from).matchAll(/[█░]+ +(\d+)%(?: cfg *(\d+))?/g)];
  return cells.map((m) => ({ percent: Number(m[1]), cfg: m[2] === undefined ? null : Number(m[2]) }));
}

/** Whether a row shows these measured shares (and configured ones, when given) per stream. */
function shows(
  screen: string,
  label: string,
  anonymous: number,
  jason: number,
  configured?: [number, number],
) {
  const cells = row(screen, label);
  if (!cells || cells.length < 2) return false;
  const [a, j] = cells as [Cell, Cell];
  if (a.percent !== anonymous || j.percent !== jason) return false;
  return !configured || (a.cfg === configured[0] && j.cfg === configured[1]);
}

/** The screen with the detail's wrapped lines joined again, for phrases that may wrap. */
const flat = (screen: string) => screen.replace(/\n {2}(?=\S)/g, " ");

const done = (n: number, columns: number) => {
  // On 80 columns long titles are cut to the stage column; the start of a title is enough.
  const title = STAGE_TITLES[n - 1]!;
  return new RegExp(`✓ ${n} ${escapeRegExp(title.slice(0, columns >= 100 ? title.length : 20))}`);
};

for (const [columns, rows] of [
  [120, 36],
  [80, 24],
] as const) {
  describe(`the tour in a ${columns}x${rows} terminal`, () => {
    const tmux = new Tmux(columns, rows);
    after(() => tmux.kill());

    test("n through both lessons on the sandbox, then q leaves a usable terminal with exit 0", async () => {
      await tmux.start();
      await tmux.type(
        `env -u CI -u NO_COLOR ${process.execPath} ${launcher} --sandbox --speed 50; echo EXIT:$?`,
      );
      const fits = (screen: string) => {
        for (const line of screen.split("\n")) assert.ok([...line].length <= columns, line);
      };

      // The first lesson's titles at start, and the gateway refusing: nothing has been applied.
      const start = await tmux.waitFor(/refused×\d+/);
      assert.match(start, /Bookinfo in the mesh/);
      for (const [i, title] of STAGE_TITLES.slice(0, 5).entries()) {
        const shown = columns >= 100 ? title : title.slice(0, 20);
        assert.ok(start.includes(`○ ${i + 1} ${shown}`), `stage ${i + 1} at start:\n${start}`);
      }
      assert.match(start, /No pods in namespace default yet/);

      await tmux.press("n");
      await tmux.waitFor(done(1, columns));

      // Deploy: pods appear and turn 2/2 Running while they come up.
      await tmux.press("n");
      const coming: string[] = [];
      const deployedScreen = await tmux.waitFor(
        (s) =>
          done(2, columns).test(s) &&
          BOOKINFO_PODS.every((p) => new RegExp(`^${p}-\\S+ +2/2 +Running `, "m").test(s)),
        {
          pollMs: 10,
          seen: (s) => {
            if (
              /^\S+-v\d-\S+ +[01]\/2 +(Pending|Init:\d\/\d|PodInitializing|ContainerCreating|Running) /m.test(
                s,
              )
            )
              coming.push(s);
          },
        },
      );
      assert.ok(coming.length > 0, "a screen showed pods not yet 2/2 Running");
      assert.doesNotMatch(deployedScreen, /No pods in namespace/);

      // Gateway: the refusals give way to pages from all three reviews versions, in both streams.
      await tmux.press("n");
      await tmux.waitFor(done(3, columns));
      const mixed = await tmux.waitFor(
        (s) => /200×\d+/.test(s) && ["v1", "v2", "v3"].every((v) => (row(s, v)?.[0]?.percent ?? 0) > 0),
      );
      assert.doesNotMatch(mixed, /refused×/, "the panel counts from the routing change");
      // Verify is judged by the samples: the product page answering 200 is the stage done.
      await tmux.waitFor(done(4, columns));

      // Route-v1: every page from v1, for both streams, as the VirtualService now says.
      await tmux.press("n");
      const routed = await tmux.waitFor(
        (s) => done(5, columns).test(s) && shows(s, "v1", 100, 100, [100, 100]),
      );
      fits(routed);

      // The second lesson. Route-jason: jason's pages v2, the anonymous ones v1.
      await tmux.press("n");
      const byUser = await tmux.waitFor(
        (s) =>
          done(6, columns).test(s) &&
          shows(s, "v1", 100, 0, [100, 0]) &&
          shows(s, "v2", 0, 100, [0, 100]) &&
          /Traffic management/.test(s),
      );
      assert.match(flat(byUser), /jason: 5 of 5 recent pages v2; anonymous: 5 of 5 recent pages v1/);
      fits(byUser);

      // Fault-delay: jason's page after about 6 s without reviews, and why.
      await tmux.press("n");
      const delayed = await tmux.waitFor((s) => done(7, columns).test(s), { timeoutMs: 40_000 });
      assert.match(flat(delayed), /jason: reviews unavailable after [56]\.\d s/);
      assert.match(flat(delayed), /productpage gives reviews 3s and tries twice/);
      assert.match(delayed, /p50\/95 .* [56]\.\d\/[56]\.\d s/, "jason's latency next to the anonymous one");
      assert.ok(shows(delayed, "no rev", 0, 100), delayed);
      fits(delayed);

      // Fault-abort: the rating error for jason only, counted per stream.
      await tmux.press("n");
      const aborted = await tmux.waitFor((s) => done(8, columns).test(s) && shows(s, "no rat", 0, 100));
      assert.match(
        flat(aborted),
        /jason: 5 of 5 recent pages "Ratings service is currently unavailable"; anonymous: 0 of 5/,
      );
      fits(aborted);

      // Canary-50: the statistical verdict.
      await tmux.press("n");
      const canary = await tmux.waitFor((s) => done(9, columns).test(s), { timeoutMs: 40_000 });
      assert.match(flat(canary), /consistent with 50\/50 after \d+ samples/);
      assert.ok(
        row(canary, "v3")?.every((c) => c.cfg === 50),
        canary,
      );

      // Canary-100: v3 on every page, with the time from the change to the first and to all.
      await tmux.press("n");
      const all = await tmux.waitFor(
        (s) => done(10, columns).test(s) && shows(s, "v3", 100, 100, [100, 100]),
      );
      assert.match(flat(all), /v3 100 % .*first v3 page [\d.]+ m?s after the change/);

      // Timeout: about 1 s, without reviews, for everyone.
      await tmux.press("n");
      const timedOut = await tmux.waitFor((s) => done(11, columns).test(s));
      assert.match(flat(timedOut), /anonymous: reviews unavailable after 1\.[0-3] s/);
      assert.match(flat(timedOut), /Each call to reviews may take 0\.5s/);
      fits(timedOut);

      // Cleanup: back to v1 for both streams; every stage done.
      await tmux.press("n");
      const clean = await tmux.waitFor(
        (s) =>
          done(12, columns).test(s) &&
          shows(s, "v1", 100, 100, [100, 100]) &&
          /All 12 stages are done/.test(s),
      );
      assert.match(flat(clean), /back to v1, no faults or timeouts/);
      fits(clean);

      await tmux.press("q");
      await tmux.waitFor(/^EXIT:0$/m);
      assert.equal(await tmux.cursorVisible(), true, "the cursor is back");
      await tmux.type("echo usable-$((40 + 2))");
      await tmux.waitFor(/^usable-42$/m, { timeoutMs: 5_000 });
    });
  });
}
