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
    const lines = await resetNamespace(cluster, target.namespace);
    const removed = lines.filter((line) => !line.includes(" left as it is "));
    if (removed.length === 0) {
      process.stdout.write(`Nothing to reset: namespace ${target.namespace} holds nothing the tour made.\n`);
    }
    if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await cluster.close();
  }
}
