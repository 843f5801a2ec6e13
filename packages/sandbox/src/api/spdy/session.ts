import { Duplex } from "node:stream";
import {
  FLAG_FIN,
  GoAwayStatus,
  MAX_FRAME_PAYLOAD,
  RstStatus,
  type SpdyFrame,
  SpdyFrameReader,
  SpdyFrameWriter,
  type SpdyHeaders,
  SpdyProtocolError,
  UnsupportedVersionError,
} from "./frames.ts";

// One frame's data at most this big: the peer reads whole frames before handing them on.
const MAX_DATA_FRAME = 64 * 1024;
// Beyond this many open streams a client is refused new ones (REFUSED_STREAM).
const MAX_OPEN_STREAMS = 1000;

/**
 * One stream of a SPDY session, as a Duplex: what the peer sends on it is readable (its FIN
 * ends the readable side), what is written goes out as DATA frames (end() sends the FIN).
 * Destroying it before both sides finished resets it (RST_STREAM CANCEL).
 */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  readonly #session: SpdySession;
  #replied = false;
  #reset = false;
  #remoteDone = false;
  #localDone = false;

  constructor(session: SpdySession, id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true });
    this.#session = session;
    this.id = id;
    this.headers = headers;
  }

  /** The first value of a header, names compared as SPDY sends them (lower case). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  get replied(): boolean {
    return this.#replied;
  }

  /** Accepts the stream (SYN_REPLY). Data written before this sends the reply first. */
  reply(headers: SpdyHeaders = {}): void {
    if (this.#replied || this.#reset) return;
    this.#replied = true;
    this.#session.send({ type: "SYN_REPLY", streamId: this.id, flags: 0, headers });
  }

  /** Refuses or aborts the stream; nothing more is read or written on it. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.#reset) return;
    this.#reset = true;
    if (!(this.#remoteDone && this.#localDone))
      this.#session.send({ type: "RST_STREAM", streamId: this.id, status });
    this.destroy();
  }

  /** @internal The peer's DATA for this stream. */
  receive(data: Buffer, fin: boolean): void {
    if (this.#remoteDone) {
      this.reset(RstStatus.STREAM_ALREADY_CLOSED);
      return;
    }
    if (data.length && !this.push(data)) this.#session.hold(this);
    if (fin) {
      this.#remoteDone = true;
      this.push(null);
    }
  }

  /** @internal The peer reset the stream or the session is gone: no RST goes back. */
  abandon(): void {
    this.#reset = true;
    this.destroy();
  }

  override _read(): void {
    this.#session.release(this);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#reset) {
      callback(new Error("stream was reset"));
      return;
    }
    this.reply();
    let ok = true;
    for (let at = 0; at < chunk.length; at += MAX_DATA_FRAME) {
      ok = this.#session.send({
        type: "DATA",
        streamId: this.id,
        flags: 0,
        data: chunk.subarray(at, Math.min(chunk.length, at + MAX_DATA_FRAME)),
      });
    }
    if (ok) callback();
    else this.#session.whenDrained(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#reset) {
      this.reply();
      this.#localDone = true;
      this.#session.send({ type: "DATA", streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#reset && !(this.#remoteDone && this.#localDone)) {
      this.#reset = true;
      this.#session.send({ type: "RST_STREAM", streamId: this.id, status: RstStatus.CANCEL });
    }
    this.#session.forget(this);
    callback(error);
  }
}

export interface SpdySessionOptions {
  /**
   * A new stream from the peer. Reset it to refuse it; otherwise it is accepted with an empty
   * SYN_REPLY once this returns (or earlier, by its first write or an explicit reply()).
   */
  onStream(stream: SpdyStream): void;
  /** The session ended: the transport closed, or a protocol error ended it. */
  onClose?(): void;
}

/**
 * The server side of a SPDY/3.1 session over any byte stream: a TLS socket after an HTTP
 * upgrade, or the byte stream carried in WebSocket binary messages. Streams are opened by the
 * client (odd ids); the server only answers them. Pings from the client are echoed; SETTINGS
 * and WINDOW_UPDATE are read and otherwise ignored, as by the Go implementation Kubernetes
 * clients use, which does no flow control.
 */
export class SpdySession {
  readonly #transport: Duplex;
  readonly #reader = new SpdyFrameReader();
  readonly #writer = new SpdyFrameWriter();
  readonly #streams = new Map<number, SpdyStream>();
  readonly #held = new Set<SpdyStream>();
  readonly #options: SpdySessionOptions;
  #lastStreamId = 0;
  #goingAway = false;
  #closed = false;
  #drainWaiters: (() => void)[] = [];
  #closeListeners: (() => void)[] = [];

  constructor(transport: Duplex, options: SpdySessionOptions) {
    this.#transport = transport;
    this.#options = options;
    transport.on("data", (chunk: Buffer) => this.#receive(chunk));
    transport.on("drain", () => {
      const waiters = this.#drainWaiters.splice(0);
      for (const wake of waiters) wake();
    });
    transport.on("error", () => {});
    transport.once("close", () => this.#teardown());
    transport.once("end", () => this.#teardown());
  }

  /** Streams currently open. */
  get openStreams(): number {
    return this.#streams.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `listener` once the session has ended (at once if it already has). */
  onceClosed(listener: () => void): void {
    if (this.#closed) listener();
    else this.#closeListeners.push(listener);
  }

  /** @internal Writes one frame; false when the transport wants the writer to wait. */
  send(frame: SpdyFrame): boolean {
    if (this.#closed || this.#transport.destroyed || this.#transport.writableEnded) return true;
    return this.#transport.write(this.#writer.encode(frame));
  }

  /** @internal */
  whenDrained(wake: () => void): void {
    if (this.#closed) wake();
    else this.#drainWaiters.push(wake);
  }

  /** @internal A stream's reader is full: stop reading the transport until it catches up. */
  hold(stream: SpdyStream): void {
    this.#held.add(stream);
    this.#transport.pause();
  }

  /** @internal */
  release(stream: SpdyStream): void {
    if (this.#held.delete(stream) && this.#held.size === 0 && !this.#closed) this.#transport.resume();
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
    this.release(stream);
    if (this.#goingAway && this.#streams.size === 0) this.#end();
  }

  /** Tells the peer no new streams will be accepted, and ends once the open ones are done. */
  goAway(status: number = GoAwayStatus.OK): void {
    if (this.#goingAway || this.#closed) return;
    this.#goingAway = true;
    this.send({ type: "GOAWAY", lastGoodStreamId: this.#lastStreamId, status });
    if (this.#streams.size === 0) this.#end();
  }

  /** Ends everything now: the streams are reset, the transport destroyed. */
  destroy(): void {
    this.#teardown();
    this.#transport.destroy();
  }

  #end(): void {
    if (this.#closed) return;
    this.#transport.end();
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      this.#handle(frame);
    }
  }

  #fail(error: unknown): void {
    if (error instanceof UnsupportedVersionError && error.streamId)
      this.send({ type: "RST_STREAM", streamId: error.streamId, status: RstStatus.UNSUPPORTED_VERSION });
    if (!(error instanceof SpdyProtocolError)) process.emitWarning(`sandbox SPDY session: ${String(error)}`);
    // The header compression state is lost with the frame: nothing after it can be read.
    this.send({ type: "GOAWAY", lastGoodStreamId: this.#lastStreamId, status: GoAwayStatus.PROTOCOL_ERROR });
    this.#goingAway = true;
    this.#teardown();
    this.#transport.end();
  }

  #handle(frame: SpdyFrame): void {
    switch (frame.type) {
      case "SYN_STREAM":
        this.#open(frame.streamId, frame.headers, (frame.flags & FLAG_FIN) !== 0);
        return;
      case "DATA": {
        const stream = this.#streams.get(frame.streamId);
        if (!stream) {
          this.send({ type: "RST_STREAM", streamId: frame.streamId, status: RstStatus.INVALID_STREAM });
          return;
        }
        stream.receive(frame.data, (frame.flags & FLAG_FIN) !== 0);
        return;
      }
      case "HEADERS": {
        // Headers after the opening carry nothing Kubernetes' protocols use, except a FIN.
        const stream = this.#streams.get(frame.streamId);
        if (stream && frame.flags & FLAG_FIN) stream.receive(Buffer.alloc(0), true);
        return;
      }
      case "RST_STREAM":
        this.#streams.get(frame.streamId)?.abandon();
        return;
      case "PING":
        // Our own pings would be even; an odd id is the client's, to be echoed at once.
        if (frame.id % 2 === 1) this.send(frame);
        return;
      case "GOAWAY":
        this.#goingAway = true;
        if (this.#streams.size === 0) this.#end();
        return;
      case "SYN_REPLY":
        // The server opens no streams, so there is nothing this could answer.
        this.send({ type: "RST_STREAM", streamId: frame.streamId, status: RstStatus.INVALID_STREAM });
        return;
      case "SETTINGS":
      case "WINDOW_UPDATE":
      case "UNKNOWN":
        return;
    }
  }

  #open(streamId: number, headers: SpdyHeaders, fin: boolean): void {
    if (streamId % 2 === 0 || streamId <= this.#lastStreamId) {
      this.send({ type: "RST_STREAM", streamId, status: RstStatus.PROTOCOL_ERROR });
      return;
    }
    this.#lastStreamId = streamId;
    if (this.#goingAway || this.#streams.size >= MAX_OPEN_STREAMS) {
      this.send({ type: "RST_STREAM", streamId, status: RstStatus.REFUSED_STREAM });
      return;
    }
    const stream = new SpdyStream(this, streamId, headers);
    stream.on("error", () => {});
    this.#streams.set(streamId, stream);
    if (fin) stream.receive(Buffer.alloc(0), true);
    try {
      this.#options.onStream(stream);
    } catch (error) {
      process.emitWarning(`sandbox SPDY stream handler: ${String(error)}`);
      stream.reset(RstStatus.INTERNAL_ERROR);
      return;
    }
    if (!stream.destroyed) stream.reply();
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) stream.abandon();
    this.#streams.clear();
    this.#held.clear();
    const waiters = this.#drainWaiters.splice(0);
    for (const wake of waiters) wake();
    this.#options.onClose?.();
    for (const listener of this.#closeListeners.splice(0)) listener();
  }
}

export { MAX_FRAME_PAYLOAD };
