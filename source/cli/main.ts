import { Command, CommanderError, Option } from "commander";
import { EXIT, UserError } from "./errors.ts";
import { parseSpeed, runSandboxCommand } from "./sandboxCommand.ts";
import { VERSION } from "./version.ts";

function program(): Command {
  const root = new Command("kubectl-bookinfo")
    .description("Walk through Istio's Bookinfo traffic-management tutorial on your cluster, stage by stage.")
    .version(VERSION, "--version", "print the version and exit")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

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
    if (error instanceof UserError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.BOOKINFO_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
