import type { Finding } from "../analysis/finding.ts";
import { istioMissing } from "../cluster/errors.ts";
import { type RunEvent, type StageOutcome, TourRunner } from "../engine/runner.ts";
import { TourSession } from "../engine/tourSession.ts";
import { STREAMS, samplesSinceRouting } from "../model/streams.ts";
import { findingBrief, findingJson } from "../print/findings.ts";
import { structured } from "../print/output.ts";
import { type StreamSplits, streamLines, streamSplits } from "../print/streamSplits.ts";
import { fixAsCommands } from "../tutorial/fix.ts";
import { lessonById, STAGE_IDS, STAGES, stageById, stageNumber } from "../tutorial/lessons.ts";
import type { StageId } from "../tutorial/stage.ts";
import { EXIT, UserError } from "./errors.ts";
import { type ChoiceFlags, DEFAULT_LAST_STAGE, parametersOf, type TargetFlags } from "./flags.ts";

export interface RunFlags extends TargetFlags, ChoiceFlags {
  /** Every stage up to this one. */
  to?: StageId;
  /** Every stage up to the end of this lesson. */
  lesson?: string;
  /** Just these stages, in this order. */
  stages?: string[];
  output: "text" | "json";
}

/** The stages a run takes, in order: named ones, or the tour's order up to --to or --lesson's end. */
export function stagesToRun(flags: Pick<RunFlags, "to" | "lesson" | "stages">): StageId[] {
  const named = flags.stages ?? [];
  const given = [named.length > 0, flags.to !== undefined, flags.lesson !== undefined].filter(Boolean).length;
  if (given > 1)
    throw new UserError("give stage names, --to or --lesson, not more than one of them.", EXIT.usage);
  if (named.length > 0) {
    const unknown = named.filter((id) => !STAGE_IDS.includes(id as StageId));
    if (unknown.length > 0)
      throw new UserError(
        `unknown stage ${unknown.join(", ")}: the stages are ${STAGE_IDS.join(", ")}.`,
        EXIT.usage,
      );
    return named as StageId[];
  }
  const last = flags.lesson ? lessonById(flags.lesson).stages.at(-1)!.id : (flags.to ?? DEFAULT_LAST_STAGE);
  return STAGES.slice(0, stageNumber(last)).map((stage) => stage.id);
}

/** Enough samples per second for verify and route-v1 to see a change within a few seconds. */
const SAMPLE_RATE = 5;
const PROGRESS_EVERY_MS = 1_000;

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
  SIGHUP: EXIT.hangup,
};

/** `kubectl bookinfo run`: the tour without a UI, stage by stage, printing the runner's events. */
export async function runTour(flags: RunFlags): Promise<number> {
  const json = flags.output === "json";
  const ids = stagesToRun(flags);
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
    const last = stageNumber(ids.at(-1)!);
    // What each stage judged by traffic was measured on, per stream, taken as it got done.
    const measured = new Map<StageId, StreamSplits>();
    const live = session;
    // A stage judged by samples changes its detail with every sample: one line a second is plenty.
    let lastProgress = 0;
    const explained = new Map<StageId, Finding[]>();
    runner.on((event) => {
      if (event.type === "failed") explained.set(event.stage, event.findings);
      if (event.type === "progress") {
        if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
        lastProgress = Date.now();
      } else if (event.type === "started") {
        lastProgress = 0;
      }
      if (event.type === "done" && stageById(event.stage).evidence?.streams) {
        const snapshot = live.snapshot();
        const samples = STREAMS.flatMap((stream) => samplesSinceRouting(snapshot, stream));
        measured.set(event.stage, streamSplits(snapshot, samples));
      }
      for (const line of printed(event, last, measured.get(event.stage))) say(line);
    });
    const outcomes = await runner.runStages(ids, {
      signal: cancel.signal,
      // Stages named one by one are applied even when the routing has moved past them.
      ...(flags.stages && flags.stages.length > 0 ? { again: true } : {}),
      ...(parametersOf(flags) ? { parameters: parametersOf(flags) } : {}),
      ...(flags.takeOver ? { takeOver: true } : {}),
    });
    const end = outcomes.at(-1);
    if (end?.state === "cancelled") return interrupted(signalled, end.stage, runner.lines);
    if (end?.error) throw end.error;
    const ok = outcomes.length === ids.length && outcomes.every((o) => o.state === "done");
    const { gateway: address, host } = session.snapshot();
    const gateway = address && host ? { ...address, host } : address;
    if (json) {
      const stages = outcomes.map((o) => outcomeJson(o, measured.get(o.stage), explained.get(o.stage) ?? []));
      process.stdout.write(structured({ ok, stages, actions: runner.lines, gateway }, "json"));
    } else if (ok) {
      const url = gateway
        ? ` GATEWAY_URL=${gateway.url.replace(/^https?:\/\//, "")}${host ? ` (send Host: ${host})` : ""}`
        : "";
      say(`${ids.length === 1 ? `Stage ${ids[0]} done.` : `All ${ids.length} stages done.`}${url}`);
    }
    return ok ? EXIT.ok : EXIT.failure;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await session?.stop();
  }
}

/** The lines one event prints, indented under its stage's heading. */
function printed(event: RunEvent, last: number, splits?: StreamSplits): string[] {
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
            ...(event.by === "run" && splits ? streamLines(splits).map(indent) : []),
            ...(event.by === "run" && event.check.explain ? [indent(`why: ${event.check.explain}`)] : []),
            ...(event.by === "run" && event.check.offer
              ? [indent(`try: ${fixAsCommands(event.check.offer)}`)]
              : []),
          ];
    case "failed": {
      if (event.why === "apply") return [];
      const fix = event.check.fix ? `; ${fixAsCommands(event.check.fix)}` : "";
      // What the mesh analysis sees is often the cause the stage's own check cannot name.
      return [
        indent(`FAILED: ${event.check.detail}${fix}`),
        ...event.findings.map((f) => indent(findingBrief(f))),
      ];
    }
    case "applied":
    case "cancelled":
      return [];
  }
}

function heading(id: StageId, last: number): string {
  return `[${stageNumber(id)}/${last}] ${id}: ${stageById(id).title}`;
}

function outcomeJson(outcome: StageOutcome, splits: StreamSplits | undefined, findings: Finding[]) {
  const { check } = outcome;
  return {
    id: outcome.stage,
    title: stageById(outcome.stage).title,
    state: outcome.state,
    detail: check.detail,
    ...(check.fix ? { fix: fixAsCommands(check.fix) } : {}),
    ...(outcome.state === "failed" ? { findings: findings.map(findingJson) } : {}),
    ...(check.explain && !outcome.already ? { explain: check.explain } : {}),
    // The same shape as `status -o json`'s samples.streams and samples.configured.
    ...(splits && !outcome.already ? { samples: splits } : {}),
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
