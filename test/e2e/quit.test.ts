import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Tmux } from "./tmux.ts";

// Quitting at any moment ends the process promptly, restores the terminal and stops what the
// tour started: while the sandbox is starting, while a stage is being applied, by Ctrl-C.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const tour = `env -u CI ${process.execPath} ${launcher} --sandbox --speed 50`;

describe("quitting the tour", () => {
  const tmux = new Tmux(100, 30);
  after(() => tmux.kill());

  test("q while the sandbox starts, q mid-apply, and Ctrl-C each end it with a usable terminal", async () => {
    await tmux.start();
    const exits = (screen: string) => [...screen.matchAll(/^EXIT:(\d+)$/gm)].map((m) => Number(m[1]));
    // The last run's screen is still there until clear runs: wait for it to go first.
    const again = async () => {
      await tmux.type(`clear; ${tour}; echo EXIT:$?`);
      await tmux.waitFor((s) => exits(s).length === 0);
      await tmux.waitFor(/refused×\d+/);
    };

    await tmux.type(`${tour}; echo EXIT:$?`);
    await tmux.waitFor(/starting the sandbox…/, { pollMs: 5 });
    await tmux.press("q");
    let screen = await tmux.waitFor((s) => exits(s).length === 1, { timeoutMs: 10_000 });
    assert.deepEqual(exits(screen), [0]);

    await again();
    await tmux.press("n");
    await tmux.waitFor(/✓ 1 Enable/);
    // Deploy applies ten objects one by one: q lands while they are being sent.
    await tmux.press("n");
    await tmux.press("q");
    screen = await tmux.waitFor((s) => exits(s).length === 1, { timeoutMs: 10_000 });
    assert.deepEqual(exits(screen), [0]);

    await again();
    await tmux.press("C-c");
    screen = await tmux.waitFor((s) => exits(s).length === 1, { timeoutMs: 10_000 });
    assert.deepEqual(exits(screen), [130]);

    assert.equal(await tmux.cursorVisible(), true);
    await tmux.type("clear; echo usable-$((40 + 2))");
    await tmux.waitFor(/^usable-42$/m, { timeoutMs: 5_000 });
  });
});
