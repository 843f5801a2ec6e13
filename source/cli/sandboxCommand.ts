import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { dump, load } from "js-yaml";
import { UserError } from "./errors.ts";
import { checkWritableTarget, privateDirectory, writePrivateFile } from "./privateFile.ts";

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

/** The kubeconfig extension that says which process serves the cluster the file points at. */
const OWNER_EXTENSION = "kubectl-bookinfo-sandbox";

/** The file with its owner recorded, as a kubeconfig extension kubectl keeps when it rewrites it. */
export function withOwner(kubeconfig: string, pid: number): string {
  const owner = { name: OWNER_EXTENSION, extension: { pid, startedAt: new Date().toISOString() } };
  return `${kubeconfig.trimEnd()}\n${dump({ extensions: [owner] })}`;
}

/** The pid recorded in a sandbox kubeconfig, if any. */
export function ownerOf(kubeconfig: string): number | undefined {
  try {
    const doc = load(kubeconfig) as { extensions?: { name?: string; extension?: { pid?: unknown } }[] };
    const pid = doc?.extensions?.find((e) => e?.name === OWNER_EXTENSION)?.extension?.pid;
    return Number.isSafeInteger(pid) && (pid as number) > 0 ? (pid as number) : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Overwriting someone's real kubeconfig would lose their clusters, and overwriting the one of a
 * sandbox still running would leave it unreachable: only a sandbox kubeconfig whose sandbox is
 * gone (or that names none) is replaced.
 */
function checkWritable(path: string): void {
  checkWritableTarget(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return;
  }
  if (!/current-context: bookinfo-sandbox\b/.test(text)) {
    throw new UserError(
      `${path} already exists and is not a sandbox kubeconfig; choose another --kubeconfig-out.`,
    );
  }
  const owner = ownerOf(text);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new UserError(
      `${path} belongs to the sandbox running as process ${owner}; stop that one first (kill ${owner}) or choose another --kubeconfig-out.`,
    );
  }
}

/** `kubectl bookinfo sandbox`: run the simulated cluster in the foreground until interrupted. */
export async function runSandboxCommand(options: SandboxCommandOptions): Promise<number> {
  const chosen = options.kubeconfigOut !== undefined;
  // By default a file in a directory of its own that no one can guess or enter.
  const own = chosen ? undefined : privateDirectory("bookinfo-sandbox-");
  const path = own ? join(own, "kubeconfig") : resolve(options.kubeconfigOut ?? "");
  const removeOwn = () => {
    if (own) rmSync(own, { recursive: true, force: true });
  };
  try {
    checkWritable(path);
  } catch (error) {
    removeOwn();
    throw error;
  }
  const { startEmbeddedSandbox } = await import("./sandboxRoot.ts");
  const sandbox = await startEmbeddedSandbox({
    speed: options.speed,
    profile: options.profile ?? "default",
    ...(options.gatewayApi ? { gatewayApi: true } : {}),
  });
  try {
    // Again: another sandbox may have claimed the file while this one started.
    checkWritable(path);
    writePrivateFile(path, withOwner(sandbox.kubeconfig, process.pid));
  } catch (error) {
    await sandbox.stop();
    removeOwn();
    throw error;
  }
  // Listening before saying so: whoever reads the line may stop the sandbox at once.
  const stopped = new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", () => done("SIGINT"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
  process.stdout.write(
    `Sandbox cluster ready at ${sandbox.server}; kubeconfig written to ${path} (export KUBECONFIG=${path}); press Ctrl-C to stop it.\n`,
  );
  const signal = await stopped;
  await sandbox.stop();
  // A default file pointed at a server that no longer exists; the user's own file stays theirs.
  removeOwn();
  process.stderr.write(`Sandbox stopped (${signal}).\n`);
  return 0;
}
