import { Command, CommanderError } from "commander";
import { ExplainedError } from "../errors.ts";
import { LESSON_IDS } from "../tutorial/lessons.ts";
import { EXIT } from "./errors.ts";
import {
  addChoiceFlags,
  addTargetFlags,
  choiceOption,
  decimal,
  lessonOption,
  outputOption,
  parseCount,
  parseSpeed,
  stageOption,
  type TargetFlags,
  valued,
  wholeNumber,
} from "./flags.ts";
import { helpText, PROGRAM, unknownCommand, usageHint } from "./help.ts";
import type { RunFlags } from "./runCommand.ts";
import type { SandboxCommandOptions } from "./sandboxCommand.ts";
import { PROFILES } from "./sandboxCommand.ts";
import type { TourFlags } from "./tourCommand.ts";
import { VERSION } from "./version.ts";
import { addWorkshopCommand } from "./workshopCli.ts";

/** At most what one sampler sends without piling up requests on a slow gateway. */
const parseRate = decimal(0, 50, "4 or 10");

/** The snapshot keeps the latest MAX_SAMPLES; a window cannot be larger. */
const parseWindow = wholeNumber(1, 200);

// Commands are imported when run, so `status` never loads what `sandbox` needs and vice versa.
function program(): Command {
  const root = new Command(PROGRAM)
    .description(
      "Walk through Istio's Bookinfo traffic-management tutorial on your cluster, stage by stage, with live pods and live traffic.",
    )
    .version(VERSION, "--version", "print the version and exit")
    .exitOverride()
    .configureHelp({ helpWidth: 80 })
    .addHelpText("after", helpText.root);

  const tour = addTargetFlags(
    root
      .command("tour", { isDefault: true })
      .description("the interactive tour (the default): stages, live pods, live samples of GATEWAY_URL")
      .option("--sandbox", "tour the embedded simulated cluster, started in this process (no cluster needed)")
      .addOption(
        valued(
          "--speed <x>",
          "with --sandbox: divide simulated delays by this (0.1 to 100)",
          parseSpeed,
        ).default(1, "1"),
      )
      .addOption(
        choiceOption(
          "--profile <name>",
          "with --sandbox: the Istio install profile of the simulated cluster",
          PROFILES,
        ),
      )
      .addOption(
        valued(
          "--rate <n>",
          "requests per second to GATEWAY_URL/productpage in the background, in each stream (0 to 50; 0: none)",
          parseRate,
        ).default(4, "4"),
      )
      .addOption(
        valued(
          "--samples <n>",
          "how many of each stream's latest samples the samples panel summarises (1 to 200)",
          parseWindow,
        ).default(100, "100"),
      )
      .option("--plain", "no screen: run the stages in order, as `run` does, printing its progress lines")
      .addOption(
        choiceOption("--lesson <lesson>", "with --plain: run up to the end of this lesson", LESSON_IDS),
      )
      .option("--ascii", "draw with ASCII only (marks, bars)")
      .option("--no-color", "no colours (NO_COLOR is honoured too)")
      .addHelpText("after", helpText.tour),
  );
  addChoiceFlags(tour).action(async (flags: TourFlags) => {
    const { runTourCommand } = await import("./tourCommand.ts");
    process.exitCode = await runTourCommand(flags);
  });

  addTargetFlags(
    root
      .command("status")
      .description("print where the namespace stands: stages, pods, GATEWAY_URL, version mix")
      .addOption(outputOption())
      .addOption(
        valued(
          "--samples <n>",
          "requests to GATEWAY_URL/productpage (0 to 200; default 20 when an address is known)",
          parseCount,
        ),
      )
      .addHelpText("after", helpText.status),
  ).action(async (flags: TargetFlags & { output: "text" | "json" | "yaml"; samples?: number }) => {
    const { runStatus } = await import("./statusCommand.ts");
    process.exitCode = await runStatus(flags);
  });

  addTargetFlags(
    root
      .command("analyze")
      .description("print what is wrong with the namespace's mesh configuration, in istioctl analyze's codes")
      .addOption(outputOption(["text", "json"]))
      .addHelpText("after", helpText.analyze),
  ).action(async (flags: TargetFlags & { output: "text" | "json" }) => {
    const { runAnalyze } = await import("./analyzeCommand.ts");
    process.exitCode = await runAnalyze(flags);
  });

  addChoiceFlags(
    addTargetFlags(
      root
        .command("run")
        .description("run the tour without a UI: apply each stage in order and wait until it is done")
        .argument("[stages...]", "run just these stages, in this order (e.g. route-jason canary-50)")
        .addOption(stageOption())
        .addOption(lessonOption())
        .addOption(outputOption(["text", "json"]))
        .addHelpText("after", helpText.run),
    ),
  ).action(async (stages: string[], flags: Omit<RunFlags, "stages">) => {
    const { runTour } = await import("./runCommand.ts");
    process.exitCode = await runTour({ ...flags, stages });
  });

  addTargetFlags(
    root
      .command("reset")
      .description("remove what the tour made in the namespace (and nothing a user made or it took over)"),
  ).action(async (flags: TargetFlags) => {
    const { runReset } = await import("./resetCommand.ts");
    process.exitCode = await runReset(flags);
  });

  addWorkshopCommand(root);

  root
    .command("sandbox")
    .description("run the embedded simulated cluster (Kubernetes API + Istio + Bookinfo) in the foreground")
    .option(
      "--kubeconfig-out <file>",
      "where to write the sandbox's kubeconfig (default: a file in the temp directory)",
    )
    .addOption(
      valued("--speed <x>", "divide simulated delays by this (0.1 to 100)", parseSpeed).default(1, "1"),
    )
    .option(
      "--gateway-api",
      "install the Gateway API CRDs (standard channel) at start, as after applying them",
    )
    .addOption(
      choiceOption(
        "--profile <name>",
        "the Istio install profile: default (istio-ingressgateway), minimal (istiod and the Gateway API), ambient",
        PROFILES,
      ).default("default"),
    )
    .action(async (options: SandboxCommandOptions) => {
      const { runSandboxCommand } = await import("./sandboxCommand.ts");
      process.exitCode = await runSandboxCommand(options);
    });

  // After a usage error, point at the help of the command that was typed, as kubectl does.
  for (const command of [root, ...root.commands]) command.showHelpAfterError(usageHint(command));
  return root;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const root = program();
    const unknown = unknownCommand(root, argv, "tour");
    if (unknown) {
      process.stderr.write(unknown);
      return EXIT.usage;
    }
    await root.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its one-line message (or the help/version text).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = (error as Error)?.message ?? String(error);
    // Explained errors are written for people; anything else is a bug, said plainly.
    const known = error instanceof ExplainedError;
    process.stderr.write(`error: ${known ? message : `unexpected failure: ${message}`}\n`);
    if (process.env.BOOKINFO_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return known ? error.exitCode : EXIT.failure;
  }
}
