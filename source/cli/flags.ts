import { type Command, InvalidArgumentError, Option } from "commander";
import { parseDuration } from "../model/istioConfig.ts";
import { MAX_SAMPLES } from "../model/reduceSnapshot.ts";
import { isHostName } from "../model/room.ts";
import { OUTPUT_FORMATS } from "../print/output.ts";
import { GETTING_STARTED, LESSON_IDS, STAGE_IDS } from "../tutorial/lessons.ts";
import type { StageParameters } from "../tutorial/stage.ts";
import { EXIT, UserError } from "./errors.ts";

/** The flags every command that reaches a cluster takes, with kubectl's names and precedence. */
export interface TargetFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  gatewayUrl?: string;
  /** `--host`: the Host header to send to GATEWAY_URL (and the Gateway's host). */
  host?: string;
}

export function addTargetFlags(command: Command): Command {
  return command
    .option("-n, --namespace <namespace>", "namespace of the tour (default: the context's, else default)")
    .option("--context <name>", "kubeconfig context to use (default: the current context)")
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
    .addOption(
      valued(
        "--gateway-url <url>",
        "the ingress address to use as GATEWAY_URL instead of finding it (host:port or an http(s) URL)",
        parseGatewayUrl,
      ),
    )
    .addOption(
      new Option(
        "--host <name>",
        "Host header for GATEWAY_URL and host of the Gateway (default: the workshop room's, else any)",
      ).argParser(parseHost),
    );
}

export function parseHost(text: string): string {
  const host = text.trim().toLowerCase();
  if (!isHostName(host))
    throw new InvalidArgumentError("it must be a DNS name such as attendee-1.bookinfo.local.");
  return host;
}

/**
 * An option whose value is checked by `parse`. A bad value ends in one sentence, as kubectl
 * words it: `invalid argument "500" for "--samples" flag: it must be a whole number from 0 to 200.`
 * (commander's own wording is two sentences, "... is invalid. it must be ...").
 */
export function valued<T>(flags: string, description: string, parse: (text: string) => T): Option {
  return checkedBy(new Option(flags, description), parse);
}

/** One of `choices`; the help still lists them (commander shows an option's argChoices). */
export function choiceOption(flags: string, description: string, choices: readonly string[]): Option {
  // .choices() installs commander's own parser, so ours goes on after it.
  return checkedBy(new Option(flags, description).choices(choices), (text) => {
    if (choices.includes(text)) return text;
    throw new InvalidArgumentError(`it must be one of ${choices.join(", ")}.`);
  });
}

function checkedBy<T>(option: Option, parse: (text: string) => T): Option {
  const name = option.long ?? option.short ?? option.flags;
  return option.argParser((text: string) => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      throw new UserError(`invalid argument "${text}" for "${name}" flag: ${error.message}`, EXIT.usage);
    }
  });
}

/**
 * GATEWAY_URL as the tutorial exports it (host:port) or as a URL with http or https. Anything
 * else (a bare word, another scheme, a path) would only show up later as a failing sample.
 */
export function parseGatewayUrl(text: string): string {
  const message =
    "it must be host:port (such as 127.0.0.1:8080) or an http(s) URL (such as http://127.0.0.1:8080).";
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  if (!hasScheme && !/^(\[[0-9a-f:.]+\]|[^\s/:@[\]]+):\d+$/i.test(text))
    throw new InvalidArgumentError(message);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `http://${text}`);
  } catch {
    throw new InvalidArgumentError(message);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError(message);
  if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
    throw new InvalidArgumentError(
      "it must be the ingress address alone (host:port or scheme://host:port); the tour adds /productpage itself.",
    );
  }
  return url.origin;
}

/** A whole number in [min, max]; the message gives the range. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`it must be a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

/** A number in [min, max], fractions allowed; the message gives the range and an example. */
export function decimal(min: number, max: number, example: string): (text: string) => number {
  return (text) => {
    const value = text.trim() === "" ? Number.NaN : Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`it must be a number from ${min} to ${max}, such as ${example}.`);
    }
    return value;
  };
}

/**
 * How many requests `status` takes in each stream: the snapshot keeps MAX_SAMPLES for all the
 * streams together, and the panel summarises at most 200 of one, so no more than that.
 */
export const parseCount = wholeNumber(0, Math.min(200, MAX_SAMPLES / 2));

/** The sandbox's speed-up of its simulated delays. */
export const parseSpeed = decimal(0.1, 100, "5 or 20");

export const outputOption = (formats: readonly string[] = OUTPUT_FORMATS) =>
  choiceOption("-o, --output <format>", "output format", formats).default("text");

/** Without --to, --lesson or stage names, `run` takes the first lesson (getting-started). */
export const DEFAULT_LAST_STAGE = GETTING_STARTED.stages.at(-1)!.id;

export const stageOption = () =>
  choiceOption("--to <stage>", `run every stage up to this one (default: ${DEFAULT_LAST_STAGE})`, STAGE_IDS);

export const lessonOption = () =>
  choiceOption("--lesson <lesson>", "run the stages up to the end of this lesson", LESSON_IDS);

/** The choices stages take, as flags of `run` and the tour. */
export interface ChoiceFlags {
  weights?: StageParameters["weights"];
  delay?: number;
  takeOver?: boolean;
}

export function addChoiceFlags(command: Command): Command {
  return command
    .addOption(
      valued(
        "--weights <v1/v3>",
        "the canary's split of reviews between v1 and v3, e.g. 90/10 (default 50/50)",
        parseWeights,
      ),
    )
    .addOption(
      valued(
        "--delay <duration>",
        "the fault-delay stage's delay on jason's calls to ratings, e.g. 2s (default 7s)",
        parseDelay,
      ),
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
