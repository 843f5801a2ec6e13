// The pod table: every pod of the tour's namespace as `kubectl get pods` prints it, in the
// order kubectl lists them (by name, byte order, as the API server returns them).

import type { Pod } from "./kube.ts";
import { type PodRow, podRow } from "./podRow.ts";
import type { Snapshot } from "./snapshot.ts";

export function podRows(snapshot: Pick<Snapshot, "pods" | "now">): PodRow[] {
  return sortByName(snapshot.pods).map((pod) => podRow(pod, snapshot.now));
}

function sortByName(pods: readonly Pod[]): Pod[] {
  return [...pods].sort((a, b) => {
    const x = a.metadata.name ?? "";
    const y = b.metadata.name ?? "";
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
