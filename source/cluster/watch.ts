import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo, SnapshotEvent, WatchedResource } from "../model/snapshot.ts";
import { ApiError, type Cluster } from "./connect.ts";
import { type ClusterError, httpStatus } from "./errors.ts";
import { detectIstio } from "./istio.ts";
import {
  DEFAULT_RECONNECT,
  isConnectionFailure,
  pause,
  Reconnector,
  type ReconnectTiming,
} from "./reconnect.ts";
import {
  CLUSTER_ISTIO_RESOURCES,
  clusterIstioQueries,
  coreQueries,
  ISTIO_RESOURCES,
  istioQueries,
  listQuery,
  type ResourceQuery,
  roomQueries,
} from "./resources.ts";

export interface WatchOptions {
  /** Istio as already detected; detected here when absent. */
  istio?: IstioInfo;
  /** Every failure of a watch, already in plain words; the watch retries on its own. */
  onError?: (resource: WatchedResource, error: ClusterError) => void;
  /** Restart backoff after the API server refused a list or watch (5xx, 429, 403); tests shorten it. */
  backoff?: { initialMs: number; maxMs: number };
  /** How a watch whose connection failed waits for the server to answer again; tests shorten it. */
  reconnect?: ReconnectTiming;
  /** How long a watch may say nothing before it is taken for dead and reopened; tests shorten it. */
  readDeadlineMs?: number;
  /** How long a resource this user may not read waits before it is asked for again. */
  forbiddenRetryMs?: number;
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

const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000 };
const FORBIDDEN_RETRY_MS = 300_000;

/**
 * Live view of the tour's namespace through one small informer per watched resource, each
 * emitting `synced` after every (re)list and `object` events in between. Events arriving in the
 * same turn of the event loop reach `onEvents` as one batch.
 */
export function watchNamespace(
  cluster: Cluster,
  namespace: string,
  onEvents: (events: SnapshotEvent[]) => void,
  options: WatchOptions = {},
): NamespaceWatch {
  return watchAfterIstio(cluster, onEvents, options, (istio) => [
    ...coreQueries(namespace),
    ...(istio.networkingVersion
      ? [
          ...istioQueries(namespace, istio.networkingVersion),
          // Other namespaces' Gateways and VirtualServices on the shared ingress (the analysis).
          ...clusterIstioQueries(istio.networkingVersion),
        ]
      : []),
  ]);
}

export interface RoomWatchOptions extends WatchOptions {
  /** Label selector of the room's namespaces; all namespaces when absent (a prefix picks them). */
  namespaceSelector?: string;
  /** The room's pace ConfigMap, watched by name. */
  pace?: { namespace: string; name: string };
}

/**
 * Live view of a workshop room: one informer per kind for the whole cluster, whatever the number
 * of attendee namespaces (model/roomFold.ts splits the events by namespace).
 */
export function watchRoom(
  cluster: Cluster,
  onEvents: (events: SnapshotEvent[]) => void,
  options: RoomWatchOptions = {},
): NamespaceWatch {
  return watchAfterIstio(cluster, onEvents, options, (istio) =>
    roomQueries(istio.networkingVersion, options.namespaceSelector, options.pace),
  );
}

/** Informers for the given queries as they are (no Istio detection): `ready` as for a namespace. */
export function watchQueries(
  cluster: Cluster,
  queries: ResourceQuery[],
  onEvents: (events: SnapshotEvent[]) => void,
  options: Omit<WatchOptions, "istio"> = {},
): NamespaceWatch {
  return watchWith(cluster, onEvents, options, async () => queries);
}

/** Detects Istio (unless given), tells onEvents, then watches what `plan` asks for it. */
function watchAfterIstio(
  cluster: Cluster,
  onEvents: (events: SnapshotEvent[]) => void,
  options: WatchOptions,
  plan: (istio: IstioInfo) => ResourceQuery[],
): NamespaceWatch {
  return watchWith(cluster, onEvents, options, async (halt, emit) => {
    const istio = options.istio ?? (await detectIstio(cluster, halt));
    if (halt.aborted) return [];
    emit({ kind: "istio", istio });
    // Without Istio its kinds are known to be empty, at once.
    if (!istio.networkingVersion)
      for (const resource of [...ISTIO_RESOURCES, ...CLUSTER_ISTIO_RESOURCES.map((r) => r.resource)])
        emit({ kind: "synced", resource, objects: [] });
    return plan(istio);
  });
}

function watchWith(
  cluster: Cluster,
  onEvents: (events: SnapshotEvent[]) => void,
  options: Omit<WatchOptions, "istio">,
  plan: (halt: AbortSignal, emit: (event: SnapshotEvent) => void) => Promise<ResourceQuery[]>,
): NamespaceWatch {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const halt = new AbortController();
  const reconnector = new Reconnector(cluster, halt.signal, options.reconnect ?? DEFAULT_RECONNECT);
  const readDeadlineMs = options.readDeadlineMs ?? READ_DEADLINE_MS;
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
    const queries = await plan(halt.signal, emit).catch(rethrowUnlessStopped);
    if (!queries || halt.signal.aborted) return;
    for (const query of queries)
      watchers.push(
        startWatcher(cluster, query, {
          emit,
          halt: halt.signal,
          backoff,
          reconnector,
          readDeadlineMs,
          forbiddenRetryMs: options.forbiddenRetryMs ?? FORBIDDEN_RETRY_MS,
          onError: options.onError,
        }),
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
  forbiddenRetryMs: number;
  halt: AbortSignal;
  backoff: { initialMs: number; maxMs: number };
  reconnector: Reconnector;
  readDeadlineMs: number;
  onError?: (resource: WatchedResource, error: ClusterError) => void;
}

interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

/**
 * The server ends each watch after this long and we resume it from where it stopped; spread out
 * (as client-go does) so the watches of one client do not all reconnect at once.
 */
const WATCH_SECONDS = { min: 240, max: 300 };
/**
 * A watch that says nothing this long is reopened from where it was. A half-open connection
 * (the peer gone, nothing ever arriving) never errors, only silence tells; reopening a quiet but
 * healthy watch costs one request, and reopening a dead one fails within WATCH_OPEN_TIMEOUT_MS,
 * so a dead connection is noticed within about 25 s instead of after the watch's whole timeout.
 */
const READ_DEADLINE_MS = 15_000;
/** For a watch's response headers: a server that answers at all does so at once. */
const WATCH_OPEN_TIMEOUT_MS = 8_000;
/** A list of the tour's namespace is small; one that takes longer than this is not coming. */
const LIST_TIMEOUT_MS = 15_000;
/** However quickly a server ends watches, we do not reopen one more often than this. */
const MIN_WATCH_INTERVAL_MS = 1_000;

/**
 * List, then watch from the list's resourceVersion, resuming after every normal end of the watch;
 * relist when the server no longer has that version (410) or after a failure (backing off).
 */
function startWatcher(cluster: Cluster, query: ResourceQuery, context: WatcherContext): ResourceWatcher {
  const { emit, halt, backoff, reconnector, readDeadlineMs } = context;
  const resource = query.resource;
  const cache = new Map<string, KubeObject>();
  let resourceVersion: string | undefined;
  let relist = true;
  let synced = false;
  let failures = 0;
  let lastWatchAt = Number.NEGATIVE_INFINITY;
  let settleFirst: (error?: ClusterError) => void = () => {};
  const firstSync = new Promise<void>((resolve, reject) => {
    settleFirst = (error) => {
      settleFirst = () => {};
      if (error && query.essential) reject(error);
      else resolve();
    };
  });
  firstSync.catch(() => {});

  const list = async () => {
    const list = await listQuery(
      cluster,
      query,
      AbortSignal.any([halt, AbortSignal.timeout(LIST_TIMEOUT_MS)]),
    );
    // The server answered: whatever failed before is over, and the next failure starts afresh.
    failures = 0;
    cache.clear();
    for (const item of list.items) cache.set(keyOf(item), item);
    resourceVersion = list.metadata?.resourceVersion;
    relist = false;
    synced = true;
    emit({ kind: "synced", resource, objects: [...cache.values()] });
    settleFirst();
  };

  const apply = (event: WatchEvent) => {
    const { type, object } = event;
    if (type === "ERROR") throw new ApiError(Number(object.code) || 500, object);
    failures = 0;
    resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
    if (type === "BOOKMARK") return;
    if (type === "DELETED") cache.delete(keyOf(object));
    else if (type === "ADDED" || type === "MODIFIED") cache.set(keyOf(object), object);
    else return;
    emit({ kind: "object", resource, type, object });
  };

  /** One watch, until the server ends it (resolves) or it fails (rejects). */
  const watch = async () => {
    await pause(lastWatchAt + MIN_WATCH_INTERVAL_MS - Date.now(), halt);
    if (halt.aborted) return;
    lastWatchAt = Date.now();
    const timeoutSeconds = Math.round(
      WATCH_SECONDS.min + Math.random() * (WATCH_SECONDS.max - WATCH_SECONDS.min),
    );
    const silent = new AbortController();
    const response = await cluster.stream(query.path, {
      query: {
        watch: true,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: query.labelSelector,
        fieldSelector: query.fieldSelector,
      },
      timeoutMs: WATCH_OPEN_TIMEOUT_MS,
      signal: AbortSignal.any([halt, silent.signal]),
    });
    failures = 0;
    // A half-open connection never errors: only silence tells, and then we open a new one.
    const quiet = () => setTimeout(() => silent.abort(), readDeadlineMs);
    let idle = quiet();
    // Decoded here, so a character split between two chunks still comes out whole.
    response.setEncoding("utf8");
    let pending = "";
    try {
      for await (const chunk of response as AsyncIterable<string>) {
        clearTimeout(idle);
        idle = quiet();
        const split = splitLines(pending, chunk);
        pending = split.rest;
        for (const line of split.lines) apply(JSON.parse(line) as WatchEvent);
      }
      if (pending.trim()) apply(JSON.parse(pending) as WatchEvent);
    } catch (error) {
      if (!silent.signal.aborted && !halt.aborted) throw error;
    } finally {
      clearTimeout(idle);
    }
  };

  const fail = (error: unknown) => {
    const explained = cluster.explain(error, {
      verb: synced ? "watch" : "list",
      resource: query.plural,
      namespace: query.namespace,
    });
    const forbidden = httpStatus(error) === 403 && !query.essential;
    if (forbidden)
      // Not a passing trouble but this user's rights: the snapshot says so, and the stage checks
      // explain what it means; the watch keeps trying in case the rights change.
      emit({ kind: "unreadable", resource, reason: explained.message });
    else context.onError?.(resource, explained);
    settleFirst(explained);
    relist = true;
    // No answer at all: wait, with the other watches, for the server to answer again.
    if (isConnectionFailure(error)) return reconnector.reachable();
    // An overloaded server says when to come back (429 with Retry-After): then, as client-go does.
    const body = (error as { body?: { details?: { retryAfterSeconds?: unknown } } }).body;
    const retryAfterMs = Number(body?.details?.retryAfterSeconds ?? 0) * 1000;
    const delay =
      retryAfterMs > 0 ? retryAfterMs : Math.min(backoff.initialMs * 2 ** failures, backoff.maxMs);
    failures++;
    // Rights change rarely, and a room of attendees whose rights end at their namespace would
    // otherwise ask for what they may not read twice a minute each, for as long as they tour.
    return pause(forbidden ? Math.max(delay, context.forbiddenRetryMs) : delay, halt);
  };

  const running = (async () => {
    while (!halt.aborted) {
      try {
        if (relist) await list();
        await watch();
      } catch (error) {
        if (halt.aborted) break;
        // Our resourceVersion was compacted away: a fresh list is the normal way on, not a failure.
        if (httpStatus(error) === 410) relist = true;
        else await fail(error);
      }
    }
  })();

  return { firstSync, stop: () => running };
}

const keyOf = (object: KubeObject) => `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;

/**
 * The complete lines of newline-delimited JSON in what was pending plus the new chunk (blank ones
 * dropped), and the unfinished rest to keep for the next chunk: a chunk may end mid-event.
 */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const end = chunk.lastIndexOf("\n");
  if (end < 0) return { lines: [], rest: pending + chunk };
  const lines = (pending + chunk.slice(0, end)).split("\n").filter((line) => line.trim() !== "");
  return { lines, rest: chunk.slice(end + 1) };
}
