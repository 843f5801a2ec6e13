import { spawn } from "node:child_process";

export const launcher = new URL("../../bin/kubectl-bookinfo", import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs kubectl-bookinfo as a user would, without a terminal, with the given kubeconfig. */
export function bookinfo(kubeconfig: string | undefined, ...args: string[]): Promise<CliResult> {
  const started = Date.now();
  const env = { ...process.env, KUBECONFIG: kubeconfig ?? "", HOME: "/nonexistent-home" };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [launcher, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** One sentence a person can act on: one line, no stack trace. */
export function isOneSentence(text: string): boolean {
  const lines = text.trim().split("\n");
  return lines.length <= 2 && !/\n\s+at /.test(text) && /^error: /.test(text);
}
