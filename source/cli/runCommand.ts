import { istioMissing } from "../cluster/errors.ts";
import { type RunEvent, type StageOutcome, TourRunner } from "../engine/runner.ts";
import { TourSession } from "../engine/tourSession.ts";
import { structured } from "../print/output.ts";
import { fixAsCommands } from "../tutorial/fix.ts";
import { STAGES, stageById, stageNumber } from "../tutorial/lessons.ts";
import type { StageId } from "../tutorial/stage.ts";
import { EXIT } from "./errors.ts";
import type { TargetFlags } from "./flags.ts";

export interface RunFlags extends TargetFlags {
  to: StageId;
  output: "text" | "json";
}

/** Enough samples per second for verify and route-v1 to see a change within a few seconds. */
const SAMPLE_RATE = 5;

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
  SIGHUP: EXIT.hangup,
};

/** `kubectl bookinfo run`: the tour without a UI, stage by stage, printing the runner's events. */
export async function runTour(flags: RunFlags): Promise<number> {
  const json = flags.output === "json";
  const say = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  // One Ctrl-C (or SIGTERM) stops whatever the runner waits for, at once.
  const cancel = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled ??= signal;
    cancel.abort();
  };
  const signals = Object.keys(SIGNAL_CODES) as NodeJS.Signals[];
  for (const signal of signals) process.on(signal, onSignal);
  let session: TourSession | undefined;
  try {
    const opening = TourSession.open({ ...flags, sampleRate: SAMPLE_RATE, pluginsMayPrompt: true });
    if (!(await raceSignal(opening, cancel.signal))) {
      void opening.then((late) => late.stop()).catch(() => {});
      return interrupted(signalled, "start-up", []);
    }
    session = await opening;
    const { context, namespace, server } = session.cluster.target;
    say(`Touring namespace ${namespace} on context ${context} (${server})`);
    const started = await raceSignal(session.start(), cancel.signal);
    if (!started) return interrupted(signalled, "start-up", []);
    // Labelling and deploying without Istio would only half-do the tour; say so before touching anything.
    if (!session.snapshot().istio.installed) throw istioMissing();

    const runner = new TourRunner(session);
    const last = stageNumber(flags.to);
    runner.on((event) => {
      for (const line of printed(event, last)) say(line);
    });
    const outcomes = await runner.runTo(flags.to, { signal: cancel.signal });
    const end = outcomes.at(-1);
    if (end?.state === "cancelled") return interrupted(signalled, end.stage, runner.lines);
    if (end?.error) throw end.error;
    const ok = outcomes.length === last && outcomes.every((o) => o.state === "done");
    const { gateway: address, host } = session.snapshot();
    const gateway = address && host ? { ...address, host } : address;
    if (json) {
      const stages = outcomes.map((o) => outcomeJson(o));
      process.stdout.write(structured({ ok, stages, actions: runner.lines, gateway }, "json"));
    } else if (ok) {
      const url = gateway
        ? ` GATEWAY_URL=${gateway.url.replace(/^https?:\/\//, "")}${host ? ` (send Host: ${host})` : ""}`
        : "";
      say(`${last === 1 ? `Stage ${STAGES[0]?.id} done.` : `All ${last} stages done.`}${url}`);
    }
    return ok ? EXIT.ok : EXIT.failure;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await session?.stop();
  }
}

/** The lines one event prints, indented under its stage's heading. */
function printed(event: RunEvent, last: number): string[] {
  const indent = (text: string) => `      ${text}`;
  switch (event.type) {
    case "started":
      return [heading(event.stage, last)];
    case "line":
      return [indent(event.text)];
    case "progress":
      return [indent(event.check.detail)];
    case "done":
      return event.by === "cluster"
        ? []
        : [
            ...(event.by === "already" ? [heading(event.stage, last)] : []),
            indent(`done: ${event.check.detail}${event.by === "already" ? " (already)" : ""}`),
          ];
    case "failed": {
      if (event.why === "apply") return [];
      const fix = event.check.fix ? `; ${fixAsCommands(event.check.fix)}` : "";
      return [indent(`FAILED: ${event.check.detail}${fix}`)];
    }
    case "applied":
    case "cancelled":
      return [];
  }
}

function heading(id: StageId, last: number): string {
  return `[${stageNumber(id)}/${last}] ${id}: ${stageById(id).title}`;
}

function outcomeJson(outcome: StageOutcome) {
  const { check } = outcome;
  return {
    id: outcome.stage,
    title: stageById(outcome.stage).title,
    state: outcome.state,
    detail: check.detail,
    ...(check.fix ? { fix: fixAsCommands(check.fix) } : {}),
  };
}

/** What a Ctrl-C leaves: the changes made stay, and the next run continues from the cluster. */
function interrupted(signal: NodeJS.Signals | undefined, where: string, lines: readonly string[]): number {
  const changes =
    lines.length === 0
      ? "nothing was changed"
      : `${lines.length} change${lines.length === 1 ? " was" : "s were"} applied and stay${lines.length === 1 ? "s" : ""} (${lines.join(", ")})`;
  const stage = STAGES.some((s) => s.id === where) ? `stage ${where}` : where;
  process.stderr.write(
    `Interrupted during ${stage}; ${changes}. \`kubectl bookinfo run\` continues from what the cluster shows.\n`,
  );
  return (signal && SIGNAL_CODES[signal]) ?? EXIT.interrupted;
}

/** True once `work` is done, false as soon as the signal fires. */
async function raceSignal(work: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort = () => {};
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work.then(() => true as const), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
