import { execFile } from "node:child_process";
import { delimiter } from "node:path";
import { ClusterError, firstLine } from "./errors.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";

const INJECT_TIMEOUT_MS = 60_000;

/**
 * `istioctl kube-inject -f <path>` against the same cluster and context as the tour (istioctl
 * fetches the injector template from istiod), run through execFile so no shell ever sees the path.
 */
export function kubeInject(
  target: Pick<ResolvedTarget, "context" | "files">,
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const args = ["kube-inject", "-f", path, "--context", target.context];
  const childEnv = { ...env, KUBECONFIG: target.files.join(delimiter) };
  return new Promise((resolve, reject) => {
    execFile(
      "istioctl",
      args,
      { env: childEnv, timeout: INJECT_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const { code, killed } = error as NodeJS.ErrnoException & { killed?: boolean };
        if (code === "ENOENT")
          return reject(
            new ClusterError(
              "istioctl is not on PATH; install it (https://istio.io/latest/docs/setup/getting-started/#download) or inject with the namespace label instead",
              "istioctl",
              { cause: error },
            ),
          );
        const why = killed
          ? `no result within ${INJECT_TIMEOUT_MS / 1000} s`
          : firstLine(stderr.trim() || error.message);
        reject(
          new ClusterError(
            `istioctl kube-inject failed: ${why}; run \`istioctl kube-inject -f ${path}\` yourself to see the whole output`,
            "istioctl",
            { cause: error },
          ),
        );
      },
    );
  });
}
