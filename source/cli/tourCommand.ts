import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { EXIT, UserError } from "./errors.ts";
import type { TargetFlags } from "./flags.ts";

export interface TourFlags extends TargetFlags {
  sandbox?: boolean;
  speed: number;
  rate: number;
  samples: number;
  plain?: boolean;
  ascii?: boolean;
  /** false with --no-color. */
  color: boolean;
}

/** The last stage: the tour without a terminal runs them all, as `run` does. */
const LAST_STAGE = "route-v1";

/**
 * `kubectl bookinfo [tour]`: the interactive tour when stdin and stdout are terminals and CI is
 * unset, else (or with --plain) the plain output of `run`. With --sandbox, on a simulated cluster
 * started in this process and stopped on the way out.
 */
export async function runTourCommand(
  flags: TourFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (flags.sandbox && (flags.kubeconfig !== undefined || flags.context !== undefined)) {
    throw new UserError(
      "--sandbox starts its own cluster; leave out --kubeconfig and --context.",
      EXIT.usage,
    );
  }
  const interactive =
    !flags.plain && process.stdin.isTTY === true && process.stdout.isTTY === true && !env.CI;
  if (!interactive) return plainTour(flags);

  keepYoungGenerationSmall();
  // Ink and React load only here, so status, run and the plain tour never parse them.
  const { runInteractiveTour } = await import("../ui/runTour.tsx");
  return runInteractiveTour({
    bootText: flags.sandbox
      ? "starting the sandbox"
      : `connecting to ${flags.context ?? "the current context"}`,
    ascii: flags.ascii ?? false,
    // https://no-color.org: any non-empty NO_COLOR turns colour off.
    color: flags.color && !env.NO_COLOR,
    window: flags.samples,
    rate: flags.rate,
    hasIstioctl: onPath("istioctl", env),
    async open(hooks) {
      const sandbox = flags.sandbox ? await startSandboxFile(flags.speed) : undefined;
      try {
        if (sandbox) hooks.progress("connecting to the sandbox");
        const { TourSession } = await import("../engine/tourSession.ts");
        const session = await TourSession.open({
          ...target(flags),
          ...(sandbox ? { kubeconfig: sandbox.kubeconfig } : {}),
          sampleRate: flags.rate,
          onWatchError: (error) => hooks.onProblem(`A watch failed and is being retried: ${error.message}`),
        });
        try {
          hooks.progress(`reading namespace ${session.cluster.target.namespace}`);
          await session.start();
        } catch (error) {
          await session.stop();
          throw error;
        }
        return {
          session,
          async close() {
            await session.stop().catch(() => {});
            await sandbox?.stop();
          },
        };
      } catch (error) {
        await sandbox?.stop();
        throw error;
      }
    },
  });
}

async function plainTour(flags: TourFlags): Promise<number> {
  const { runTour } = await import("./runCommand.ts");
  if (!flags.sandbox) return runTour({ ...target(flags), to: LAST_STAGE, output: "text" });
  process.stdout.write("Starting the sandbox (a simulated cluster with Istio, in this process)\n");
  const sandbox = await startSandboxFile(flags.speed);
  try {
    return await runTour({
      ...target(flags),
      kubeconfig: sandbox.kubeconfig,
      to: LAST_STAGE,
      output: "text",
    });
  } finally {
    await sandbox.stop();
  }
}

function target(flags: TargetFlags): TargetFlags {
  const { kubeconfig, context, namespace, gatewayUrl, host } = flags;
  return { kubeconfig, context, namespace, gatewayUrl, host };
}

/**
 * Starts the sandbox and writes its kubeconfig (it holds the admin token) to a file only this
 * user can read, in a directory of its own; both go when the sandbox stops or the process ends.
 */
async function startSandboxFile(speed: number): Promise<{ kubeconfig: string; stop(): Promise<void> }> {
  const { startEmbeddedSandbox } = await import("./sandboxRoot.ts");
  const sandbox = await startEmbeddedSandbox({ speed });
  const dir = mkdtempSync(join(tmpdir(), "bookinfo-tour-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", remove);
  const kubeconfig = join(dir, "kubeconfig");
  try {
    writeFileSync(kubeconfig, sandbox.kubeconfig, { mode: 0o600 });
  } catch (error) {
    await sandbox.stop();
    remove();
    throw new UserError(
      `cannot write the sandbox's kubeconfig to ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}.`,
    );
  }
  return {
    kubeconfig,
    async stop() {
      await sandbox.stop().catch(() => {});
      remove();
      process.off("exit", remove);
    },
  };
}

/**
 * The tour stays open for hours doing little, but what it keeps across collections (snapshots,
 * samples) makes V8 grow the young generation step by step to its maximum: measured, RSS went
 * from 150 to 240 MB in 30 minutes with a live heap of 24 MB throughout. Without growth the
 * young generation keeps its first size; that costs more frequent (small) scavenges, which at
 * 4 samples a second is noise. V8 reads this flag whenever it would grow the space.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}
