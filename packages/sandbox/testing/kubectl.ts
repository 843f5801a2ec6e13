import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
    stop: () => Promise<KubectlResult>;
    /** Resolves with the exit code when kubectl ends on its own (or is stopped). */
    exited: Promise<number>;
  };
}

/**
 * The real kubectl against a kubeconfig, with a cache directory of its own so no discovery or
 * /version answer leaks in from another server that once had the same port.
 */
export function kubectlFor(kubeconfig: string, context?: string): Kubectl {
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
      execFile("kubectl", [...base, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    })) as Kubectl;
  run.stream = (...args: string[]) => {
    const child = spawn("kubectl", [...base, ...args], { env });
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
      exited,
      stop: async () => {
        child.kill("SIGINT");
        const code = await exited;
        return { code, stdout, stderr };
      },
    };
  };
  return run;
}
