import { type Command, InvalidArgumentError, Option } from "commander";
import { MAX_SAMPLES } from "../model/reduceSnapshot.ts";
import { OUTPUT_FORMATS } from "../print/output.ts";
import { STAGE_IDS } from "../tutorial/lessons.ts";
import { EXIT, UserError } from "./errors.ts";

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
      valued(
        "--gateway-url <url>",
        "the ingress address to use as GATEWAY_URL instead of finding it (host:port or an http(s) URL)",
        parseGatewayUrl,
      ),
    );
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

/** How many requests `status` takes: the snapshot keeps at most MAX_SAMPLES, so no more. */
export const parseCount = wholeNumber(0, MAX_SAMPLES);

/** The sandbox's speed-up of its simulated delays. */
export const parseSpeed = decimal(0.1, 100, "5 or 20");

export const outputOption = (formats: readonly string[] = OUTPUT_FORMATS) =>
  choiceOption("-o, --output <format>", "output format", formats).default("text");

export const stageOption = () =>
  choiceOption("--to <stage>", "stop after this stage", STAGE_IDS).default(STAGE_IDS[STAGE_IDS.length - 1]);
