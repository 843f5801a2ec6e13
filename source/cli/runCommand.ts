import { istioMissing } from "../cluster/errors.ts";
import { TourSession } from "../engine/tourSession.ts";
import type { Snapshot } from "../model/snapshot.ts";
import { structured } from "../print/output.ts";
import type { StageCheck, StageId } from "../tutorial/stage.ts";
import { STAGES } from "../tutorial/stages.ts";
import { EXIT } from "./errors.ts";
import type { TargetFlags } from "./flags.ts";

export interface RunFlags extends TargetFlags {
  to: StageId;
  output: "text" | "json";
}

/** How long each stage may take to show done; deploy pulls images on a fresh cluster. */
const STAGE_TIMEOUT_MS: Record<StageId, number> = {
  inject: 180_000,
  deploy: 300_000,
  gateway: 120_000,
  verify: 60_000,
  "route-v1": 60_000,
};
/** A failure that persists this long ends the run; shorter ones are states pods pass through. */
const FAILED_GRACE_MS = 20_000;
/** Enough samples per second for verify and route-v1 to see a change within a few seconds. */
const SAMPLE_RATE = 5;

interface StageOutcome {
  id: StageId;
  title: string;
  state: StageCheck["state"];
  detail: string;
  fix?: string;
}

/** `kubectl bookinfo run`: the tour without a UI, stage by stage, with plain progress lines. */
export async function runTour(flags: RunFlags): Promise<number> {
  const json = flags.output === "json";
  const say = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const actions: string[] = [];
  const session = await TourSession.open({
    ...flags,
    sampleRate: SAMPLE_RATE,
    sampleTimeoutMs: 8_000,
    pluginsMayPrompt: true,
    onLine: (line) => {
      actions.push(line);
      say(`      ${line}`);
    },
  });
  let current: StageId | undefined;
  let onSignal = () => {};
  const interrupted = new Promise<"interrupted">((resolve) => {
    onSignal = () => resolve("interrupted");
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const { context, namespace, server } = session.cluster.target;
    say(`Touring namespace ${namespace} on context ${context} (${server})`);
    const work = (async () => {
      await session.start();
      // Labelling and deploying without Istio would only half-do the tour; say so before touching anything.
      if (!session.snapshot().istio.installed) throw istioMissing();
      const outcomes: StageOutcome[] = [];
      const last = STAGES.findIndex((s) => s.id === flags.to);
      for (const [index, stage] of STAGES.slice(0, last + 1).entries()) {
        current = stage.id;
        say(`[${index + 1}/${last + 1}] ${stage.id}: ${stage.title}`);
        const before = stage.check(session.snapshot());
        let applied: Snapshot | undefined;
        if (before.state !== "done") {
          await session.runStage(stage.id);
          // What the watches showed as the writes returned: their events are still on the way.
          applied = session.snapshot();
          if (stage.id === "verify" || stage.id === "route-v1") await session.burst(10);
        }
        const check = await settle(session, stage.id, applied, (detail) => say(`      ${detail}`));
        outcomes.push({ id: stage.id, title: stage.title, ...check });
        if (check.state !== "done") {
          say(`      FAILED: ${check.detail}${check.fix ? `; ${check.fix}` : ""}`);
          return outcomes;
        }
        say(`      done: ${check.detail}${before.state === "done" ? " (already)" : ""}`);
      }
      return outcomes;
    })();
    const result = await Promise.race([work, interrupted]);
    if (result === "interrupted") {
      process.stderr.write(
        `Interrupted during stage ${current ?? "start-up"}${actions.length ? ` after ${actions.length} change(s)` : ""}; ` +
          "what was applied stays, and `kubectl bookinfo run` continues from what the cluster shows.\n",
      );
      return EXIT.interrupted;
    }
    const ok =
      result.length === STAGES.findIndex((s) => s.id === flags.to) + 1 &&
      result.every((o) => o.state === "done");
    if (json) {
      const gateway = session.snapshot().gateway;
      process.stdout.write(structured({ ok, stages: result, actions, gateway }, "json"));
    } else if (ok) {
      const gateway = session.snapshot().gateway;
      say(
        `All ${result.length} stages done.${gateway ? ` GATEWAY_URL=${gateway.url.replace(/^http:\/\//, "")}` : ""}`,
      );
    }
    return ok ? EXIT.ok : EXIT.failure;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await session.stop();
  }
}

/**
 * Waits for a stage's check to say done, reporting each new detail. Gives up when it stays
 * failed for FAILED_GRACE_MS or the stage's time runs out, with the last check it saw. The
 * snapshot from before the stage's own writes arrived (`stale`) is not reported: it would say
 * "namespace does not exist yet" right after creating it.
 */
async function settle(
  session: TourSession,
  id: StageId,
  stale: Snapshot | undefined,
  progress: (detail: string) => void,
): Promise<StageCheck> {
  const stage = STAGES.find((s) => s.id === id);
  if (!stage) throw new Error(`unknown stage ${id}`);
  let lastDetail = "";
  let failedSince: number | undefined;
  let latest = stage.check(session.snapshot());
  const decided = (snapshot: Snapshot) => {
    latest = stage.check(snapshot);
    if (latest.state !== "done" && snapshot !== stale && latest.detail !== lastDetail) {
      lastDetail = latest.detail;
      progress(latest.detail);
    }
    if (latest.state === "failed") failedSince ??= Date.now();
    else failedSince = undefined;
    return (
      latest.state === "done" || (failedSince !== undefined && Date.now() - failedSince > FAILED_GRACE_MS)
    );
  };
  const settled = await session.waitFor(decided, STAGE_TIMEOUT_MS[id]);
  if (settled) return latest;
  return latest.state === "done"
    ? latest
    : {
        state: "failed",
        detail: `${latest.detail} (gave up after ${STAGE_TIMEOUT_MS[id] / 1000} s)`,
        fix: latest.fix,
      };
}
