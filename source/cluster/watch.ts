import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from "@kubernetes/client-node";
import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo, SnapshotEvent, WatchedResource } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import type { ClusterError } from "./errors.ts";
import { detectIstio } from "./istio.ts";
import { coreQueries, ISTIO_RESOURCES, istioQueries, listQuery, type ResourceQuery } from "./resources.ts";

export interface WatchOptions {
  /** Istio as already detected; detected here when absent. */
  istio?: IstioInfo;
  /** Every failure of a watch, already in plain words; the watch retries on its own. */
  onError?: (resource: WatchedResource, error: ClusterError) => void;
  /** Restart backoff after a failed list or watch; tests shorten it. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface NamespaceWatch {
  /**
   * Resolves once every resource has had its first list and onEvents has seen its `synced` (a
   * non-essential resource whose list failed counts, after onError). Rejects with the ClusterError of an essential resource (the namespace, pods,
   * deployments, services) whose first list failed, or of Istio detection (then nothing is
   * watched). Resolves at stop() if that comes first.
   */
  ready: Promise<void>;
  /** Stops every informer, timer and request; nothing of the watch is left running after it. */
  stop(): Promise<void>;
}

type ObjectEvent = Extract<SnapshotEvent, { kind: "object" }>;

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000 };

/**
 * Live view of the tour's namespace through client-node informers (ListWatch): one per watched
 * resource, each emitting `synced` after every (re)list and `object` events in between. Events
 * arriving in the same turn of the event loop reach `onEvents` as one batch.
 */
export function watchNamespace(
  cluster: Cluster,
  namespace: string,
  onEvents: (events: SnapshotEvent[]) => void,
  options: WatchOptions = {},
): NamespaceWatch {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const halt = new AbortController();
  const watchers: ResourceWatcher[] = [];
  let queue: SnapshotEvent[] = [];
  let flushing: NodeJS.Immediate | undefined;

  const emit = (event: SnapshotEvent) => {
    if (halt.signal.aborted) return;
    queue.push(event);
    flushing ??= setImmediate(() => {
      flushing = undefined;
      const batch = queue;
      queue = [];
      if (batch.length > 0 && !halt.signal.aborted) onEvents(batch);
    });
  };

  const stopped = new Promise<void>((resolve) =>
    halt.signal.addEventListener("abort", () => resolve(), { once: true }),
  );

  const rethrowUnlessStopped = (error: unknown) => {
    if (!halt.signal.aborted) throw error;
    return undefined;
  };

  const ready = (async () => {
    const istio = options.istio ?? (await detectIstio(cluster, halt.signal).catch(rethrowUnlessStopped));
    if (!istio || halt.signal.aborted) return;
    emit({ kind: "istio", istio });
    const queries = [...coreQueries(namespace)];
    if (istio.networkingVersion) queries.push(...istioQueries(namespace, istio.networkingVersion));
    else for (const resource of ISTIO_RESOURCES) emit({ kind: "synced", resource, objects: [] });
    for (const query of queries)
      watchers.push(
        startWatcher(cluster, query, { emit, halt: halt.signal, backoff, onError: options.onError }),
      );
    await Promise.race([Promise.all(watchers.map((w) => w.firstSync)), stopped]);
    // The last `synced` is still queued; let its batch reach onEvents before ready resolves.
    await new Promise((resolve) => setImmediate(resolve));
  })();
  // Callers that never look at `ready` must not get an unhandled rejection.
  ready.catch(() => {});

  let stopping: Promise<void> | undefined;
  return {
    ready,
    stop() {
      stopping ??= (async () => {
        halt.abort();
        if (flushing) clearImmediate(flushing);
        flushing = undefined;
        queue = [];
        await Promise.all(watchers.map((w) => w.stop()));
      })();
      return stopping;
    },
  };
}

interface ResourceWatcher {
  firstSync: Promise<void>;
  stop(): Promise<void>;
}

interface WatcherContext {
  emit: (event: SnapshotEvent) => void;
  halt: AbortSignal;
  backoff: { initialMs: number; maxMs: number };
  onError?: (resource: WatchedResource, error: ClusterError) => void;
}

function startWatcher(cluster: Cluster, query: ResourceQuery, context: WatcherContext): ResourceWatcher {
  const { emit, halt, backoff } = context;
  const resource = query.resource;
  const inFlight = new Set<Promise<unknown>>();
  let syncing = false;
  let synced = false;
  let failures = 0;
  let syncTimer: NodeJS.Immediate | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let settleFirst: (error?: ClusterError) => void = () => {};
  const firstSync = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = () => {};
      if (error && query.essential) reject(error);
      else resolve();
    };
  });
  firstSync.catch(() => {});

  const listFn = async () => {
    const list = await listQuery(cluster, query, halt);
    // The informer applies this list right after we return it, firing add/update/delete for
    // every item; one `synced` taken from its cache afterwards says the same thing at once.
    syncing = true;
    if (syncTimer) clearImmediate(syncTimer);
    syncTimer = setImmediate(() => {
      syncTimer = undefined;
      syncing = false;
      if (halt.aborted) return;
      synced = true;
      failures = 0;
      emit({ kind: "synced", resource, objects: [...informer.list()] as unknown as KubeObject[] });
      settleFirst();
    });
    return list as never;
  };

  // Objects stay the plain JSON the API sent; client-node's types only describe them loosely.
  const informer = new ListWatch<KubernetesObject>(
    query.path,
    new GuardedWatch(cluster, halt, inFlight),
    listFn,
    false,
    query.labelSelector,
    query.fieldSelector,
    { delayFn: (ms) => sleep(ms, halt) },
  );

  const objectEvent = (type: ObjectEvent["type"]) => (object: KubernetesObject) => {
    if (syncing || halt.aborted) return;
    failures = 0;
    emit({ kind: "object", resource, type, object: object as unknown as KubeObject });
  };
  informer.on("add", objectEvent("ADDED"));
  informer.on("update", objectEvent("MODIFIED"));
  informer.on("delete", objectEvent("DELETED"));

  const onError = (error: unknown) => {
    // stop() aborts the request, which the informer reports as an error: that is not a failure.
    if (halt.aborted) return;
    const explained = cluster.explain(error, {
      verb: synced ? "watch" : "list",
      resource: query.plural,
      namespace: query.namespace,
    });
    context.onError?.(resource, explained);
    settleFirst(explained);
    // The informer stops itself on errors other than 410 and timeouts: restart it, backing off.
    const delay = Math.min(backoff.initialMs * 2 ** failures, backoff.maxMs);
    failures++;
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!halt.aborted) informer.start().catch(onError);
    }, delay);
  };
  informer.on("error", onError);
  informer.start().catch(onError);

  return {
    firstSync,
    async stop() {
      if (restartTimer) clearTimeout(restartTimer);
      if (syncTimer) clearImmediate(syncTimer);
      restartTimer = undefined;
      syncTimer = undefined;
      await informer.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * client-node's Watch with the three things the informer leaves to us: bookmarks (so quiet
 * resources keep a fresh resourceVersion), no new watch once stopped, and a watch that connected
 * while stop() ran is aborted instead of streaming forever.
 */
class GuardedWatch extends Watch {
  constructor(
    cluster: Cluster,
    private readonly halt: AbortSignal,
    private readonly inFlight: Set<Promise<unknown>>,
  ) {
    super(cluster.kubeConfig);
    // Watch reads only the current cluster and auth from its config; route auth through the
    // cluster so every watch shares its connection pool, which Cluster.close() ends.
    const config: KubeConfig = Object.create(cluster.kubeConfig);
    config.applySecurityAuthentication = (context) => cluster.authenticate(context);
    this.config = config;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.halt.aborted) return new AbortController();
    const started = super.watch(path, { ...queryParams, allowWatchBookmarks: true }, callback, done);
    this.inFlight.add(started);
    try {
      const controller = await started;
      if (this.halt.aborted) controller.abort();
      return controller;
    } catch (error) {
      // Auth plugins can throw before the request starts; the informer expects that through done.
      done(error);
      return new AbortController();
    } finally {
      this.inFlight.delete(started);
    }
  }
}

/** The informer's reconnect delay, cut short by stop() (resolving, so nothing rejects unhandled). */
function sleep(ms: number, halt: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (halt.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      halt.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    halt.addEventListener("abort", done, { once: true });
  });
}
