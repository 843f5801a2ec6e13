import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { Tmux } from "./tmux.ts";

// Without a terminal (a pipe, CI) the default command prints the status and changes nothing;
// --plain, asked for by name, prints the plain output of `run` as it runs the stages instead of
// drawing; start-up failures are one line and an exit code, UI or not.

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
  test("piped, --sandbox prints the sandbox's status and changes nothing; --plain runs every stage", async () => {
    const env = { ...process.env };
    delete env.CI;
    const glance = await bookinfo(["--sandbox", "--speed", "50"], env);
    assert.equal(glance.code, 3, `every stage pending: exit 3\n${glance.stderr}`);
    assert.match(glance.stdout, /^inject +pending +namespace default is not labelled for injection$/m);
    assert.match(glance.stdout, /`kubectl bookinfo --sandbox --plain` runs the stages on a sandbox/);
    assert.doesNotMatch(glance.stdout + glance.stderr, /\u001B/);

    const result = await bookinfo(["--sandbox", "--speed", "50", "--plain"], env);
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

  test("CI set: the status; --plain: plain lines; an unreadable kubeconfig: one error line, exit 1", async () => {
    await tmux.start();
    await tmux.type(`CI=true ${process.execPath} ${launcher} --sandbox --speed 50; echo GLANCE:$?`);
    const glance = await tmux.waitFor(/^GLANCE:\d+/m);
    assert.match(glance, /Not a terminal, so this is the status and nothing was changed/);
    assert.match(glance, /^GLANCE:3$/m);
    await tmux.type("clear");
    await tmux.type(`env -u CI ${process.execPath} ${launcher} --sandbox --speed 50 --plain; echo PLAIN:$?`);
    const plain = await tmux.waitFor(/^PLAIN:\d+/m);
    assert.match(plain, /All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+\nPLAIN:0/);
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
    // The tour's first frame fills the terminal, so what came before is in the scrollback now.
    const deadline = Date.now() + 20_000;
    let interactive = await tmux.history();
    while ((interactive.match(/^EXIT:1$/gm) ?? []).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      interactive = await tmux.history();
    }
    assert.equal((interactive.match(/^EXIT:1$/gm) ?? []).length, 2, interactive);
    assert.equal((interactive.match(/^error: .*\/nonexistent\/kubeconfig/gm) ?? []).length, 2, interactive);
    assert.equal(await tmux.cursorVisible(), true);
  });
});
