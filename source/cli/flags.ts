import { type Command, InvalidArgumentError, Option } from "commander";
import { isHostName } from "../model/room.ts";
import { OUTPUT_FORMATS } from "../print/output.ts";
import { STAGE_IDS } from "../tutorial/lessons.ts";

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
      new Option("--gateway-url <url>", "use this address for GATEWAY_URL instead of detecting it").argParser(
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

export const stageOption = () =>
  new Option("--to <stage>", "stop after this stage")
    .choices(STAGE_IDS)
    .default(STAGE_IDS[STAGE_IDS.length - 1]);
