import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { UserError } from "./errors.ts";

/** Istio install profiles the sandbox reproduces (as `istioctl install --set profile=...`). */
export const PROFILES = ["default", "minimal", "ambient"] as const;
export type Profile = (typeof PROFILES)[number];

export interface SandboxCommandOptions {
  kubeconfigOut?: string;
  speed: number;
  /** Install the Gateway API CRDs at start; a fresh cluster has none (minimal and ambient do). */
  gatewayApi?: boolean;
  profile?: Profile;
}

export function parseSpeed(text: string): number {
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new InvalidArgumentError("it must be a positive number such as 1, 5 or 20.");
  }
  return speed;
}

/** Overwriting someone's real kubeconfig would lose their clusters; only our own files are replaced. */
function checkWritable(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  if (!/current-context: bookinfo-sandbox\b/.test(text)) {
    throw new UserError(
      `${path} already exists and is not a sandbox kubeconfig; choose another --kubeconfig-out.`,
    );
  }
}

/** `kubectl bookinfo sandbox`: run the simulated cluster in the foreground until interrupted. */
export async function runSandboxCommand(options: SandboxCommandOptions): Promise<number> {
  const chosen = options.kubeconfigOut !== undefined;
  const path = resolve(options.kubeconfigOut ?? join(tmpdir(), `bookinfo-sandbox-${process.pid}.kubeconfig`));
  checkWritable(path);
  const { startEmbeddedSandbox } = await import("./sandboxRoot.ts");
  const sandbox = await startEmbeddedSandbox({
    speed: options.speed,
    profile: options.profile ?? "default",
    ...(options.gatewayApi ? { gatewayApi: true } : {}),
  });
  try {
    writeFileSync(path, sandbox.kubeconfig, { mode: 0o600 });
  } catch (error) {
    await sandbox.stop();
    throw new UserError(
      `cannot write the kubeconfig to ${path}: ${(error as NodeJS.ErrnoException).code ?? error}.`,
    );
  }
  process.stdout.write(
    `Sandbox cluster ready at ${sandbox.server}; kubeconfig written to ${path} (export KUBECONFIG=${path}); press Ctrl-C to stop it.\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", () => done("SIGINT"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
  await sandbox.stop();
  // A default file pointed at a server that no longer exists; the user's own file stays theirs.
  if (!chosen) rmSync(path, { force: true });
  process.stderr.write(`Sandbox stopped (${signal}).\n`);
  return 0;
}
