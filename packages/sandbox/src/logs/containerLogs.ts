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
  /** Bytes of text in `current`. */
  bytes: number;
  previous?: LogLine[];
  followers: Set<Follower>;
  lastMs: number;
  sequence: number;
  lastSecond: string;
}

export interface Follower {
  line(line: LogLine): void;
  /** The container stopped (or the pod went away): nothing more will come. */
  end(): void;
}

// kubelet rotates at 10 MiB by default; the simulation keeps the latest lines up to a budget
// per container, so a long traffic run costs a bounded amount of memory.
const MAX_LINES = 2000;
const MAX_BYTES = 512 * 1024;
// kubelet splits longer lines into partial ones; the simulation just truncates.
const MAX_LINE = 16 * 1024;
// Logs of this many containers at most, the oldest forgotten first.
const MAX_CONTAINERS = 1000;

const keyOf = (uid: string, container: string) => `${uid}/${container}`;

/**
 * RFC 3339 with nanoseconds from the wall clock in ms, with a counter below the ms so the
 * lines of one container stay in order.
 */
function stamp(log: Log, at: Date): string {
  let ms = at.getTime();
  if (ms < log.lastMs) ms = log.lastMs;
  if (ms === log.lastMs) log.sequence++;
  else {
    log.lastMs = ms;
    log.sequence = 0;
    log.lastSecond = new Date(ms).toISOString().slice(0, 19);
  }
  const fraction = `${String(ms % 1000).padStart(3, "0")}${String(Math.min(log.sequence, 999_999) * 1).padStart(6, "0")}`;
  return `${log.lastSecond}.${fraction}Z`;
}

export class ContainerLogs {
  readonly #logs = new Map<string, Log>();

  #log(uid: string, container: string): Log {
    const key = keyOf(uid, container);
    let log = this.#logs.get(key);
    if (!log) {
      log = { current: [], bytes: 0, followers: new Set(), lastMs: 0, sequence: 0, lastSecond: "" };
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
      log.bytes += line.text.length;
      for (const follower of log.followers) follower.line(line);
    }
    // Trimmed in batches: dropping from the front of an array on every line would cost a
    // copy of the whole log per line.
    if (log.current.length > MAX_LINES * 1.25 || log.bytes > MAX_BYTES * 1.25) {
      let drop = 0;
      let bytes = log.bytes;
      while (drop < log.current.length - 1 && (log.current.length - drop > MAX_LINES || bytes > MAX_BYTES)) {
        bytes -= log.current[drop]!.text.length;
        drop++;
      }
      log.current = log.current.slice(drop);
      log.bytes = bytes;
    }
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
    log.bytes = 0;
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
