import { type Duplex, duplexPair } from "node:stream";
import type { RawData, WebSocket } from "ws";
import type { PodTarget } from "../dataplane/index.ts";
import type { Pod } from "../kube.ts";
import type { SpdySession, SpdyStream } from "./spdy/session.ts";
import { badRequest } from "./status.ts";

// kubelet's side of pods/{name}/portforward, once the connection is upgraded: the WebSocket
// channel protocol (ports in the URL), and the SPDY protocol kubectl speaks (ports per stream,
// inside WebSocket messages or after an HTTP upgrade).

/** What a forwarded connection is handed to: the data plane, in the sandbox. */
export interface PortConnector {
  /** Serves `socket` as a connection to the pod's port; false when nothing listens there. */
  acceptConnection(target: PodTarget, socket: Duplex): boolean;
}

/** The WebSocket channel protocol: binary frames whose first byte is the channel. */
export const CHANNEL_PROTOCOL = "v4.channel.k8s.io";
/** SPDY's port-forward protocol, as negotiated by X-Stream-Protocol-Version. */
export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** The prefix kubectl puts before a SPDY protocol to tunnel it inside WebSocket messages. */
export const SPDY_TUNNEL_PREFIX = "SPDY/3.1+";

// Stop reading from the pod while this much is queued for a slow client, so a stalled client
// costs a bounded buffer rather than the whole response.
const HIGH_WATER = 1024 * 1024;
// kubelet's streamCreationTimeout: a data stream without its error stream (or the other way
// round) is given up after this long.
const STREAM_PAIR_TIMEOUT_MS = 30_000;

/** kubelet's reading of `ports`: repeated and comma-separated, each 1..65535. */
export function parsePorts(values: string[]): number[] {
  if (values.length === 0) throw badRequest(`query parameter "ports" is required`);
  const ports: number[] = [];
  for (const value of values) {
    if (value === "") throw badRequest(`query parameter "ports" cannot be empty`);
    for (const part of value.split(",")) {
      const port = /^\d{1,5}$/.test(part) ? Number(part) : Number.NaN;
      if (!(port <= 65535)) throw badRequest(`unable to parse "${value}" as a port: invalid syntax`);
      if (port < 1) throw badRequest(`port "${value}" must be > 0`);
      ports.push(port);
    }
  }
  return ports;
}

const frame = (channel: number, payload: Buffer): Buffer => Buffer.concat([Buffer.of(channel), payload]);

function portBytes(port: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(port);
  return bytes;
}

/**
 * One WebSocket, one connection to the pod per requested port. Each channel starts with the
 * port number as kubelet sends it; a refused port gets kubelet's error on its error channel.
 * The WebSocket closes once every port's connection has ended, and closing the WebSocket ends
 * them all.
 */
export function serveChannelTunnel(
  ws: WebSocket,
  pod: Pod,
  ports: number[],
  connector: PortConnector | undefined,
): void {
  const namespace = pod.metadata.namespace ?? "";
  const name = pod.metadata.name ?? "";
  const streams: (Duplex | undefined)[] = [];
  const podSides: Duplex[] = [];
  const finished = new Set<number>();
  const finish = (index: number) => {
    if (finished.has(index)) return;
    finished.add(index);
    streams[index]?.destroy();
    podSides[index]?.destroy();
    if (finished.size === ports.length && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on("error", () => {});

  ports.forEach((port, index) => {
    const data = 2 * index;
    const errors = data + 1;
    ws.send(frame(data, portBytes(port)));
    ws.send(frame(errors, portBytes(port)));
    const [ours, theirs] = duplexPair();
    ours.on("error", () => {});
    theirs.on("error", () => {});
    if (!connector?.acceptConnection({ namespace, pod: name, port }, theirs)) {
      theirs.destroy();
      ours.destroy();
      ws.send(frame(errors, Buffer.from(refusedMessage(pod, port))));
      finish(index);
      return;
    }
    streams[index] = ours;
    // Older Node versions do not pass a destroy across the pair; the pod must see it.
    podSides[index] = theirs;
    let paused = false;
    ours.on("data", (chunk: Buffer) => {
      ws.send(frame(data, chunk), () => {
        if (paused && ws.bufferedAmount < HIGH_WATER / 2) {
          paused = false;
          ours.resume();
        }
      });
      if (!paused && ws.bufferedAmount >= HIGH_WATER) {
        paused = true;
        ours.pause();
      }
    });
    // The pod hung up: everything it wrote is queued ahead of the close frame.
    ours.once("end", () => finish(index));
    ours.once("close", () => finish(index));
  });

  let waitingForPod = false;
  ws.on("message", (message: RawData, isBinary: boolean) => {
    if (!isBinary || !Buffer.isBuffer(message) || message.length === 0) return;
    const channel = message[0]!;
    // Error channels are the server's to write; a client writing there is ignored like kubelet does.
    if (channel % 2 !== 0) return;
    const stream = streams[channel / 2];
    if (!stream || stream.destroyed || !stream.writable) return;
    if (!stream.write(message.subarray(1)) && !waitingForPod) {
      waitingForPod = true;
      ws.pause();
      stream.once("drain", () => {
        waitingForPod = false;
        ws.resume();
      });
    }
  });
  ws.once("close", () => {
    for (const stream of [...streams, ...podSides]) stream?.destroy();
  });
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * kubelet's SPDY port-forward handler: the client opens an error stream and a data stream per
 * connection, both naming the port and a request id; once both are there the data stream is
 * joined to a connection into the pod. Whatever went wrong is written to the error stream,
 * and both streams are closed when the pod's side of the connection ends.
 */
export function spdyPortForwardHandler(
  pod: Pod,
  connector: PortConnector | undefined,
): { onStream(stream: SpdyStream, session: SpdySession): void; close(): void } {
  const pairs = new Map<string, StreamPair>();
  const podSides = new Set<Duplex>();

  function onStream(stream: SpdyStream): void {
    const portText = stream.header("port");
    if (!portText) {
      stream.reset();
      return;
    }
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) {
      stream.reset();
      return;
    }
    const type = stream.header("streamtype");
    if (type !== "error" && type !== "data") {
      stream.reset();
      return;
    }
    // Clients older than request ids: the error stream is opened just before its data stream.
    const requestId = stream.header("requestid") ?? String(type === "data" ? stream.id - 2 : stream.id);
    let pair = pairs.get(requestId);
    if (!pair) {
      pair = {
        timer: setTimeout(() => {
          pairs.delete(requestId);
          const error = pair?.error;
          if (error) error.end(`timed out waiting for streams of request ${requestId}`);
          pair?.data?.reset();
        }, STREAM_PAIR_TIMEOUT_MS),
      };
      pair.timer.unref();
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      stream.reset();
      return;
    }
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(pair.data, pair.error, port);
    }
  }

  function forward(data: SpdyStream, error: SpdyStream, port: number): void {
    // The client never writes to the error stream; its FIN is all it sends there.
    error.resume();
    const [ours, theirs] = duplexPair();
    ours.on("error", () => {});
    theirs.on("error", () => {});
    const target = { namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name ?? "", port };
    if (!connector?.acceptConnection(target, theirs)) {
      ours.destroy();
      theirs.destroy();
      data.end();
      error.end(refusedMessage(pod, port));
      return;
    }
    podSides.add(theirs);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      podSides.delete(theirs);
      if (!data.destroyed) data.end();
      if (!error.destroyed) error.end();
      ours.destroy();
      theirs.destroy();
    };
    ours.pipe(data, { end: false });
    data.pipe(ours);
    ours.once("end", finish);
    ours.once("close", finish);
    // The client reset or lost the stream: the pod's connection goes with it.
    data.once("close", () => {
      if (!done) {
        done = true;
        podSides.delete(theirs);
        if (!error.destroyed) error.end();
        ours.destroy();
        theirs.destroy();
      }
    });
  }

  return {
    onStream,
    close() {
      for (const pair of pairs.values()) clearTimeout(pair.timer);
      pairs.clear();
      for (const side of podSides) side.destroy();
      podSides.clear();
    },
  };
}

/** What containerd reports through kubelet when nothing listens on the port inside the pod. */
export function refusedMessage(pod: Pod, port: number): string {
  const sandbox = (pod.metadata.uid ?? pod.metadata.name ?? "").replaceAll("-", "");
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace ` +
    `"/var/run/netns/cni-${pod.metadata.uid ?? ""}": failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}
