import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  (...args: string[]): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. `get -w`) and collects its output until stopped. */
  stream(...args: string[]): {
    output: () => string;
    /** What it wrote to stderr so far. */
    errors: () => string;
    /** Resolves with its exit code once it exits by itself. */
    exited: Promise<number>;
    /** Writes to its stdin (and ends stdin when `end` is set). */
    input: (text: string, end?: boolean) => void;
    stop: () => Promise<KubectlResult>;
  };
}

/**
 * The path of kubectl 1.<minor> itself, bypassing the dispatcher that picks a kubectl by the
 * server's version (Google Cloud SDK installs them side by side), or undefined when this
 * machine has no such binary.
 */
export function versionedKubectl(minor: number): string | undefined {
  try {
    const dispatcher = realpathSync(execFileSync("which", ["kubectl"], { encoding: "utf8" }).trim());
    const binary = join(dirname(dispatcher), `kubectl.1.${minor}`);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The real kubectl against a kubeconfig, with a cache directory of its own so no discovery or
 * /version answer leaks in from another server that once had the same port.
 */
export function kubectlFor(kubeconfig: string, context?: string, binary = "kubectl"): Kubectl {
  const cacheDir = mkdtempSync(join(tmpdir(), "kubectl-cache-"));
  const base = [
    "--kubeconfig",
    kubeconfig,
    "--cache-dir",
    cacheDir,
    ...(context ? ["--context", context] : []),
  ];
  const env = { ...process.env, KUBECONFIG: "", HOME: cacheDir };
  const run = ((...args: string[]) =>
    new Promise<KubectlResult>((resolve) => {
      execFile(binary, [...base, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    })) as Kubectl;
  run.stream = (...args: string[]) => {
    const child = spawn(binary, [...base, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 0)));
    return {
      output: () => stdout,
      errors: () => stderr,
      exited,
      input: (text: string, end = false) => {
        child.stdin.write(text);
        if (end) child.stdin.end();
      },
      stop: async () => {
        child.kill("SIGINT");
        const code = await exited;
        return { code, stdout, stderr };
      },
    };
  };
  return run;
}
