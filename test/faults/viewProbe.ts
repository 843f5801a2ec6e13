import type { Sandbox } from "@kubectl-bookinfo/sandbox";
import { connect } from "../../source/cluster/connect.ts";
import type { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { watchNamespace } from "../../source/cluster/watch.ts";
import type { KubeObject } from "../../source/model/kube.ts";
import { reduceAll } from "../../source/model/reduceSnapshot.ts";
import { emptySnapshot, type Snapshot } from "../../source/model/snapshot.ts";

/** What the tour shows for a namespace, folded from its real watches, next to what the API has. */
export interface ViewProbe {
  snapshot(): Snapshot;
  /** Every error the watches reported, with when. */
  errors: { at: number; resource: string; message: string }[];
  /** How many times each resource has been listed (its first list included). */
  lists: Record<string, number>;
  /** Rows of the view that differ from the store now. */
  compare(): ViewDifference;
  /** ms until the view equals the store (checked every 10 ms), or undefined after `timeoutMs`. */
  untilCorrect(timeoutMs: number): Promise<number | undefined>;
  /**
   * ms until the watches have listed again since `lists` (a copy of `lists` taken before a
   * fault) and the view then equals the store; undefined after `timeoutMs`. A view that merely
   * never diverged does not count as recovered. (A watch between two connections when the fault
   * struck resumes without a relist: it missed nothing.)
   */
  untilRelistedAndCorrect(since: Record<string, number>, timeoutMs: number): Promise<number | undefined>;
  stop(): Promise<void>;
}

export interface ViewDifference {
  /** In the API, missing from the view. */
  lost: string[];
  /** In the view, gone from the API (or an older version of a row). */
  stale: string[];
  /** Shown more than once. */
  duplicated: string[];
  equal: boolean;
}

const STORE_KEYS = { pods: "pods", deployments: "deployments.apps", services: "services" } as const;

/** name@resourceVersion: a row is right only when it shows the object as it is now. */
const rowOf = (object: KubeObject) => `${object.metadata?.name}@${object.metadata?.resourceVersion}`;

export async function openViewProbe(
  sandbox: Sandbox,
  kubeconfig: string,
  namespace: string,
): Promise<ViewProbe> {
  const cluster = connect(resolveTarget({ kubeconfig, namespace }, {}));
  let snapshot = emptySnapshot("bookinfo-sandbox", namespace, sandbox.server);
  const errors: ViewProbe["errors"] = [];
  const lists: Record<string, number> = {};
  const watch = watchNamespace(
    cluster,
    namespace,
    (events) => {
      for (const event of events)
        if (event.kind === "synced") lists[event.resource] = (lists[event.resource] ?? 0) + 1;
      snapshot = reduceAll(snapshot, events);
    },
    {
      onError: (resource, error: ClusterError) =>
        errors.push({ at: Date.now(), resource, message: error.message }),
    },
  );
  await watch.ready;

  const compare = (): ViewDifference => {
    const lost: string[] = [];
    const stale: string[] = [];
    const duplicated: string[] = [];
    for (const [field, key] of Object.entries(STORE_KEYS) as [keyof typeof STORE_KEYS, string][]) {
      const truth = new Set(sandbox.store.list(key, namespace).map(rowOf));
      const shown = (snapshot[field] as KubeObject[]).map(rowOf);
      const names = shown.map((row) => row.split("@")[0]);
      for (const row of truth) if (!shown.includes(row)) lost.push(`${field}/${row}`);
      for (const row of shown) if (!truth.has(row)) stale.push(`${field}/${row}`);
      for (const [i, name] of names.entries())
        if (names.indexOf(name) !== i) duplicated.push(`${field}/${name}`);
    }
    return { lost, stale, duplicated, equal: lost.length + stale.length + duplicated.length === 0 };
  };

  const untilCorrect = async (timeoutMs: number) => {
    const started = performance.now();
    while (performance.now() - started < timeoutMs) {
      if (compare().equal) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };

  return {
    snapshot: () => snapshot,
    errors,
    lists,
    compare,
    untilCorrect,
    async untilRelistedAndCorrect(since, timeoutMs) {
      const started = performance.now();
      const relisted = () => Object.keys(STORE_KEYS).some((r) => (lists[r] ?? 0) > (since[r] ?? 0));
      while (!relisted()) {
        if (performance.now() - started >= timeoutMs) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const rest = await untilCorrect(timeoutMs - (performance.now() - started));
      return rest === undefined ? undefined : performance.now() - started;
    },
    async stop() {
      await watch.stop();
      await cluster.close();
    },
  };
}
