import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "../cli/support.ts";
import { Tmux } from "./tmux.ts";

// The facilitator's live view in a real terminal while attendees of the room take the tour: the
// rows follow each attendee through their stages as it happens, and the keys filter and quit.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const ATTENDEES = 6;

/** The row of one attendee on the screen, as its cells. */
function rowOf(screen: string, namespace: string): string[] | undefined {
  const line = screen.split("\n").find((l) => l.startsWith(`${namespace} `));
  return line?.trim().split(/ {2,}/);
}

describe("the room view in a 120x30 terminal", () => {
  let env: TestSandbox;
  let out: string;
  const tmux = new Tmux(120, 30);
  const attendee = (n: number, ...args: string[]) => bookinfo(join(out, `attendee-${n}.kubeconfig`), ...args);

  before(async () => {
    env = await openSandbox({ speed: 50 });
    out = join(env.dir, "room");
    const setup = await bookinfo(
      env.kubeconfig,
      "workshop",
      "setup",
      "--attendees",
      String(ATTENDEES),
      "--out",
      out,
    );
    assert.equal(setup.code, 0, setup.stderr);
  });
  after(async () => {
    tmux.kill();
    await env?.close();
  });

  test("rows change as attendees progress; f filters by stage; q quits with 0", async () => {
    await tmux.start();
    await tmux.type(
      `env -u CI -u NO_COLOR KUBECONFIG=${env.kubeconfig} ${process.execPath} ${launcher} workshop --sample-every 1s; echo EXIT:$?`,
    );
    const first = await tmux.waitFor((s) => /6 attendees/.test(s) && rowOf(s, "attendee-6") !== undefined);
    assert.match(first, /^NAMESPACE +STAGES +AT +FOR +PODS +NO SIDECAR +REVIEWS +CHANGED +FINDING/m);
    for (let n = 1; n <= ATTENDEES; n++)
      assert.deepEqual(
        rowOf(first, `attendee-${n}`)?.slice(1, 3),
        ["✓○○○○", "deploy"],
        `attendee-${n}:\n${first}`,
      );

    // Attendee 2 deploys: their row goes through pods coming up to the gateway stage.
    const deploying = attendee(2, "run", "--to", "deploy");
    const seenPods = new Set<string>();
    const deployed = await tmux.waitFor((s) => rowOf(s, "attendee-2")?.[2] === "gateway", {
      timeoutMs: 30_000,
      seen: (s) => {
        const pods = rowOf(s, "attendee-2")?.[4];
        if (pods) seenPods.add(pods);
      },
    });
    assert.equal((await deploying).code, 0);
    assert.deepEqual(rowOf(deployed, "attendee-2")?.slice(1, 6), [
      "✓✓○○○",
      "gateway",
      rowOf(deployed, "attendee-2")?.[3],
      "6/6",
      "0",
    ]);
    assert.ok(seenPods.size > 1, `the pods column moved: ${[...seenPods].join(", ")}`);
    // Sorted: whoever has been on their stage longest is on top; attendee-2 just moved on.
    const order = deployed
      .split("\n")
      .filter((l) => l.startsWith("attendee-"))
      .map((l) => l.split(" ")[0]);
    assert.equal(order.at(-1), "attendee-2", deployed);

    // Attendee 3 goes all the way: the split of their pages shows once the routing is in place.
    assert.equal((await attendee(3, "run")).code, 0);
    const done = await tmux.waitFor(
      (s) =>
        rowOf(s, "attendee-3")?.[2] === "done" && /v1 100%/.test(rowOf(s, "attendee-3")?.join(" ") ?? ""),
      {
        timeoutMs: 30_000,
      },
    );
    assert.equal(rowOf(done, "attendee-3")?.[1], "✓✓✓✓✓");

    await tmux.press("f");
    await tmux.press("f");
    const filtered = await tmux.waitFor(/showing 4 at deploy/);
    assert.equal(filtered.split("\n").filter((l) => l.startsWith("attendee-")).length, 4);
    await tmux.press("f");
    const gateway = await tmux.waitFor(/showing 1 at gateway/);
    assert.deepEqual(
      gateway
        .split("\n")
        .filter((l) => l.startsWith("attendee-"))
        .map((l) => l.split(" ")[0]),
      ["attendee-2"],
    );

    await tmux.press("q");
    await tmux.waitFor(/EXIT:0/);
  });

  test("an attendee's tour names their host and, once the facilitator sets it, where the room is", async () => {
    const tour = new Tmux(120, 36);
    try {
      await tour.start();
      await tour.type(
        `env -u CI -u NO_COLOR KUBECONFIG=${join(out, "attendee-4.kubeconfig")} ${process.execPath} ${launcher}; echo EXIT:$?`,
      );
      const opened = await tour.waitFor(
        /GATEWAY_URL 127\.0\.0\.1:\d+ {2}Host attendee-4\.bookinfo\.local \(given by/,
      );
      assert.doesNotMatch(opened, /the room is at/);
      const pace = await bookinfo(env.kubeconfig, "workshop", "pace", "gateway");
      assert.equal(pace.code, 0, pace.stderr);
      await tour.waitFor(
        /^kubectl bookinfo +context attendee-4 +namespace attendee-4 +the room is at: gateway /m,
      );
      await tour.press("q");
      await tour.waitFor(/EXIT:0/);
    } finally {
      tour.kill();
    }
  });
});
