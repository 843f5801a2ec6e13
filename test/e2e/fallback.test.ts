import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { Tmux } from "./tmux.ts";

// Without a terminal (a pipe, CI, --plain) the same command prints the plain output of `run`
// instead of drawing; start-up failures are one line and an exit code, UI or not.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;

function bookinfo(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [launcher, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdin.end();
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the tour without a terminal", () => {
  test("piped, --sandbox runs every stage with plain lines and no escape codes", async () => {
    const env = { ...process.env };
    delete env.CI;
    const result = await bookinfo(["--sandbox", "--speed", "50"], env);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^Starting the sandbox/);
    assert.match(result.stdout, /\[5\/5\] route-v1: Route all traffic to v1/);
    assert.match(result.stdout, /All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+/);
    assert.doesNotMatch(result.stdout + result.stderr, /\u001B/);
  });

  test("--sandbox with a kubeconfig is a usage error", async () => {
    const result = await bookinfo(["--sandbox", "--kubeconfig", "/tmp/x"], process.env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: --sandbox starts its own cluster/);
  });
});

describe("the tour in a terminal that should not draw", () => {
  const tmux = new Tmux(100, 30);
  after(() => tmux.kill());

  test("CI set or --plain: plain lines; an unreadable kubeconfig: one error line, exit 1", async () => {
    await tmux.start();
    await tmux.type(`CI=true ${process.execPath} ${launcher} --sandbox --speed 50; echo EXIT:$?`);
    const plain = await tmux.waitFor(/EXIT:\d+/);
    assert.match(plain, /All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+\nEXIT:0/);
    await tmux.type("clear");
    await tmux.type(
      `${process.execPath} ${launcher} --plain --kubeconfig /nonexistent/kubeconfig; echo EXIT:$?`,
    );
    const screen = await tmux.waitFor(/EXIT:1/);
    assert.match(screen, /^error: .*\/nonexistent\/kubeconfig/m);
    assert.doesNotMatch(screen, /GATEWAY_URL .*\(NodePort/, "nothing was drawn");
    await tmux.type(
      `env -u CI ${process.execPath} ${launcher} --kubeconfig /nonexistent/kubeconfig; echo EXIT:$?`,
    );
    const interactive = await tmux.waitFor((s) => (s.match(/EXIT:1/g) ?? []).length === 2);
    assert.equal((interactive.match(/^error: .*\/nonexistent\/kubeconfig/gm) ?? []).length, 2, interactive);
    assert.equal(await tmux.cursorVisible(), true);
  });
});
