import { type Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../model/istioConfig.ts";
import { OUTPUT_FORMATS } from "../print/output.ts";
import { GETTING_STARTED, LESSON_IDS, STAGE_IDS } from "../tutorial/lessons.ts";
import type { StageParameters } from "../tutorial/stage.ts";

/** The flags every command that reaches a cluster takes, with kubectl's names and precedence. */
export interface TargetFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  gatewayUrl?: string;
}

export function addTargetFlags(command: Command): Command {
  return command
    .option("-n, --namespace <namespace>", "namespace of the tour (default: the context's, else default)")
    .option("--context <name>", "kubeconfig context to use (default: the current context)")
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .addOption(
      new Option("--gateway-url <url>", "use this address for GATEWAY_URL instead of detecting it").argParser(
        parseGatewayUrl,
      ),
    );
}

export function parseGatewayUrl(text: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  try {
    const url = new URL(withScheme);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    return url.origin;
  } catch {
    throw new InvalidArgumentError("it must be host:port or a URL such as http://127.0.0.1:8080.");
  }
}

export function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new InvalidArgumentError("it must be a whole number from 0 to 10000.");
  }
  return value;
}

export const outputOption = (formats = OUTPUT_FORMATS) =>
  new Option("-o, --output <format>", "output format").choices(formats).default("text");

/** Without --to, --lesson or stage names, `run` takes the first lesson (getting-started). */
export const DEFAULT_LAST_STAGE = GETTING_STARTED.stages.at(-1)!.id;

export const stageOption = () =>
  new Option("--to <stage>", `run every stage up to this one (default: ${DEFAULT_LAST_STAGE})`).choices(
    STAGE_IDS,
  );

export const lessonOption = () =>
  new Option("--lesson <lesson>", "run the stages up to the end of this lesson").choices(LESSON_IDS);

/** The choices stages take, as flags of `run` and the tour. */
export interface ChoiceFlags {
  weights?: StageParameters["weights"];
  delay?: number;
  takeOver?: boolean;
}

export function addChoiceFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--weights <v1/v3>",
        "the canary's split of reviews between v1 and v3, e.g. 90/10 (default 50/50)",
      ).argParser(parseWeights),
    )
    .addOption(
      new Option(
        "--delay <duration>",
        "the fault-delay stage's delay on jason's calls to ratings, e.g. 2s (default 7s)",
      ).argParser(parseDelay),
    )
    .option(
      "--take-over",
      "replace objects that exist and were not made by the tour (they are marked, and reset leaves them)",
    );
}

/** "90/10" as the weights of v1 and v3; weights are shares of their sum, so 9/1 says the same. */
export function parseWeights(text: string): { v1: number; v3: number } {
  const match = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(text);
  const v1 = Number(match?.[1]);
  const v3 = Number(match?.[2]);
  if (!match || v1 > 100 || v3 > 100 || v1 + v3 === 0) {
    throw new InvalidArgumentError("it must be two whole weights for v1 and v3, such as 90/10 or 50/50.");
  }
  return { v1, v3 };
}

export function parseDelay(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > 60_000) {
    throw new InvalidArgumentError("it must be a duration from 1ms to 60s, such as 2s or 500ms.");
  }
  return ms;
}

/** The flags as the stages' parameters; only the choices given. */
export function parametersOf(flags: ChoiceFlags): StageParameters | undefined {
  const parameters: StageParameters = {
    ...(flags.weights ? { weights: flags.weights } : {}),
    ...(flags.delay !== undefined ? { delayMs: flags.delay } : {}),
  };
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}
