// The composition root for the embedded cluster: the one place product code reaches the sandbox
// package, and only when `--sandbox` or `sandbox` asks for it, so every other command never
// parses it. Everything else talks to the sandbox exactly as to a real cluster: its kubeconfig.

import type { Sandbox, SandboxOptions } from "@kubectl-bookinfo/sandbox";

export type { Sandbox };

export async function startEmbeddedSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { startSandbox } = await import("@kubectl-bookinfo/sandbox");
  return startSandbox(options);
}
