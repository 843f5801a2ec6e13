import { accessSync, constants, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { EXIT, UserError } from "./errors.ts";
import { type ChoiceFlags, parametersOf, type TargetFlags } from "./flags.ts";
import type { Profile } from "./sandboxCommand.ts";

export interface TourFlags extends TargetFlags, ChoiceFlags {
  sandbox?: boolean;
  speed: number;
  /** With --sandbox: the Istio install profile of the simulated cluster. */
  profile?: Profile;
  rate: number;
  samples: number;
  plain?: boolean;
  /** With --plain: run up to the end of this lesson. */
  lesson?: string;
  ascii?: boolean;
  /** false with --no-color. */
  color: boolean;
}

/**
 * `kubectl bookinfo [tour]`: the interactive tour when stdin and stdout are terminals and CI is
 * unset; else the status, changing nothing (a pipe or a log is no one asking for the stages);
 * with --plain, asked for by name, the stages in order with the plain output of `run`. With
 * --sandbox, on a simulated cluster started in this process and stopped on the way out.
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
  if (flags.profile !== undefined && !flags.sandbox) {
    throw new UserError("--profile chooses how the sandbox is installed; use it with --sandbox.", EXIT.usage);
  }
  if (flags.plain) return plainTour(flags);
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true && !env.CI;
  if (!terminal) return statusWithoutTerminal(flags);

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
    ...(parametersOf(flags) ? { parameters: parametersOf(flags) } : {}),
    ...(flags.takeOver ? { takeOver: true } : {}),
    async open(hooks) {
      const sandbox = flags.sandbox ? await startSandboxFile(flags.speed, flags.profile) : undefined;
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

/** Without a terminal the tour is `run`: the first lesson, or up to the end of --lesson. */
async function plainTour(flags: TourFlags): Promise<number> {
  const { runTour } = await import("./runCommand.ts");
  const what = {
    ...(flags.lesson ? { lesson: flags.lesson } : {}),
    weights: flags.weights,
    delay: flags.delay,
    takeOver: flags.takeOver,
    output: "text" as const,
  };
  if (!flags.sandbox) return runTour({ ...target(flags), ...what });
  process.stdout.write("Starting the sandbox (a simulated cluster with Istio, in this process)\n");
  const sandbox = await startSandboxFile(flags.speed, flags.profile);
  try {
    return await runTour({ ...target(flags), kubeconfig: sandbox.kubeconfig, ...what });
  } finally {
    await sandbox.stop();
  }
}

/** Where things stand, and how to go on: without a terminal the tour changes nothing. */
async function statusWithoutTerminal(flags: TourFlags): Promise<number> {
  const { runStatus } = await import("./statusCommand.ts");
  const sandbox = flags.sandbox ? await startSandboxFile(flags.speed, flags.profile) : undefined;
  try {
    const code = await runStatus({
      ...target(flags),
      ...(sandbox ? { kubeconfig: sandbox.kubeconfig } : {}),
      output: "text",
    });
    process.stdout.write(`\n${noTerminalNote(flags.sandbox === true)}\n`);
    return code;
  } finally {
    await sandbox?.stop();
  }
}

export function noTerminalNote(sandbox: boolean): string {
  const tour = sandbox ? "kubectl bookinfo --sandbox" : "kubectl bookinfo";
  const apply = sandbox
    ? "`kubectl bookinfo --sandbox --plain` runs the stages on a sandbox, printing their progress"
    : "`kubectl bookinfo run` applies the stages";
  return `Not a terminal, so this is the status and nothing was changed: ${apply}; \`${tour}\` in a terminal opens the tour.`;
}

function target(flags: TargetFlags): TargetFlags {
  const { kubeconfig, context, namespace, gatewayUrl, host } = flags;
  return { kubeconfig, context, namespace, gatewayUrl, host };
}

/**
 * Starts the sandbox and writes its kubeconfig (it holds the admin token) to a file only this
 * user can read, in a directory of its own; both go when the sandbox stops or the process ends.
 */
async function startSandboxFile(
  speed: number,
  profile: Profile | undefined,
): Promise<{ kubeconfig: string; stop(): Promise<void> }> {
  const { startEmbeddedSandbox } = await import("./sandboxRoot.ts");
  const { privateDirectory, writePrivateFile } = await import("./privateFile.ts");
  const sandbox = await startEmbeddedSandbox({ speed, ...(profile ? { profile } : {}) });
  let dir: string;
  try {
    dir = privateDirectory("bookinfo-tour-");
  } catch (error) {
    await sandbox.stop();
    throw new UserError(
      `cannot make a private directory for the sandbox's kubeconfig: ${(error as NodeJS.ErrnoException).code ?? error}.`,
    );
  }
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", remove);
  const kubeconfig = join(dir, "kubeconfig");
  try {
    writePrivateFile(kubeconfig, sandbox.kubeconfig);
  } catch (error) {
    await sandbox.stop();
    remove();
    throw error;
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
