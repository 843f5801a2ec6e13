// Kubernetes orders API versions "kube-aware": GA before beta before alpha, higher majors and
// minors first, anything else after them alphabetically. Discovery lists versions in this order and
// the first is the group's preferred version.

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

interface Ranked {
  stage: number; // 2 GA, 1 beta, 0 alpha, -1 not a Kubernetes-style version
  major: number;
  minor: number;
}

function rank(version: string): Ranked {
  const match = KUBE_VERSION.exec(version);
  if (!match) return { stage: -1, major: 0, minor: 0 };
  const stage = match[2] === "alpha" ? 0 : match[2] === "beta" ? 1 : 2;
  return { stage, major: Number(match[1]), minor: Number(match[3] ?? 0) };
}

/** Negative when `a` comes first. */
export function compareKubeAwareVersions(a: string, b: string): number {
  const x = rank(a);
  const y = rank(b);
  if (x.stage === -1 && y.stage === -1) return a.localeCompare(b);
  if (x.stage !== y.stage) {
    if (x.stage === -1) return 1;
    if (y.stage === -1) return -1;
    return y.stage - x.stage;
  }
  if (x.major !== y.major) return y.major - x.major;
  return y.minor - x.minor;
}

export const sortVersions = (versions: Iterable<string>): string[] =>
  [...versions].sort(compareKubeAwareVersions);
