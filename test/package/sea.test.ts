import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { Tmux } from "../e2e/tmux.ts";

// The single-file executable (npm run build:sea), where no Node is installed: on a PATH with
// kubectl and nothing else, kubectl finds it as `kubectl bookinfo`, and status, the tour and the
// embedded sandbox all run from it (the manifests inside it, none beside it).

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bookinfo-sea-"));
const binDir = join(dir, "bin");
const executable = join(binDir, "kubectl-bookinfo");
let env: TestSandbox;
let noNode: string;

before(async () => {
  env = await openSandbox({ speed: 50 });
  await run(process.execPath, [join(root, "scripts/build-sea.js"), "--out", executable], { cwd: root });
  const { stdout } = await run("bash", ["-c", "command -v kubectl"]);
  // kubectl alone: a directory with only a link to it, so no node can be found on this PATH.
  const kubectlDir = join(dir, "kubectl");
  await run("mkdir", ["-p", kubectlDir]);
  await run("ln", ["-s", stdout.trim(), join(kubectlDir, "kubectl")]);
  noNode = `${binDir}:${kubectlDir}`;
});
after(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the single-file executable", () => {
  test("kubectl finds it and `kubectl bookinfo status` runs from it, with no Node on PATH", async () => {
    const noNodeEnv = { PATH: noNode, HOME: dir, KUBECONFIG: env.kubeconfig };
    await assert.rejects(run("bash", ["-c", "command -v node"], { env: noNodeEnv }), "no node on this PATH");
    const plugins = await run(join(dir, "kubectl", "kubectl"), ["plugin", "list"], { env: noNodeEnv });
    assert.match(plugins.stdout, new RegExp(`^${executable}$`, "m"));
    const status = await run(join(dir, "kubectl", "kubectl"), ["bookinfo", "status", "--samples", "0"], {
      env: noNodeEnv,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    assert.equal((status as { code?: number }).code, 3, `${status.stdout}${status.stderr}`);
    assert.match(status.stdout, /^inject +pending /m);
    const version = await run(executable, ["--version"], { env: noNodeEnv });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  });

  test("the tour on its embedded sandbox: a stage runs, the commands name Istio's paths, q exits 0", async () => {
    const tmux = new Tmux(120, 36);
    try {
      await tmux.start();
      // From a directory with no manifests around: the executable's own copies are used.
      await tmux.type(
        `cd ${dir} && env -i TERM=xterm-256color HOME=${dir} PATH=${noNode} kubectl bookinfo --sandbox --speed 50; echo EXIT:$?`,
      );
      await tmux.waitFor(/refused ?×\d+/, { timeoutMs: 30_000 });
      await tmux.press("n");
      await tmux.waitFor(/✓ 1 Enable sidecar injection/);
      await tmux.press("n");
      await tmux.waitFor(/✓ 2 Deploy Bookinfo/, { timeoutMs: 30_000 });
      // The stage just run stays selected with its outcome; the next one is a key away.
      await tmux.press("j");
      const deployed = await tmux.waitFor(/^○ 3 Expose Bookinfo through the ingress gateway {2}· pending$/m, {
        timeoutMs: 30_000,
      });
      assert.match(deployed, /^details-v1-\S+ +2\/2 +Running /m);
      assert.match(deployed, /paths as in an Istio release/);
      assert.match(
        deployed,
        /^kubectl -n default apply -f samples\/bookinfo\/networking\/bookinfo-gateway\.yaml$/m,
      );
      await tmux.press("q");
      await tmux.waitFor(/^EXIT:0$/m);
    } finally {
      tmux.kill();
    }
  });
});
