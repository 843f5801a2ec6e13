import { connect } from "../cluster/connect.ts";
import { resolveTarget } from "../cluster/kubeconfig.ts";
import { resetNamespace } from "../cluster/reset.ts";
import type { TargetFlags } from "./flags.ts";

/** `kubectl bookinfo reset`: remove exactly what the tour applied in the namespace. */
export async function runReset(flags: TargetFlags): Promise<number> {
  const target = resolveTarget(flags);
  const cluster = connect(target, process.env, { pluginsMayPrompt: true });
  try {
    await cluster.probe();
    const report = await resetNamespace(cluster, target.namespace);
    const lines =
      report.removed.length === 0
        ? [`Nothing to reset: namespace ${target.namespace} holds nothing the tour applied.`]
        : [...report.removed];
    // What stays is news only next to what went.
    if (report.removed.length > 0 && report.kept.length > 0)
      lines.push("Kept:", ...report.kept.map((line) => `  ${line}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await cluster.close();
  }
}
