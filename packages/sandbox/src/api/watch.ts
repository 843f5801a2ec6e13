import type { ServerResponse } from "node:http";
import type { KubeObject } from "../kube.ts";
import type { Store, StoreEvent, WatchEventType } from "../store/store.ts";
import { gone } from "./status.ts";

export interface WatchOptions {
  store: Store;
  storageKey: string;
  namespace?: string;
  /** Whether an object belongs in this watch (namespace, name, label and field selectors). */
  matches: (object: KubeObject) => boolean;
  /** Turns a stored object into what goes on the wire (API version, or a one-row Table). */
  present: (object: KubeObject) => unknown;
  resourceVersion?: string;
  bookmarks: boolean;
  timeoutSeconds?: number;
  bookmarkObject: (resourceVersion: string) => unknown;
  bookmarkIntervalMs?: number;
}

const BOOKMARK_INTERVAL_MS = 60_000;
/** A client that stops reading gets dropped rather than growing the sandbox's memory. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Streams WatchEvents as NDJSON until the client goes, the timeout passes, or the sandbox stops.
 * Resumes from a resourceVersion when the history still has it, and answers 410 Expired (as a
 * watch ERROR event, which is how client-go expects it) when it does not.
 */
export function serveWatch(
  res: ServerResponse,
  options: WatchOptions,
  onClose: (stop: () => void) => void,
): void {
  const { store } = options;
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  // A timeout already past (timeoutSeconds < 0, which the API server accepts) ends it at once.
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds < 0) {
    res.end();
    return;
  }

  const send = (type: WatchEventType | "BOOKMARK" | "ERROR", object: unknown) => {
    res.write(`${JSON.stringify({ type, object })}\n`);
    if (res.writableLength > MAX_BUFFERED_BYTES) stop();
  };

  const relay = (event: StoreEvent) => {
    if (event.resource !== options.storageKey) return;
    const now = options.matches(event.object);
    const before = event.previous ? options.matches(event.previous) : event.type !== "ADDED" && now;
    if (event.type === "MODIFIED" && before !== now) {
      // Leaving or entering a selector is a deletion or an addition for this watcher.
      send(now ? "ADDED" : "DELETED", options.present(event.object));
    } else if (now) {
      send(event.type, options.present(event.object));
    }
  };

  const requested = options.resourceVersion;
  if (!requested || requested === "0") {
    for (const object of store.peek(options.storageKey, options.namespace)) {
      if (options.matches(object)) send("ADDED", options.present(object));
    }
  } else {
    const from = Number(requested);
    const changes = Number.isFinite(from) ? store.changesSince(options.storageKey, from) : "gone";
    if (changes === "gone") {
      send("ERROR", gone(from, store.oldestResumable).toStatus());
      res.end();
      return;
    }
    for (const change of changes) relay(change);
  }

  const unsubscribe = store.subscribe(relay);
  const timers: NodeJS.Timeout[] = [];
  if (options.bookmarks) {
    timers.push(
      setInterval(
        () => send("BOOKMARK", options.bookmarkObject(String(store.revision))),
        options.bookmarkIntervalMs ?? BOOKMARK_INTERVAL_MS,
      ),
    );
  }
  if (options.timeoutSeconds && options.timeoutSeconds > 0) {
    timers.push(setTimeout(() => stop(), options.timeoutSeconds * 1000));
  }
  let stopped = false;
  function stop() {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  }
  // res 'close', not req 'close': the request's fires as soon as its (empty) body is read.
  res.on("close", stop);
  onClose(stop);
}
