import type { ClusterActions } from "../tutorial/stage.ts";

/** The same actions, reporting each line of what they did (kubectl's words) as it happens. */
export function recordingActions(actions: ClusterActions, onLine: (line: string) => void): ClusterActions {
  const report = async (work: Promise<string[]>) => {
    const lines = await work;
    for (const line of lines) onLine(line);
    return lines;
  };
  return {
    applyManifest: (file) => report(actions.applyManifest(file)),
    applyWithIstioctl: (file) => report(actions.applyWithIstioctl(file)),
    labelNamespace: (labels) => report(actions.labelNamespace(labels)),
    restartDeployments: (names) => report(actions.restartDeployments(names)),
  };
}
