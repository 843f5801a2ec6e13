import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "../cli/support.ts";
import { Tmux } from "./tmux.ts";

// Resizing a terminal mid-tour, as dragging its corner does: once a resize settles, the screen
// is exactly what a fresh start at that size draws, at every step, wider or narrower, taller or
// shorter, in both layouts; and what was printed above the live screen is there once.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;
const run = promisify(execFile);
const STEPS: [number, number][] = [
  [110, 30],
  [95, 40],
  [80, 24],
  [70, 28], // stacked: the stage list above the samples
  [60, 16], // the smallest the tour draws
  [120, 36],
];

let env: TestSandbox;
before(async () => {
  env = await openSandbox({ speed: 50 });
  // Mid-tour: deployed and exposed; verify turns done once the tour's own samples come in.
  const ran = await bookinfo(env.kubeconfig, "run", "--to", "gateway");
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
});
after(async () => env.close());

const tour = () => `env -u CI -u NO_COLOR KUBECONFIG=${env.kubeconfig} ${process.execPath} ${launcher}`;

/**
 * The screen's structure: what legitimately differs between two tours of the same cluster (ages,
 * sample counts, latencies, how the bars split) masked, trailing blank rows dropped.
 */
function structure(screen: string): string[] {
  const lines = screen.split("\n").map((line) =>
    line
      .replace(/\b\d+[smhd]\b/g, "AGE")
      // Which window the panel counts (the latest pages, or those since the routing last
      // changed) depends on how long a tour has been sampling, not on the screen's size.
      .replace(/Samples · .*$/, "Samples · WINDOW")
      // With the padding before them: counts are right-aligned in columns of their own.
      .replace(/ *\d+(\.\d+)?/g, " 0")
      .replace(/[█░]/g, "▒")
      // Columns padded after a count shift with the count's width: spacing is not structure.
      .replace(/ {2,}/g, "  ")
      .trimEnd(),
  );
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** Polls both screens until their structures match; fails with both when they never do. */
async function sameScreens(resized: Tmux, fresh: Tmux, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [a, b] = await Promise.all([resized.screen(), fresh.screen()]);
    const [sa, sb] = [structure(a), structure(b)];
    if (sa.join("\n") === sb.join("\n")) {
      assert.equal(sa.length, resized.rows - 1, `${what}: the frame fills all but the last row\n${a}`);
      return;
    }
    if (Date.now() > deadline) {
      const diff = sa.flatMap((line, i) =>
        line === sb[i] ? [] : [`row ${i}:\n  resized: ${line}\n  fresh:   ${sb[i]}`],
      );
      assert.fail(
        `${what}: the resized screen differs from a fresh start\n${diff.join("\n")}\n--- resized:\n${a}\n--- fresh:\n${b}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A tour started at this size straight in its own terminal, once it shows the samples. */
async function freshTour(columns: number, rows: number): Promise<Tmux> {
  const fresh = new Tmux(columns, rows);
  await fresh.start(tour());
  await fresh.waitFor((s) => /200 ?×\d+/.test(s) && /✓ 4 /.test(s), { timeoutMs: 20_000 });
  return fresh;
}

describe("resizing the tour", () => {
  const resized = new Tmux(120, 36);
  after(() => resized.kill());

  test("every settled size draws what a fresh start at that size draws; Ctrl-L repairs a scribbled screen", async () => {
    await resized.start();
    await resized.type(`${tour()}; echo EXIT:$?`);
    await resized.waitFor((s) => /200 ?×\d+/.test(s) && /✓ 4 /.test(s), { timeoutMs: 20_000 });

    for (const [columns, rows] of STEPS) {
      await resized.resize(columns, rows);
      const fresh = await freshTour(columns, rows);
      try {
        await sameScreens(resized, fresh, `after resizing to ${columns}x${rows}`);
      } finally {
        fresh.kill();
      }
    }

    // Another program writes over the screen; Ctrl-L draws it again.
    const { stdout: tty } = await run("tmux", [
      "-L",
      resized.socket,
      "display-message",
      "-p",
      "-t",
      "main",
      "#{pane_tty}",
    ]);
    writeFileSync(tty.trim(), "\u001b[3;5Hsomething else wrote here\n\n\n");
    await resized.waitFor(/something else wrote here/);
    await resized.press("C-l");
    const fresh = await freshTour(120, 36);
    try {
      await sameScreens(resized, fresh, "after Ctrl-L");
    } finally {
      fresh.kill();
    }

    // The line printed above the live screen when verify turned done is in the scrollback once,
    // and the erased frames are not kept there (what a narrower terminal pushed up as it
    // re-wrapped, the tops of frames, is the terminal's own): the keys line is the live one's.
    const history = await resized.history();
    assert.equal(history.match(/Stage 4 done/g)?.length, 1, history);
    assert.equal(history.match(/\? help/g)?.length, 1, history);

    await resized.press("q");
    await resized.waitFor(/^EXIT:0$/m);
  });
});
