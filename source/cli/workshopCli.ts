// `kubectl bookinfo workshop ...`: the facilitator's commands and their flags. The commands load
// when run, so the rest of the CLI never parses them.

import { Argument, type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_HOST_SUFFIX, isHostName } from "../model/room.ts";
import { STAGE_IDS } from "../tutorial/lessons.ts";
import { parseGatewayUrl } from "./flags.ts";

/** The room's name when none is given: attendee-1, attendee-2, ... */
export const DEFAULT_ROOM = "attendee";

export interface WorkshopTarget {
  kubeconfig?: string;
  context?: string;
}

export interface SetupFlags extends WorkshopTarget {
  attendees: number;
  prefix: string;
  out?: string;
  hostSuffix: string;
  duration: number;
  gatewayUrl?: string;
}

export interface TeardownFlags extends WorkshopTarget {
  prefix: string;
  out?: string;
}

export interface PaceFlags extends WorkshopTarget {
  prefix: string;
}

export interface WatchFlags extends WorkshopTarget {
  prefix: string;
  selector?: string;
  stage?: string;
  output?: "text" | "json";
  sampleEvery: number;
  samples: number;
  gatewayUrl?: string;
  plain?: boolean;
  ascii?: boolean;
  color: boolean;
}

/** Go's duration syntax as kubectl takes it ("8h", "1h30m", "90s", "500ms"), or plain seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed)
    throw new InvalidArgumentError("it must be a duration such as 8h, 90m or 1h30m.");
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? "s"] ?? 1000), 0);
}

const within = (name: string, min: number, max: number, shown: string) => (text: string) => {
  const ms = parseDuration(text);
  if (ms < min || ms > max) throw new InvalidArgumentError(`${name} must be ${shown}.`);
  return ms;
};

function parseAttendees(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 500)
    throw new InvalidArgumentError("it must be a whole number from 1 to 500.");
  return value;
}

/** A room's name starts its namespaces' names: attendee-1 must be a valid namespace name. */
function parsePrefix(text: string): string {
  const prefix = text.trim().replace(/-+$/, "");
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(prefix) || prefix.length > 50)
    throw new InvalidArgumentError(
      "it must be lower-case letters, digits and dashes, starting and ending with a letter or digit (at most 50).",
    );
  return prefix;
}

function parseHostSuffix(text: string): string {
  const suffix = text.trim().toLowerCase().replace(/^\.+/, "");
  if (!isHostName(suffix))
    throw new InvalidArgumentError("it must be a DNS name such as workshop.example.com.");
  return suffix;
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 200)
    throw new InvalidArgumentError("it must be a whole number from 0 to 200.");
  return value;
}

const target = (command: Command) =>
  command
    .option("--context <name>", "kubeconfig context to use (default: the current context)")
    .option("--kubeconfig <file>", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");

const prefixOption = () =>
  new Option("--prefix <name>", "the room: its namespaces are <name>-1, <name>-2, ...")
    .default(DEFAULT_ROOM)
    .argParser(parsePrefix);

export function addWorkshopCommand(root: Command): void {
  const workshop = root
    .command("workshop")
    .description("run a guided workshop on one shared cluster: set up a room, follow it live, set its pace");

  target(
    workshop
      .command("watch", { isDefault: true })
      .description("the facilitator's live view of the room (the default): one row per attendee namespace")
      .addOption(prefixOption())
      .option("-l, --selector <selector>", "pick the room's namespaces by label instead of by name prefix")
      .addOption(
        new Option("--stage <stage>", "show only the attendees at this stage").choices([
          ...STAGE_IDS,
          "done",
        ]),
      )
      .addOption(
        new Option("-o, --output <format>", "print the rows once instead of watching").choices([
          "text",
          "json",
        ]),
      )
      .addOption(
        new Option("--sample-every <duration>", "sample each attendee's page once in this long")
          .default(5_000, "5s")
          .argParser(within("--sample-every", 500, 600_000, "from 500ms to 10m")),
      )
      .addOption(
        new Option("--samples <n>", "with -o: requests to each attendee's page (as status takes)")
          .default(20, "20")
          .argParser(parseCount),
      )
      .addOption(
        new Option(
          "--gateway-url <url>",
          "every attendee's GATEWAY_URL (default: the room's, else detected)",
        ).argParser(parseGatewayUrl),
      )
      .option("--plain", "no terminal UI: print the rows once")
      .option("--ascii", "draw with ASCII only")
      .option("--no-color", "no colours (NO_COLOR is honoured too)"),
  ).action(async (flags: WatchFlags) => {
    const { runWorkshopWatch } = await import("./workshopCommand.ts");
    process.exitCode = await runWorkshopWatch(flags);
  });

  target(
    workshop
      .command("setup")
      .description("make a namespace, a ServiceAccount, a Role, a token and a kubeconfig for each attendee")
      .addOption(
        new Option("--attendees <n>", "how many attendees").argParser(parseAttendees).makeOptionMandatory(),
      )
      .addOption(prefixOption())
      .option("--out <dir>", "where the kubeconfigs and the list go (default: ./workshop-<prefix>)")
      .addOption(
        new Option("--host-suffix <domain>", "each attendee's host is <namespace>.<domain>")
          .default(DEFAULT_HOST_SUFFIX)
          .argParser(parseHostSuffix),
      )
      .addOption(
        new Option("--duration <duration>", "how long the attendees' tokens last")
          .default(8 * 3_600_000, "8h")
          .argParser(within("--duration", 600_000, 48 * 3_600_000, "from 10m to 48h")),
      )
      .addOption(
        new Option("--gateway-url <url>", "the GATEWAY_URL attendees reach (default: detected)").argParser(
          parseGatewayUrl,
        ),
      ),
  ).action(async (flags: SetupFlags) => {
    const { runWorkshopSetup } = await import("./workshopCommand.ts");
    process.exitCode = await runWorkshopSetup(flags);
  });

  target(
    workshop
      .command("teardown")
      .description("remove exactly what setup made for the room (its namespaces with everything in them)")
      .addOption(prefixOption())
      .option("--out <dir>", "also remove the kubeconfigs setup wrote there (default: ./workshop-<prefix>)"),
  ).action(async (flags: TeardownFlags) => {
    const { runWorkshopTeardown } = await import("./workshopCommand.ts");
    process.exitCode = await runWorkshopTeardown(flags);
  });

  target(
    workshop
      .command("pace")
      .description("record the stage the room should be at; attendees' tours show it in their header")
      .addArgument(new Argument("<stage>", "where the room should be").choices(STAGE_IDS))
      .addOption(prefixOption()),
  ).action(async (stage: string, flags: PaceFlags) => {
    const { runWorkshopPace } = await import("./workshopCommand.ts");
    process.exitCode = await runWorkshopPace(stage, flags);
  });
}
