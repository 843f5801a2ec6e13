import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { Tmux } from "../e2e/tmux.ts";

// Installed the way kubectl users install a plugin from npm: the packed tarball, a global
// install into a prefix of its own, found by kubectl on PATH as `kubectl bookinfo`.

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "bookinfo-install-"));
const prefix = join(dir, "prefix");
let env: TestSandbox;
let tarball: string;

/** The PATH a user would have: the prefix's bin, a current Node, kubectl, the basics. */
async function userPath(): Promise<string> {
  const { stdout } = await run("bash", ["-c", "command -v kubectl"]);
  const dirs = [join(prefix, "bin"), dirname(process.execPath), dirname(stdout.trim()), "/usr/bin", "/bin"];
  return [...new Set(dirs)].join(delimiter);
}

before(async () => {
  env = await openSandbox({ speed: 50 });
  // npm runs the package's prepack (the build), then packs what package.json's "files" name.
  const npmEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}` };
  const packed = await run("npm", ["pack", "--pack-destination", dir, "--silent"], {
    cwd: root,
    env: npmEnv,
  });
  tarball = join(dir, packed.stdout.trim().split("\n").at(-1)!);
  // --offline: the bundle carries every dependency, so installing must not need the registry.
  await run(
    "npm",
    ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", "--silent", tarball],
    { env: npmEnv },
  );
});
after(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("npm pack, then npm install --global", () => {
  test("the package declares no runtime dependencies: the bundle carries them all", () => {
    assert.equal(
      pkg.dependencies,
      undefined,
      'dist/ bundles every runtime dependency; declare new ones under "devDependencies" so the installed package needs no registry',
    );
  });

  test("the tarball holds the launcher, the bundle and the manifests, and no source", async () => {
    const { stdout } = await run("tar", ["tzf", tarball]);
    const files = stdout.trim().split("\n");
    for (const file of [
      "package/bin/kubectl-bookinfo",
      "package/bin/package.json",
      "package/dist/kubectl-bookinfo.mjs",
      "package/manifests/bookinfo.yaml",
    ])
      assert.ok(files.includes(file), `${file} in ${files.join(" ")}`);
    assert.ok(!files.some((f) => f.startsWith("package/source/") || f.startsWith("package/test/")), stdout);
  });

  test("kubectl plugin list shows kubectl-bookinfo, with no warning", async () => {
    const { stdout, stderr } = await run("kubectl", ["plugin", "list"], {
      env: { ...process.env, PATH: await userPath() },
    });
    assert.match(stdout, new RegExp(`^${join(prefix, "bin", "kubectl-bookinfo")}$`, "m"));
    assert.doesNotMatch(stdout + stderr, /warning|kubectl-bookinfo\.js/);
  });

  test("kubectl bookinfo status reads the sandbox; --version is the package's", async () => {
    const userEnv = { ...process.env, PATH: await userPath(), KUBECONFIG: env.kubeconfig, HOME: dir };
    const status = await run("kubectl", ["bookinfo", "status", "--samples", "0"], { env: userEnv }).catch(
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal((status as { code?: number }).code, 3, `${status.stdout}${status.stderr}`);
    assert.match(status.stdout, /^Context: +bookinfo-sandbox /m);
    assert.match(status.stdout, /^inject +pending /m);
    const version = await run("kubectl", ["bookinfo", "--version"], { env: userEnv });
    assert.equal(version.stdout.trim(), pkg.version);
  });

  test("the tour's commands name the installed manifests, which are there", async () => {
    const tmux = new Tmux(160, 40);
    try {
      await tmux.start();
      await tmux.type(
        `cd ${dir} && env -u CI PATH=${await userPath()} KUBECONFIG=${env.kubeconfig} kubectl bookinfo -n installed`,
      );
      await tmux.waitFor(/○ 1 Enable sidecar injection {2}· pending/);
      await tmux.press("j");
      const screen = await tmux.waitFor(/^kubectl -n installed apply -f \S+bookinfo\.yaml$/m);
      const file = /^kubectl -n installed apply -f (\S+bookinfo\.yaml)$/m.exec(screen)![1]!;
      assert.equal(
        file,
        join(prefix, "lib", "node_modules", "kubectl-bookinfo", "manifests", "bookinfo.yaml"),
      );
      assert.ok(existsSync(file), file);
      await tmux.press("q");
    } finally {
      tmux.kill();
    }
  });
});
