import { analyze } from "../analysis/analyze.ts";
import { countByLevel, type Level } from "../analysis/finding.ts";
import { connect } from "../cluster/connect.ts";
import { istioMissing } from "../cluster/errors.ts";
import { resolveTarget } from "../cluster/kubeconfig.ts";
import { loadSnapshot } from "../cluster/snapshot.ts";
import { findingJson, findingsText } from "../print/findings.ts";
import { EXIT } from "./errors.ts";
import type { TargetFlags } from "./flags.ts";

export interface AnalyzeFlags extends TargetFlags {
  output: "text" | "json";
}

/**
 * `kubectl bookinfo analyze`: what is wrong with the namespace's mesh configuration, in istioctl
 * analyze's codes and lines, from the same one round of lists `status` makes (no samples). Exit 0
 * without errors (warnings and infos alone included), 1 when an error was found.
 */
export async function runAnalyze(flags: AnalyzeFlags): Promise<number> {
  const target = resolveTarget(flags);
  // A plugin may print a device-code login on stderr, as under kubectl.
  const cluster = connect(target, process.env, { pluginsMayPrompt: true });
  try {
    const snapshot = await loadSnapshot(cluster, target, { gatewayUrl: flags.gatewayUrl });
    if (!snapshot.istio.installed) throw istioMissing();
    const findings = analyze(snapshot);
    const counts = countByLevel(findings);
    if (flags.output === "json") {
      process.stdout.write(`${JSON.stringify(findings.map(findingJson), null, 2)}\n`);
    } else if (findings.length > 0) {
      process.stdout.write(`${findingsText(findings).join("\n")}\n`);
      process.stderr.write(`${tally(counts)} in namespace ${target.namespace}; ${CODES}\n`);
    } else if (!snapshot.namespaceObject && snapshot.unreadable.namespace === undefined) {
      process.stderr.write(`Namespace ${target.namespace} does not exist; there is nothing to analyze.\n`);
    } else {
      process.stderr.write(
        `\u2714 No validation issues found when analyzing namespace: ${target.namespace}.\n`,
      );
    }
    return counts.Error > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await cluster.close();
  }
}

const CODES =
  "each IST code is explained at https://istio.io/latest/docs/reference/config/analysis, KBI codes in kubectl-bookinfo's README.";

/** "Found 2 errors and 1 warning". */
function tally(counts: Record<Level, number>): string {
  const parts = (
    [
      ["Error", "error", "errors"],
      ["Warning", "warning", "warnings"],
      ["Info", "info", "infos"],
    ] as const
  )
    .filter(([level]) => counts[level] > 0)
    .map(([level, one, many]) => `${counts[level]} ${counts[level] === 1 ? one : many}`);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}` : parts[0];
  return `Found ${list}`;
}
