import type { Pod } from "../kube.ts";

// What kubelet keeps of each container's output: its log file (the current instance and the
// one before a restart), bounded like log rotation bounds it, with a way to follow new lines.

export interface LogLine {
  /** RFC 3339 with nanoseconds, as kubelet's CRI log files stamp each line. */
  at: string;
  text: string;
}

interface Log {
  current: LogLine[];
  previous?: LogLine[];
  followers: Set<Follower>;
  lastNanos: bigint;
}

export interface Follower {
  line(line: LogLine): void;
  /** The container stopped (or the pod went away): nothing more will come. */
  end(): void;
}

// kubelet rotates at 10 MiB by default; a few thousand lines is plenty for a simulation.
const MAX_LINES = 5000;
// kubelet splits longer lines into partial ones; the simulation just truncates.
const MAX_LINE = 16 * 1024;
// Logs of this many containers at most, the oldest forgotten first.
const MAX_CONTAINERS = 2000;

const keyOf = (uid: string, container: string) => `${uid}/${container}`;

/** Nanoseconds since the epoch: the wall clock in ms, with a counter so lines stay ordered. */
function stamp(log: Log, at: Date): string {
  let nanos = BigInt(at.getTime()) * 1_000_000n;
  if (nanos <= log.lastNanos) nanos = log.lastNanos + 1000n;
  log.lastNanos = nanos;
  const millis = Number(nanos / 1_000_000n);
  const iso = new Date(millis).toISOString();
  const fraction = String(nanos % 1_000_000_000n).padStart(9, "0");
  return `${iso.slice(0, 19)}.${fraction}Z`;
}

export class ContainerLogs {
  readonly #logs = new Map<string, Log>();

  #log(uid: string, container: string): Log {
    const key = keyOf(uid, container);
    let log = this.#logs.get(key);
    if (!log) {
      log = { current: [], followers: new Set(), lastNanos: 0n };
      this.#logs.set(key, log);
      if (this.#logs.size > MAX_CONTAINERS) {
        const oldest = this.#logs.keys().next().value;
        if (oldest !== undefined) this.#drop(oldest);
      }
    }
    return log;
  }

  /** Appends lines (a "\n" in `text` starts another) to a container's current log. */
  write(pod: Pod, container: string, text: string, at: Date = new Date()): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    const log = this.#log(uid, container);
    for (const raw of text.replace(/\n$/, "").split("\n")) {
      const line = { at: stamp(log, at), text: raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw };
      log.current.push(line);
      for (const follower of log.followers) follower.line(line);
    }
    if (log.current.length > MAX_LINES) log.current.splice(0, log.current.length - MAX_LINES);
  }

  /** The lines of the current instance, or of the one before the last restart. */
  read(uid: string, container: string, previous = false): LogLine[] | undefined {
    const log = this.#logs.get(keyOf(uid, container));
    return previous ? log?.previous : (log?.current ?? []);
  }

  /** Calls `follower` for each new line until the container ends; returns the unsubscribe. */
  follow(uid: string, container: string, follower: Follower): () => void {
    const log = this.#log(uid, container);
    log.followers.add(follower);
    return () => log.followers.delete(follower);
  }

  /** The container restarted: its log so far becomes the previous instance's. */
  restarted(uid: string, container: string): void {
    const log = this.#log(uid, container);
    for (const follower of log.followers) follower.end();
    log.followers.clear();
    log.previous = log.current;
    log.current = [];
  }

  /** The container stopped: followers are done. */
  ended(uid: string, container: string): void {
    const log = this.#logs.get(keyOf(uid, container));
    if (!log) return;
    for (const follower of log.followers) follower.end();
    log.followers.clear();
  }

  /** The pod is gone: kubelet removes its logs. */
  forget(uid: string): void {
    for (const key of [...this.#logs.keys()]) if (key.startsWith(`${uid}/`)) this.#drop(key);
  }

  #drop(key: string): void {
    const log = this.#logs.get(key);
    if (!log) return;
    for (const follower of log.followers) follower.end();
    this.#logs.delete(key);
  }
}
