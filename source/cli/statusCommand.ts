import { connect } from "../cluster/connect.ts";
import { resolveTarget } from "../cluster/kubeconfig.ts";
import { loadSnapshot } from "../cluster/snapshot.ts";
import { reduceAll } from "../model/reduceSnapshot.ts";
import type { Sample } from "../model/snapshot.ts";
import { type OutputFormat, structured } from "../print/output.ts";
import { statusExitCode, statusReport } from "../print/statusReport.ts";
import { statusText } from "../print/statusText.ts";
import { Sampler } from "../traffic/sampler.ts";
import { stageChecks } from "../tutorial/lessons.ts";
import type { TargetFlags } from "./flags.ts";

export interface StatusFlags extends TargetFlags {
  output: OutputFormat;
  samples?: number;
}

/** Samples a glance takes by default, and how long one may take: status must stay quick. */
const DEFAULT_SAMPLES = 20;
const SAMPLE_TIMEOUT_MS = 2_000;

async function takeSamples(url: string, host: string | null, count: number): Promise<Sample[]> {
  const sampler = new Sampler({
    url,
    concurrency: 8,
    timeoutMs: SAMPLE_TIMEOUT_MS,
    keep: count,
    ...(host ? { headers: { host } } : {}),
  });
  try {
    return await sampler.burst(count);
  } finally {
    await sampler.stop();
  }
}

/** `kubectl bookinfo status`: where the namespace stands, in one round of requests. */
export async function runStatus(flags: StatusFlags): Promise<number> {
  const target = resolveTarget(flags);
  // A plugin may print a device-code login on stderr, as under kubectl.
  const cluster = connect(target, process.env, { pluginsMayPrompt: true });
  try {
    const snapshot = await loadSnapshot(cluster, target, { gatewayUrl: flags.gatewayUrl, host: flags.host });
    const count = snapshot.gateway ? (flags.samples ?? DEFAULT_SAMPLES) : 0;
    const samples =
      count > 0 && snapshot.gateway ? await takeSamples(snapshot.gateway.url, snapshot.host, count) : [];
    const sampled = reduceAll(
      snapshot,
      samples.map((sample) => ({ kind: "sample", sample })),
    );
    const report = statusReport(sampled, stageChecks(sampled), count > 0);
    process.stdout.write(flags.output === "text" ? statusText(report) : structured(report, flags.output));
    return statusExitCode(report);
  } finally {
    await cluster.close();
  }
}
