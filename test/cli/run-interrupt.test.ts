import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "./support.ts";

// One Ctrl-C (or SIGTERM) during `run` ends it at once, whatever the runner is waiting for,
// and says what was applied: signalled on the real process, on the sandbox.

const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;

interface Running {
  stdout: () => string;
  /** Resolves once stdout matches. */
  until(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends the signal; resolves with the exit code, stderr and how long the exit took. */
  signal(name: NodeJS.Signals): Promise<{ code: number | null; stderr: string; ms: number }>;
}

function start(kubeconfig: string, ...args: string[]): Running {
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: "/nonexistent-home" };
  const child = spawn(process.execPath, [launcher, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    stdout: () => stdout,
    async until(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`run never printed ${pattern}; it printed:\n${stdout}\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async signal(name) {
      const sent = Date.now();
      child.kill(name);
      const code = await closed;
      return { code, stderr, ms: Date.now() - sent };
    },
  };
}

describe("interrupting run", () => {
  let env: TestSandbox;
  before(async () => {
    // Slow pods, so the deploy wait is long enough to be interrupted in.
    env = await openSandbox({ speed: 0.5 });
  });
  after(async () => env.close());

  test("one Ctrl-C at the deploy wait exits 130 within a second, saying what was applied", async () => {
    const run = start(env.kubeconfig, "run", "-n", "stopped");
    await run.until(/deployment\.apps\/productpage-v1 serverside-applied\n/);
    const { code, stderr, ms } = await run.signal("SIGINT");
    assert.equal(code, 130);
    assert.ok(ms < 1_000, `took ${ms} ms to exit`);
    assert.match(
      stderr,
      /^Interrupted during stage deploy; 16 changes were applied and stay \(namespace\/stopped created, .*deployment\.apps\/productpage-v1 serverside-applied\)\. `kubectl bookinfo run` continues from what the cluster shows\.\n$/,
    );
    assert.doesNotMatch(run.stdout(), /FAILED|gave up/);
  });
});

describe("interrupting run at a stage that waits for traffic", () => {
  let env: TestSandbox;
  before(async () => {
    env = await openSandbox({ speed: 20 });
  });
  after(async () => env.close());

  test("one Ctrl-C at the route-v1 wait exits 130 within a second; SIGTERM exits 143", async () => {
    const first = await bookinfo(env.kubeconfig, "run", "-n", "routed", "--to", "verify");
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // Someone's own rule for reviews keeps route-v1 from ever being done: the run waits.
    const rule = JSON.stringify({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "reviews-mine", namespace: "routed" },
      spec: { hosts: ["reviews"], http: [{ route: [{ destination: { host: "reviews", subset: "v2" } }] }] },
    });
    const created = await new Promise<number | null>((resolve) => {
      const child = spawn("kubectl", ["--kubeconfig", env.kubeconfig, "apply", "-f", "-"], {
        env: { ...process.env, KUBECONFIG: "" },
        stdio: ["pipe", "ignore", "inherit"],
      });
      child.on("close", resolve);
      child.stdin.end(rule);
    });
    assert.equal(created, 0);

    for (const [signal, expected] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      const run = start(env.kubeconfig, "run", "-n", "routed");
      await run.until(/routing reviews to v2\n/);
      const { code, stderr, ms } = await run.signal(signal);
      assert.equal(code, expected, `${signal}: ${stderr}`);
      assert.ok(ms < 1_000, `${signal} took ${ms} ms to exit`);
      assert.match(
        stderr,
        /^Interrupted during stage route-v1; 8 changes were applied and stay \(destinationrule/,
      );
    }
  });
});
