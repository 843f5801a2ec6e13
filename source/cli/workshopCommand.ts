import { readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { type Cluster, connect } from "../cluster/connect.ts";
import { resolveTarget } from "../cluster/kubeconfig.ts";
import {
  type Attendee,
  attendeeKubeconfig,
  attendeeOrder,
  attendeeRules,
  attendeesOf,
  eachLimited,
  foreignNamespaces,
  grantPaceReaders,
  type IssuedToken,
  recordPace,
  requireRights,
  roomGatewayAddress,
  roomNamespaces,
  setupAttendee,
  teardownRoom,
  writableKinds,
} from "../cluster/workshop.ts";
import { humanDuration } from "../model/age.ts";
import { FACILITATOR_NAMESPACE, ROOM_LABEL } from "../model/room.ts";
import { structured } from "../print/output.ts";
import { atStage, RoomRows, roomText, sortRows } from "../print/roomRows.ts";
import { formatTable } from "../print/table.ts";
import { LESSONS, STAGES } from "../tutorial/lessons.ts";
import type { StageId } from "../tutorial/stage.ts";
import { EXIT, UserError } from "./errors.ts";
import { ensurePrivateDirectory, removeFile, writePrivateFile } from "./privateFile.ts";
import { keepYoungGenerationSmall } from "./tourCommand.ts";
import type { PaceFlags, SetupFlags, TeardownFlags, WatchFlags } from "./workshopCli.ts";

const RBAC = "rbac.authorization.k8s.io";
/** Attendees set up at once: enough to make 50 quick, few enough not to flood the API server. */
const CONCURRENCY = 8;
const LIST_FILE = "attendees.txt";

const outDir = (flags: { out?: string; prefix: string }) => flags.out ?? `workshop-${flags.prefix}`;

/** Progress on stderr: one line rewritten in place on a terminal, a line now and then otherwise. */
function progressLine(): { say(text: string, last?: boolean): void; done(): void } {
  const tty = process.stderr.isTTY === true && !process.env.CI;
  let shown = false;
  let lastAt = 0;
  return {
    say(text, last = false) {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${text}`);
        shown = true;
        return;
      }
      const now = Date.now();
      if (now - lastAt < 2_000 && !last) return;
      lastAt = now;
      process.stderr.write(`${text}\n`);
    },
    done() {
      if (tty && shown) process.stderr.write("\r\x1b[2K");
      shown = false;
    },
  };
}

async function withCluster<T>(
  flags: { kubeconfig?: string; context?: string },
  work: (cluster: Cluster) => Promise<T>,
) {
  // A plugin may print a device-code login on stderr, as under kubectl.
  const cluster = connect(resolveTarget(flags), process.env, { pluginsMayPrompt: true });
  try {
    await cluster.probe();
    return await work(cluster);
  } finally {
    await cluster.close();
  }
}

/** `kubectl bookinfo workshop setup`: the room, one attendee at a time (eight at once). */
export async function runWorkshopSetup(flags: SetupFlags): Promise<number> {
  const room = flags.prefix;
  const dir = outDir(flags);
  return withCluster(flags, async (cluster) => {
    await requireRights(
      cluster,
      [
        { verb: "create", resource: "namespaces" },
        { verb: "patch", resource: "namespaces" },
        { verb: "create", resource: "serviceaccounts" },
        { verb: "create", resource: "roles", group: RBAC },
        { verb: "create", resource: "rolebindings", group: RBAC },
        { verb: "create", resource: "serviceaccounts", subresource: "token" },
        { verb: "create", resource: "configmaps" },
      ],
      "setting up a workshop",
    );
    const attendees = attendeesOf(room, flags.attendees, flags.hostSuffix);
    const foreign = await foreignNamespaces(
      cluster,
      room,
      attendees.map((a) => a.namespace),
    );
    if (foreign.length > 0) {
      const [one, ...rest] = foreign;
      const named =
        rest.length === 0
          ? `namespace ${one} exists`
          : `namespaces ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""} exist`;
      throw new UserError(
        `${named} but ${rest.length === 0 ? "is" : "are"} not part of room ${room} (no label ${ROOM_LABEL}=${room}); pick another --prefix, or delete ${rest.length === 0 ? "it" : "them"} first.`,
      );
    }
    const gateway = await roomGatewayAddress(cluster, flags.gatewayUrl);
    const rules = attendeeRules(
      await writableKinds(
        cluster,
        STAGES.flatMap((stage) => stage.manifests),
      ),
    );
    ensurePrivateDirectory(dir);
    const caPem = caOf(cluster);

    const progress = progressLine();
    const tokens = new Map<string, IssuedToken>();
    progress.say(`Setting up room ${room}: 0 of ${attendees.length} attendees`);
    try {
      await eachLimited(attendees, CONCURRENCY, async (attendee) => {
        const token = await setupAttendee(cluster, {
          room,
          attendee,
          rules,
          gatewayUrl: gateway?.url ?? null,
          tokenSeconds: Math.round(flags.duration / 1000),
        });
        writePrivateFile(
          kubeconfigFile(dir, attendee),
          attendeeKubeconfig(cluster.target, attendee, token.token, caPem),
        );
        tokens.set(attendee.namespace, token);
        progress.say(
          `Setting up room ${room}: ${tokens.size} of ${attendees.length} attendees (${attendee.namespace} ready)`,
          tokens.size === attendees.length,
        );
      });
    } finally {
      progress.done();
    }
    // Every namespace of the room may read its pace, those of an earlier, larger setup too.
    const all = (await roomNamespaces(cluster, room)).map((ns) => ns.metadata.name ?? "");
    await grantPaceReaders(cluster, room, all);

    const expiries = [...tokens.values()].map((t) => Date.parse(t.expiresAt)).filter(Number.isFinite);
    const expires = expiries.length > 0 ? Math.min(...expiries) : Number.NaN;
    const list = attendeeList({
      room,
      context: cluster.target.context,
      server: cluster.target.server,
      attendees,
      dir,
      gateway: gateway
        ? `${gateway.url.replace(/^https?:\/\//, "")} (${gateway.source === "flag" ? "--gateway-url" : gateway.source})`
        : null,
      expires,
      extra: all.filter((name) => !attendees.some((a) => a.namespace === name)),
    });
    writePrivateFile(join(dir, LIST_FILE), list);
    process.stdout.write(list);
    return EXIT.ok;
  });
}

const kubeconfigFile = (dir: string, attendee: Pick<Attendee, "namespace">) =>
  join(dir, `${attendee.namespace}.kubeconfig`);

/** The CA of the facilitator's cluster as PEM, when the kubeconfig names it by file. */
function caOf(cluster: Cluster): string | undefined {
  const file = cluster.target.cluster.certificateAuthority;
  if (!file || cluster.target.cluster.certificateAuthorityData) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(
      `cannot read certificate-authority ${file} (${(error as NodeJS.ErrnoException).code ?? error}) to put it in the attendees' kubeconfigs; fix the path in your kubeconfig.`,
    );
  }
}

interface ListInput {
  room: string;
  context: string;
  server: string;
  attendees: Attendee[];
  dir: string;
  gateway: string | null;
  expires: number;
  extra: string[];
}

/** The printable list: who gets which namespace, host and file, and how they start. */
function attendeeList(input: ListInput): string {
  const { room, attendees, dir } = input;
  const until = Number.isFinite(input.expires)
    ? `tokens valid until ${new Date(input.expires).toISOString().replace(/\.\d+Z$/, "Z")} (${humanDuration(input.expires - Date.now())})`
    : "tokens issued";
  const lines = [
    `Room ${room}: ${attendees.length} attendee${attendees.length === 1 ? "" : "s"} on context ${input.context} (${input.server})`,
    input.gateway
      ? `GATEWAY_URL ${input.gateway}; ${until}`
      : `GATEWAY_URL not found (attendees cannot look for it): run setup again with --gateway-url HOST:PORT; ${until}`,
    "",
    ...formatTable(
      ["ATTENDEE", "NAMESPACE", "HOST", "KUBECONFIG", "START"],
      attendees.map((a) => [
        String(a.number),
        a.namespace,
        a.host,
        kubeconfigFile(dir, a),
        `KUBECONFIG=${kubeconfigFile(dir, a)} kubectl bookinfo`,
      ]),
    ),
    "",
  ];
  if (input.extra.length > 0)
    lines.push(
      `Room ${room} also has ${input.extra.join(", ")} from an earlier setup; teardown removes them with the rest.`,
    );
  lines.push(
    `Hand each attendee their kubeconfig file (it holds their token). Follow the room: kubectl bookinfo workshop --prefix ${room}`,
    `Set its pace: kubectl bookinfo workshop pace STAGE --prefix ${room}; remove it all: kubectl bookinfo workshop teardown --prefix ${room}`,
  );
  return `${lines.join("\n")}\n`;
}

/** `kubectl bookinfo workshop teardown`: what setup made, and the files it wrote. */
export async function runWorkshopTeardown(flags: TeardownFlags): Promise<number> {
  const room = flags.prefix;
  return withCluster(flags, async (cluster) => {
    await requireRights(
      cluster,
      [
        { verb: "list", resource: "namespaces" },
        { verb: "delete", resource: "namespaces" },
      ],
      "tearing down a workshop",
    );
    const progress = progressLine();
    const lines: string[] = [];
    let namespaces = 0;
    try {
      await teardownRoom(cluster, room, {
        onLine(line) {
          progress.done();
          process.stdout.write(`${line}\n`);
          lines.push(line);
          if (line.startsWith("namespace/") && !line.startsWith(`namespace/${FACILITATOR_NAMESPACE} `))
            namespaces++;
        },
        onWaiting(left) {
          progress.say(
            `Waiting for ${left.length} namespace${left.length === 1 ? "" : "s"} to finish terminating (${left[0]}${left.length > 1 ? ", ..." : ""})`,
          );
        },
      });
    } finally {
      progress.done();
    }
    const files = removeRoomFiles(outDir(flags), room);
    if (files > 0)
      process.stdout.write(`removed ${files} file${files === 1 ? "" : "s"} from ${outDir(flags)}\n`);
    if (lines.length === 0 && files === 0)
      process.stdout.write(`Nothing to remove: no namespace is labelled ${ROOM_LABEL}=${room}.\n`);
    else
      process.stdout.write(
        `Room ${room} removed (${namespaces} attendee namespace${namespaces === 1 ? "" : "s"}).\n`,
      );
    return EXIT.ok;
  });
}

/** The kubeconfigs and the list setup wrote for the room; the directory too once it is empty. */
function removeRoomFiles(dir: string, room: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const ours = new RegExp(`^${room.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+\\.kubeconfig$`);
  let removed = 0;
  for (const name of names.sort(attendeeOrder))
    if ((ours.test(name) || name === LIST_FILE) && removeFile(join(dir, name))) removed++;
  try {
    if (removed > 0 && readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Not ours to insist on.
  }
  return removed;
}

/** `kubectl bookinfo workshop pace STAGE`: where the room should be, for every attendee's header. */
export async function runWorkshopPace(stage: string, flags: PaceFlags): Promise<number> {
  return withCluster(flags, async (cluster) => {
    await requireRights(
      cluster,
      [
        { verb: "create", resource: "configmaps", namespace: FACILITATOR_NAMESPACE },
        { verb: "patch", resource: "configmaps", namespace: FACILITATOR_NAMESPACE },
      ],
      "setting the room's pace",
    );
    const line = await recordPace(cluster, flags.prefix, stage);
    // Numbered as the tour numbers it, across lessons, so the room's screens and this agree.
    const index = STAGES.findIndex((s) => s.id === stage);
    const lesson = LESSONS.find((l) => l.stages.some((s) => s.id === stage));
    process.stdout.write(
      `${line}\nThe room ${flags.prefix} is at: ${stage} (stage ${index + 1} of ${STAGES.length}, ${lesson?.title ?? "the tour"}).\n`,
    );
    return EXIT.ok;
  });
}

/** `kubectl bookinfo workshop [watch]`: the live view on a terminal, else the rows once. */
export async function runWorkshopWatch(
  flags: WatchFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const interactive =
    !flags.plain &&
    flags.output === undefined &&
    process.stdin.isTTY === true &&
    process.stdout.isTTY === true &&
    !env.CI;
  const options = {
    kubeconfig: flags.kubeconfig,
    context: flags.context,
    room: flags.prefix,
    selector: flags.selector,
    gatewayUrl: flags.gatewayUrl,
  };
  const filter = flags.stage as StageId | "done" | undefined;
  if (!interactive) {
    const { loadRoom } = await import("../engine/roomSession.ts");
    const report = new RoomRows().report(await loadRoom({ ...options, samples: flags.samples }));
    const shown = { ...report, attendees: atStage(sortRows(report.attendees), filter) };
    process.stdout.write(flags.output === "json" ? structured(shown, "json") : roomText(shown));
    return EXIT.ok;
  }
  // Open for hours doing little, as the tour is: the same reason to keep V8's young generation small.
  keepYoungGenerationSmall();
  const { runInteractiveRoom } = await import("../ui/runRoom.tsx");
  return runInteractiveRoom({
    bootText: `reading room ${flags.prefix} on ${flags.context ?? "the current context"}`,
    ascii: flags.ascii ?? false,
    color: flags.color && !env.NO_COLOR,
    filter,
    sampleEveryMs: flags.sampleEvery,
    async open() {
      const { RoomSession } = await import("../engine/roomSession.ts");
      const session = await RoomSession.open({ ...options, sampleEveryMs: flags.sampleEvery });
      try {
        await session.start();
      } catch (error) {
        await session.stop();
        throw error;
      }
      return { room: session, close: () => session.stop() };
    },
  });
}
