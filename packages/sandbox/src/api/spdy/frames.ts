import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders, SpdyProtocolError } from "./headerBlock.ts";

// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 plus 3.1's session flow control), as
// Kubernetes' streaming protocols use it: every frame has an 8-byte header; control frames
// start with the high bit set, version 3 and a type, data frames with a 31-bit stream id.

export const SPDY_VERSION = 3;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

export const ControlType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

/** RST_STREAM status codes. */
export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  FRAME_TOO_LARGE: 11,
} as const;

/** GOAWAY status codes. */
export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

/** The largest payload the 24-bit length field can describe. */
export const MAX_FRAME_PAYLOAD = 0xffffff;

export interface SettingsEntry {
  flags: number;
  id: number;
  value: number;
}

export type SpdyFrame =
  | { type: "DATA"; streamId: number; flags: number; data: Buffer }
  | {
      type: "SYN_STREAM";
      streamId: number;
      associatedStreamId: number;
      priority: number;
      slot: number;
      flags: number;
      headers: SpdyHeaders;
    }
  | { type: "SYN_REPLY"; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: "RST_STREAM"; streamId: number; status: number }
  | { type: "SETTINGS"; flags: number; entries: SettingsEntry[] }
  | { type: "PING"; id: number }
  | { type: "GOAWAY"; lastGoodStreamId: number; status: number }
  | { type: "HEADERS"; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: "WINDOW_UPDATE"; streamId: number; delta: number }
  /** A control frame of a type SPDY/3.1 does not define: receivers must ignore it. */
  | { type: "UNKNOWN"; controlType: number; flags: number; payload: Buffer };

const STREAM_ID_MASK = 0x7fffffff;

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new RangeError("SPDY frame payload too large");
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([header, payload]);
}

function words(...values: number[]): Buffer {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((value, i) => {
    bytes.writeUInt32BE(value >>> 0, i * 4);
  });
  return bytes;
}

/**
 * Writes one direction of a connection. Header blocks share one compression stream, so the
 * frames it encodes must go out in the order they were encoded.
 */
export class SpdyFrameWriter {
  readonly #compressor = new HeaderCompressor();

  encode(frame: SpdyFrame): Buffer {
    switch (frame.type) {
      case "DATA": {
        if (frame.data.length > MAX_FRAME_PAYLOAD) throw new RangeError("SPDY frame payload too large");
        const header = Buffer.alloc(8);
        header.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
        header.writeUInt32BE(((frame.flags & 0xff) << 24) | frame.data.length, 4);
        return Buffer.concat([header, frame.data]);
      }
      case "SYN_STREAM": {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(frame.streamId & STREAM_ID_MASK, 0);
        fixed.writeUInt32BE(frame.associatedStreamId & STREAM_ID_MASK, 4);
        fixed[8] = (frame.priority & 0x07) << 5;
        fixed[9] = frame.slot & 0xff;
        const block = this.#compressor.compress(frame.headers);
        return controlFrame(ControlType.SYN_STREAM, frame.flags, Buffer.concat([fixed, block]));
      }
      case "SYN_REPLY":
      case "HEADERS": {
        const block = this.#compressor.compress(frame.headers);
        const type = frame.type === "SYN_REPLY" ? ControlType.SYN_REPLY : ControlType.HEADERS;
        return controlFrame(
          type,
          frame.flags,
          Buffer.concat([words(frame.streamId & STREAM_ID_MASK), block]),
        );
      }
      case "RST_STREAM":
        return controlFrame(ControlType.RST_STREAM, 0, words(frame.streamId & STREAM_ID_MASK, frame.status));
      case "SETTINGS": {
        const body = Buffer.alloc(4 + frame.entries.length * 8);
        body.writeUInt32BE(frame.entries.length, 0);
        frame.entries.forEach((entry, i) => {
          body.writeUInt32BE((((entry.flags & 0xff) << 24) | (entry.id & 0xffffff)) >>> 0, 4 + i * 8);
          body.writeUInt32BE(entry.value >>> 0, 8 + i * 8);
        });
        return controlFrame(ControlType.SETTINGS, frame.flags, body);
      }
      case "PING":
        return controlFrame(ControlType.PING, 0, words(frame.id));
      case "GOAWAY":
        return controlFrame(
          ControlType.GOAWAY,
          0,
          words(frame.lastGoodStreamId & STREAM_ID_MASK, frame.status),
        );
      case "WINDOW_UPDATE":
        return controlFrame(
          ControlType.WINDOW_UPDATE,
          0,
          words(frame.streamId & STREAM_ID_MASK, frame.delta & STREAM_ID_MASK),
        );
      case "UNKNOWN":
        return controlFrame(frame.controlType, frame.flags, frame.payload);
    }
  }
}

/** Thrown for a frame whose version this end does not speak; answered with RST_STREAM 4. */
export class UnsupportedVersionError extends SpdyProtocolError {
  constructor(
    readonly version: number,
    readonly streamId: number,
  ) {
    super(`SPDY version ${version} is not supported; this end speaks version ${SPDY_VERSION}`);
  }
}

/**
 * Reads one direction of a connection from a byte stream cut anywhere: bytes go in as they
 * arrive (WebSocket messages, TCP chunks), whole frames come out.
 */
export class SpdyFrameReader {
  readonly #decompressor = new HeaderDecompressor();
  #pending: Buffer = Buffer.alloc(0);
  readonly #maxPayload: number;

  constructor(options: { maxPayload?: number } = {}) {
    this.#maxPayload = options.maxPayload ?? MAX_FRAME_PAYLOAD;
  }

  /** Bytes received but not yet part of a whole frame. */
  get buffered(): number {
    return this.#pending.length;
  }

  push(chunk: Buffer): SpdyFrame[] {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    const frames: SpdyFrame[] = [];
    while (this.#pending.length >= 8) {
      const length = this.#pending.readUInt32BE(4) & 0xffffff;
      if (length > this.#maxPayload)
        throw new SpdyProtocolError(`SPDY frame of ${length} bytes is too large`);
      if (this.#pending.length < 8 + length) break;
      const frame = this.#pending.subarray(0, 8 + length);
      this.#pending = this.#pending.subarray(8 + length);
      frames.push(this.#parse(frame));
    }
    return frames;
  }

  #parse(frame: Buffer): SpdyFrame {
    const first = frame.readUInt32BE(0);
    const flags = frame[4]!;
    const payload = frame.subarray(8);
    if (!(first & 0x80000000))
      return { type: "DATA", streamId: first & STREAM_ID_MASK, flags, data: payload };
    const version = (first >>> 16) & 0x7fff;
    const type = first & 0xffff;
    if (version !== SPDY_VERSION) {
      const streamId = payload.length >= 4 ? payload.readUInt32BE(0) & STREAM_ID_MASK : 0;
      throw new UnsupportedVersionError(version, streamId);
    }
    const need = (bytes: number) => {
      if (payload.length < bytes)
        throw new SpdyProtocolError(
          `SPDY control frame of type ${type} is too short (${payload.length} bytes)`,
        );
    };
    const exactly = (bytes: number) => {
      if (payload.length !== bytes)
        throw new SpdyProtocolError(`SPDY control frame of type ${type} must be ${bytes} bytes`);
    };
    switch (type) {
      case ControlType.SYN_STREAM:
        need(10);
        return {
          type: "SYN_STREAM",
          streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
          associatedStreamId: payload.readUInt32BE(4) & STREAM_ID_MASK,
          priority: payload[8]! >> 5,
          slot: payload[9]!,
          flags,
          headers: this.#decompressor.decompress(payload.subarray(10)),
        };
      case ControlType.SYN_REPLY:
      case ControlType.HEADERS: {
        need(4);
        const streamId = payload.readUInt32BE(0) & STREAM_ID_MASK;
        const headers = this.#decompressor.decompress(payload.subarray(4));
        return type === ControlType.SYN_REPLY
          ? { type: "SYN_REPLY", streamId, flags, headers }
          : { type: "HEADERS", streamId, flags, headers };
      }
      case ControlType.RST_STREAM:
        exactly(8);
        return {
          type: "RST_STREAM",
          streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
          status: payload.readUInt32BE(4),
        };
      case ControlType.SETTINGS: {
        need(4);
        const count = payload.readUInt32BE(0);
        exactly(4 + count * 8);
        const entries: SettingsEntry[] = [];
        for (let i = 0; i < count; i++) {
          const head = payload.readUInt32BE(4 + i * 8);
          entries.push({ flags: head >>> 24, id: head & 0xffffff, value: payload.readUInt32BE(8 + i * 8) });
        }
        return { type: "SETTINGS", flags, entries };
      }
      case ControlType.PING:
        exactly(4);
        return { type: "PING", id: payload.readUInt32BE(0) };
      case ControlType.GOAWAY:
        exactly(8);
        return {
          type: "GOAWAY",
          lastGoodStreamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
          status: payload.readUInt32BE(4),
        };
      case ControlType.WINDOW_UPDATE:
        exactly(8);
        return {
          type: "WINDOW_UPDATE",
          streamId: payload.readUInt32BE(0) & STREAM_ID_MASK,
          delta: payload.readUInt32BE(4) & STREAM_ID_MASK,
        };
      default:
        return { type: "UNKNOWN", controlType: type, flags, payload };
    }
  }
}

export { type SpdyHeaders, SpdyProtocolError } from "./headerBlock.ts";
