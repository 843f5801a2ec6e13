import { connect } from "../cluster/connect.ts";
import { resolveTarget } from "../cluster/kubeconfig.ts";
import { loadSnapshot } from "../cluster/snapshot.ts";
import { reduceAll } from "../model/reduceSnapshot.ts";
import type { Sample } from "../model/snapshot.ts";
import { STREAMS, streamUser } from "../model/streams.ts";
import { type OutputFormat, structured } from "../print/output.ts";
import { statusExitCode, statusReport } from "../print/statusReport.ts";
import { statusText } from "../print/statusText.ts";
import { SAMPLE_TIMEOUT_MS, Sampler } from "../traffic/sampler.ts";
import { stageChecks } from "../tutorial/lessons.ts";
import type { TargetFlags } from "./flags.ts";

export interface StatusFlags extends TargetFlags {
  output: OutputFormat;
  samples?: number;
}

/** Samples a glance takes by default. */
const DEFAULT_SAMPLES = 20;

/** `count` samples in each stream (anonymous, and signed in as jason), the streams side by side. */
async function takeSamples(url: string, host: string | null, count: number): Promise<Sample[]> {
  const samplers = STREAMS.map((stream) => {
    const user = streamUser(stream);
    return new Sampler({
      url,
      concurrency: 8,
      timeoutMs: SAMPLE_TIMEOUT_MS,
      keep: count,
      stream,
      ...(user ? { user } : {}),
      ...(host ? { headers: { host } } : {}),
    });
  });
  try {
    return (await Promise.all(samplers.map((sampler) => sampler.burst(count)))).flat();
  } finally {
    await Promise.all(samplers.map((sampler) => sampler.stop()));
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
