import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExplainedError } from "../errors.ts";
import { EXIT } from "./errors.ts";
import { addTargetFlags, outputOption, parseCount, stageOption, type TargetFlags } from "./flags.ts";
import { parseSpeed } from "./sandboxCommand.ts";
import type { TourFlags } from "./tourCommand.ts";
import { VERSION } from "./version.ts";
import { addWorkshopCommand } from "./workshopCli.ts";

/** At most what one sampler sends without piling up requests on a slow gateway. */
function parseRate(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 50) {
    throw new InvalidArgumentError("it must be a number of requests per second from 0 to 50.");
  }
  return value;
}

/** The snapshot keeps the latest MAX_SAMPLES; a window cannot be larger. */
function parseWindow(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 200) {
    throw new InvalidArgumentError("it must be a whole number from 1 to 200.");
  }
  return value;
}

// Commands are imported when run, so `status` never loads what `sandbox` needs and vice versa.
function program(): Command {
  const root = new Command("kubectl-bookinfo")
    .description("Walk through Istio's Bookinfo traffic-management tutorial on your cluster, stage by stage.")
    .version(VERSION, "--version", "print the version and exit")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText(
      "after",
      "\nStages: inject, deploy, gateway, verify, route-v1.\n" +
        "Exit codes: 0 success; 1 failure (the message says why); 2 bad command line; 130 interrupted (Ctrl-C);\n" +
        "143 terminated (SIGTERM); the tour's q exits 0;\n" +
        "status: 3 when stages are still pending, 4 when a stage failed.",
    );

  addTargetFlags(
    root
      .command("tour", { isDefault: true })
      .description("the interactive tour (the default): stages, live pods, live samples of GATEWAY_URL")
      .option("--sandbox", "start the embedded simulated cluster in this process and tour it")
      .addOption(
        new Option("--speed <x>", "with --sandbox: speed up simulated delays by this factor")
          .default(1, "1")
          .argParser(parseSpeed),
      )
      .addOption(
        new Option("--rate <n>", "requests per second to GATEWAY_URL/productpage in the background (0: none)")
          .default(4, "4")
          .argParser(parseRate),
      )
      .addOption(
        new Option("--samples <n>", "how many of the latest samples the samples panel summarises")
          .default(100, "100")
          .argParser(parseWindow),
      )
      .option("--plain", "no terminal UI: print plain progress lines, as `run` does")
      .option("--ascii", "draw with ASCII only (marks, bars)")
      .option("--no-color", "no colours (NO_COLOR is honoured too)"),
  ).action(async (flags: TourFlags) => {
    const { runTourCommand } = await import("./tourCommand.ts");
    process.exitCode = await runTourCommand(flags);
  });

  addTargetFlags(
    root
      .command("status")
      .description("print where the namespace stands: stages, pods, GATEWAY_URL, version mix")
      .addOption(outputOption())
      .addOption(
        new Option(
          "--samples <n>",
          "requests to GATEWAY_URL/productpage (default 20 when an address is known; 0 disables)",
        ).argParser(parseCount),
      ),
  ).action(async (flags: TargetFlags & { output: "text" | "json" | "yaml"; samples?: number }) => {
    const { runStatus } = await import("./statusCommand.ts");
    process.exitCode = await runStatus(flags);
  });

  addTargetFlags(
    root
      .command("run")
      .description("run the tour without a UI: apply each stage in order and wait until it is done")
      .addOption(stageOption())
      .addOption(outputOption(["text", "json"])),
  ).action(async (flags: TargetFlags & { to: never; output: "text" | "json" }) => {
    const { runTour } = await import("./runCommand.ts");
    process.exitCode = await runTour(flags);
  });

  addTargetFlags(
    root
      .command("reset")
      .description("remove what the tour applied in the namespace (and nothing a user made)"),
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
      new Option("--speed <x>", "speed up simulated delays by this factor")
        .default(1, "1")
        .argParser(parseSpeed),
    )
    .action(async (options: { kubeconfigOut?: string; speed: number }) => {
      const { runSandboxCommand } = await import("./sandboxCommand.ts");
      process.exitCode = await runSandboxCommand(options);
    });
  return root;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
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

process.exitCode = await main(process.argv.slice(2));
