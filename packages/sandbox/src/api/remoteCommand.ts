import { EventEmitter } from "node:events";
import { PassThrough, type Readable, Writable } from "node:stream";
import type { RawData, WebSocket } from "ws";
import type { SpdySession, SpdyStream } from "./spdy/session.ts";

// kubelet's side of pods/{name}/exec once the connection is upgraded: the remote command
// protocols over WebSocket (v5 down to channel.k8s.io) and over SPDY (v4 down to
// channel.k8s.io), both ending in the status the API server reports for the command.

export interface TerminalSize {
  width: number;
  height: number;
}

/** One command to run in a container, with the streams the client asked for. */
export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  tty: boolean;
  stdin?: Readable;
  stdout?: Writable;
  /** Absent with a TTY: the terminal carries both outputs on stdout. */
  stderr?: Writable;
  /** Emits "resize" with a TerminalSize whenever the client's terminal changes size. */
  terminal: EventEmitter<{ resize: [TerminalSize] }>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/** How a command ended: its exit code, or the runtime's failure to run it at all. */
export type ExecOutcome = { exitCode: number } | { failure: string };

/** What runs commands in containers: the data plane's simulated processes, in the sandbox. */
export interface ExecConnector {
  exec(request: ExecRequest): Promise<ExecOutcome>;
}

export type ExecTarget = Pick<ExecRequest, "namespace" | "pod" | "container" | "command" | "tty"> & {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
};

export const WEBSOCKET_EXEC_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];
/** kubelet's SPDY protocols: v5's close signal exists only for WebSocket, SPDY has half-close. */
export const SPDY_EXEC_PROTOCOLS = [
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
// v5: the client's "I am done with this stream" message, [255, channel].
const CLOSE_SIGNAL = 255;
// kubelet waits this long for the client to open every stream it asked for.
const STREAM_CREATION_TIMEOUT_MS = 30_000;

const statusIsJson = (protocol: string) =>
  protocol === "v4.channel.k8s.io" || protocol === "v5.channel.k8s.io";

/**
 * What kubelet writes on the error channel at the end. v4 and later carry a Status (the exit
 * code as a cause); earlier protocols carry only the text of a failure.
 */
export function finalStatus(outcome: ExecOutcome, command: string[], protocol: string): Buffer | undefined {
  let status: Record<string, unknown>;
  if ("failure" in outcome) {
    const message = `error executing command in container: ${outcome.failure}`;
    status = {
      metadata: {},
      status: "Failure",
      message: `Internal error occurred: ${message}`,
      reason: "InternalError",
      details: { causes: [{ message }] },
      code: 500,
    };
  } else if (outcome.exitCode === 0) {
    status = { metadata: {}, status: "Success" };
  } else {
    status = {
      metadata: {},
      status: "Failure",
      message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${outcome.exitCode}`,
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: String(outcome.exitCode) }] },
    };
  }
  if (statusIsJson(protocol)) return Buffer.from(JSON.stringify(status));
  return status.status === "Success" ? undefined : Buffer.from(String(status.message));
}

function parseSize(text: string): TerminalSize | undefined {
  try {
    const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width === "number" && typeof size.Height === "number")
      return { width: size.Width, height: size.Height };
  } catch {}
  return undefined;
}

/** A Writable that hands each chunk on at once, so output is sent in the order it was written. */
function sink(send: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      send(chunk);
      callback();
    },
  });
}

/** exec over WebSocket: every message is a channel byte and that channel's data. */
export function serveWebSocketExec(
  ws: WebSocket,
  target: ExecTarget,
  connector: ExecConnector | undefined,
): void {
  const protocol = ws.protocol;
  const abort = new AbortController();
  const terminal = new EventEmitter<{ resize: [TerminalSize] }>();
  const stdin = target.stdin ? new PassThrough() : undefined;
  const send = (channel: number) => (chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(channel), chunk]));
  };
  ws.on("error", () => {});
  ws.on("message", (message: RawData, isBinary: boolean) => {
    if (!Buffer.isBuffer(message) || message.length === 0) return;
    // The base64 text variants are not offered, so text messages carry nothing for us.
    if (!isBinary) return;
    const channel = message[0]!;
    const data = message.subarray(1);
    if (channel === STDIN) stdin?.write(data);
    else if (channel === RESIZE) {
      const size = parseSize(data.toString("utf8"));
      if (size) terminal.emit("resize", size);
    } else if (channel === CLOSE_SIGNAL && protocol === "v5.channel.k8s.io" && data[0] === STDIN)
      stdin?.end();
  });
  ws.once("close", () => {
    abort.abort(new Error("the client went away"));
    stdin?.end();
  });

  const stdout = target.stdout ? sink(send(STDOUT)) : undefined;
  const stderr = target.stderr && !target.tty ? sink(send(STDERR)) : undefined;
  run(connector, { ...target, stdin, stdout, stderr, terminal, signal: abort.signal }).then((outcome) => {
    const status = finalStatus(outcome, target.command, protocol);
    if (status) send(ERROR)(status);
    if (ws.readyState === ws.OPEN) ws.close(1000);
  });
}

/**
 * exec over SPDY: the client opens one stream per channel (error, stdin, stdout, stderr,
 * resize), named by their streamtype header; the command starts once all it asked for exist.
 */
export function spdyExecHandler(
  target: ExecTarget,
  protocol: string,
  connector: ExecConnector | undefined,
): { onStream(stream: SpdyStream, session: SpdySession): void; close(): void } {
  const expected = new Set<string>(["error"]);
  if (target.stdin) expected.add("stdin");
  if (target.stdout) expected.add("stdout");
  if (target.stderr && !target.tty) expected.add("stderr");
  // Resizing arrived with v3.
  if (target.tty && protocol !== "channel.k8s.io" && protocol !== "v2.channel.k8s.io") expected.add("resize");
  const streams = new Map<string, SpdyStream>();
  const abort = new AbortController();
  let started = false;
  const timer = setTimeout(
    () => abort.abort(new Error("timed out waiting for client to create streams")),
    STREAM_CREATION_TIMEOUT_MS,
  );
  timer.unref();

  function onStream(stream: SpdyStream, session: SpdySession): void {
    const type = stream.header("streamtype") ?? "";
    if (started || !expected.has(type) || streams.has(type)) {
      stream.reset();
      return;
    }
    streams.set(type, stream);
    if (streams.size === expected.size) {
      started = true;
      clearTimeout(timer);
      queueMicrotask(() => start(session));
    }
  }

  function start(session: SpdySession): void {
    const terminal = new EventEmitter<{ resize: [TerminalSize] }>();
    const resize = streams.get("resize");
    if (resize) {
      let pending = "";
      resize.setEncoding("utf8");
      resize.on("data", (text: string) => {
        pending += text;
        for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n")) {
          const size = parseSize(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          if (size) terminal.emit("resize", size);
        }
      });
    }
    const error = streams.get("error")!;
    error.resume();
    const stdout = streams.get("stdout");
    const stderr = streams.get("stderr");
    session.onceClosed(() => abort.abort(new Error("the client went away")));
    run(connector, {
      ...target,
      stdin: streams.get("stdin"),
      stdout,
      stderr,
      terminal,
      signal: abort.signal,
    }).then((outcome) => {
      stdout?.end();
      stderr?.end();
      const status = finalStatus(outcome, target.command, protocol);
      if (status) error.write(status);
      error.end();
      // kubelet closes the connection once the status is out; the client hangs up first.
      session.goAway();
      setTimeout(() => session.destroy(), 1000).unref();
    });
  }

  return {
    onStream,
    close() {
      clearTimeout(timer);
      abort.abort(new Error("the server is going away"));
    },
  };
}

async function run(connector: ExecConnector | undefined, request: ExecRequest): Promise<ExecOutcome> {
  if (!connector) return { failure: "no container runtime is attached to this cluster" };
  try {
    return await connector.exec(request);
  } catch (error) {
    return { failure: (error as Error)?.message ?? String(error) };
  }
}
