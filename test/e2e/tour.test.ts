import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Tmux } from "./tmux.ts";

// The tour in a real terminal, on the sandbox, as a workshop attendee runs it: launched through
// the launcher with the pinned Node, driven by keys, judged by what the screen shows.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const STAGE_TITLES = [
  "Enable sidecar injection",
  "Deploy Bookinfo",
  "Expose Bookinfo through the ingress gateway",
  "Open the product page",
  "Route all traffic to v1",
];
const BOOKINFO_PODS = [
  "details-v1",
  "productpage-v1",
  "ratings-v1",
  "reviews-v1",
  "reviews-v2",
  "reviews-v3",
];

/** The counts the samples panel shows per reviews version. */
function versionCounts(screen: string): Record<string, { percent: number; count: number }> {
  const counts: Record<string, { percent: number; count: number }> = {};
  for (const match of screen.matchAll(/\b(v[123]) [█░]+ +(\d+)% +(\d+)/g)) {
    counts[match[1]!] = { percent: Number(match[2]), count: Number(match[3]) };
  }
  return counts;
}

const done = (n: number, title: string, columns: number) => {
  // On 80 columns long titles are cut to the stage column; the start of a title is enough.
  const shown = title.slice(0, columns >= 100 ? title.length : 20);
  return new RegExp(`✓ ${n} ${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
};

for (const [columns, rows] of [
  [120, 36],
  [80, 24],
] as const) {
  describe(`the tour in a ${columns}x${rows} terminal`, () => {
    const tmux = new Tmux(columns, rows);
    after(() => tmux.kill());

    test("n through all five stages on the sandbox, then q leaves a usable terminal with exit 0", async () => {
      await tmux.start();
      await tmux.type(
        `env -u CI -u NO_COLOR ${process.execPath} ${launcher} --sandbox --speed 50; echo EXIT:$?`,
      );

      // The stage titles at start, and the gateway refusing: nothing has been applied.
      const start = await tmux.waitFor(/refused ×\d+/);
      for (const [i, title] of STAGE_TITLES.entries()) {
        const shown = columns >= 100 ? title : title.slice(0, 20);
        assert.ok(start.includes(`○ ${i + 1} ${shown}`), `stage ${i + 1} at start:\n${start}`);
      }
      assert.match(start, /No pods in namespace default yet/);

      await tmux.press("n");
      await tmux.waitFor(done(1, STAGE_TITLES[0]!, columns));

      // Deploy: pods appear and turn 2/2 Running while they come up.
      await tmux.press("n");
      const coming: string[] = [];
      const deployedScreen = await tmux.waitFor(
        (s) =>
          done(2, STAGE_TITLES[1]!, columns).test(s) &&
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

      // Gateway: the refusals give way to pages from all three reviews versions.
      await tmux.press("n");
      await tmux.waitFor(done(3, STAGE_TITLES[2]!, columns));
      const mixed = await tmux.waitFor((s) => {
        const counts = versionCounts(s);
        return /200 ×\d+/.test(s) && ["v1", "v2", "v3"].every((v) => (counts[v]?.count ?? 0) > 0);
      });
      assert.doesNotMatch(mixed, /refused ×/, "the panel counts from the routing change");
      // Verify is judged by the samples: the product page answering 200 is the stage done.
      await tmux.waitFor(done(4, STAGE_TITLES[3]!, columns));

      // Route-v1: every page from v1, as the VirtualService now says.
      await tmux.press("n");
      const routed = await tmux.waitFor((s) => {
        const counts = versionCounts(s);
        return (
          done(5, STAGE_TITLES[4]!, columns).test(s) &&
          /All 5 stages are done/.test(s) &&
          counts.v1?.percent === 100 &&
          counts.v2?.count === 0 &&
          counts.v3?.count === 0
        );
      });
      assert.match(routed, /v1 █+ 100% +\d+ +cfg 100%/);
      for (const [i, title] of STAGE_TITLES.entries()) assert.match(routed, done(i + 1, title, columns));
      assert.match(routed, /All 5 stages are done/);
      for (const line of routed.split("\n")) assert.ok([...line].length <= columns);

      await tmux.press("q");
      await tmux.waitFor(/^EXIT:0$/m);
      assert.equal(await tmux.cursorVisible(), true, "the cursor is back");
      await tmux.type("echo usable-$((40 + 2))");
      await tmux.waitFor(/^usable-42$/m, { timeoutMs: 5_000 });
    });
  });
}
