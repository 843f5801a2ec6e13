import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { duplexPair } from "node:stream";
import { describe, it } from "node:test";
import { constants, createInflate } from "node:zlib";
import { SPDY3_DICTIONARY } from "../../../src/api/spdy/dictionary.ts";
import {
  FLAG_FIN,
  GoAwayStatus,
  RstStatus,
  type SpdyFrame,
  SpdyFrameReader,
  SpdyFrameWriter,
  SpdyProtocolError,
  UnsupportedVersionError,
} from "../../../src/api/spdy/frames.ts";
import {
  decodeNameValueBlock,
  encodeNameValueBlock,
  HeaderCompressor,
  type SpdyHeaders,
} from "../../../src/api/spdy/headerBlock.ts";
import { SpdySession, type SpdyStream } from "../../../src/api/spdy/session.ts";

// What kubectl 1.30 sent, client to server, over a SPDY port-forward to a details pod while
// curl made two requests through it (GET /details/0, GET /health, User-Agent "fixture").
const kubectlBytes = Buffer.from(
  readFileSync(
    new URL("../../fixtures/spdy/kubectl-portforward-client.hex", import.meta.url),
    "utf8",
  ).replace(/\s/g, ""),
  "hex",
);

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Feeds `bytes` to a fresh reader in pieces of the given sizes (cycled). */
function readInPieces(bytes: Buffer, sizes: number[]): SpdyFrame[] {
  const reader = new SpdyFrameReader();
  const frames: SpdyFrame[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    frames.push(...reader.push(bytes.subarray(at, at + size)));
    at += size;
  }
  assert.equal(reader.buffered, 0, "no bytes left over");
  return frames;
}

const summary = (frames: SpdyFrame[]) =>
  frames.map((f) => {
    switch (f.type) {
      case "SYN_STREAM":
        return `SYN_STREAM ${f.streamId} ${f.headers.streamtype} ${f.headers.port} ${f.headers.requestid}`;
      case "DATA":
        return `DATA ${f.streamId}${f.flags & FLAG_FIN ? " FIN" : ""} ${f.data.toString("latin1").split("\r\n")[0]}`;
      default:
        return f.type;
    }
  });

describe("the SPDY/3 header dictionary", () => {
  it("is the 1423 bytes whose Adler-32 Go's compressor names in its first header block", () => {
    assert.equal(SPDY3_DICTIONARY.length, 1423);
    // The first frame is a SYN_STREAM: 8 bytes of frame header, 10 of stream ids and priority,
    // then the zlib header (CMF, FLG with FDICT) and the dictionary id.
    assert.equal(kubectlBytes.readUInt16BE(18), 0x78f9);
    assert.equal(kubectlBytes.readUInt32BE(20), adler32(SPDY3_DICTIONARY));
    assert.equal(SPDY3_DICTIONARY.subarray(0, 11).toString("latin1"), "\0\0\0\x07options");
    assert.ok(SPDY3_DICTIONARY.toString("latin1").endsWith("utf-,*,enq=0."));
  });
});

describe("reading what kubectl sends", () => {
  it("decodes kubectl's stream pairs, headers and data, however the bytes are cut", () => {
    const expected = [
      "SYN_STREAM 1 error 9080 0",
      "DATA 1 FIN ",
      "SYN_STREAM 3 data 9080 0",
      "DATA 3 GET /details/0 HTTP/1.1",
      "DATA 3 FIN ",
      "SYN_STREAM 5 error 9080 1",
      "DATA 5 FIN ",
      "SYN_STREAM 7 data 9080 1",
      "DATA 7 GET /health HTTP/1.1",
      "DATA 7 FIN ",
    ];
    assert.deepEqual(summary(readInPieces(kubectlBytes, [kubectlBytes.length])), expected);
    assert.deepEqual(summary(readInPieces(kubectlBytes, [1])), expected);
    assert.deepEqual(summary(readInPieces(kubectlBytes, [7, 3, 50, 1, 13])), expected);
  });

  it("keeps one decompression stream across frames: later blocks refer back to earlier ones", () => {
    const blockSizes: number[] = [];
    for (let at = 0; at < kubectlBytes.length; ) {
      const length = kubectlBytes.readUInt32BE(at + 4) & 0xffffff;
      if (kubectlBytes.readUInt16BE(at) === 0x8003 && kubectlBytes.readUInt16BE(at + 2) === 1)
        blockSizes.push(length - 10);
      at += 8 + length;
    }
    const frames = readInPieces(kubectlBytes, [kubectlBytes.length]);
    const last = frames.filter((f) => f.type === "SYN_STREAM").at(-1)!;
    assert.ok(last.type === "SYN_STREAM");
    assert.deepEqual(last.headers, { streamtype: ["data"], port: ["9080"], requestid: ["1"] });
    // Its name/value block is 60 bytes in the clear, sent in far fewer: Go's compressor
    // refers back to the earlier blocks, which only a window shared across frames resolves.
    assert.equal(encodeNameValueBlock(last.headers).length, 60);
    assert.ok(blockSizes.at(-1)! < 20, `the last block took ${blockSizes.at(-1)} bytes`);
  });
});

describe("writing frames", () => {
  it("round-trips every frame type through the reader", () => {
    const writer = new SpdyFrameWriter();
    const frames: SpdyFrame[] = [
      {
        type: "SYN_STREAM",
        streamId: 1,
        associatedStreamId: 0,
        priority: 3,
        slot: 0,
        flags: 0,
        headers: { streamtype: ["error"], port: ["9080"], requestid: ["0"] },
      },
      { type: "SYN_REPLY", streamId: 1, flags: 0, headers: {} },
      { type: "DATA", streamId: 1, flags: 0, data: Buffer.from("hello") },
      { type: "DATA", streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
      { type: "HEADERS", streamId: 1, flags: FLAG_FIN, headers: { a: ["1", "2"] } },
      { type: "RST_STREAM", streamId: 3, status: RstStatus.CANCEL },
      { type: "SETTINGS", flags: 0, entries: [{ flags: 1, id: 7, value: 65536 }] },
      { type: "PING", id: 7 },
      { type: "WINDOW_UPDATE", streamId: 0, delta: 1024 },
      { type: "GOAWAY", lastGoodStreamId: 7, status: GoAwayStatus.OK },
    ];
    const bytes = Buffer.concat(frames.map((f) => writer.encode(f)));
    assert.deepEqual(readInPieces(bytes, [5, 11]), frames);
  });

  it("lays out control frames as SPDY/3 does: version 3, type, flags, 24-bit length", () => {
    const ping = new SpdyFrameWriter().encode({ type: "PING", id: 1 });
    assert.equal(ping.toString("hex"), "80030006000000040000" + "0001");
    const rst = new SpdyFrameWriter().encode({ type: "RST_STREAM", streamId: 5, status: 3 });
    assert.equal(rst.toString("hex"), "800300030000000800000005" + "00000003");
    const data = new SpdyFrameWriter().encode({
      type: "DATA",
      streamId: 3,
      flags: FLAG_FIN,
      data: Buffer.from("ab"),
    });
    assert.equal(data.toString("hex"), "0000000301000002" + "6162");
  });

  it("compresses header blocks as one zlib stream a streaming inflater reads in order", async () => {
    const compressor = new HeaderCompressor();
    const blocks: SpdyHeaders[] = [
      { streamtype: ["error"] },
      {},
      { streamtype: ["data"], port: ["80"] },
      { streamtype: ["data"] },
    ];
    const compressed = blocks.map((h) => compressor.compress(h));
    // The same headers again cost a handful of bytes: the window remembers them.
    assert.ok(compressor.compress({ streamtype: ["data"], port: ["80"] }).length < compressed[2]!.length);

    const inflater = createInflate({ dictionary: SPDY3_DICTIONARY });
    const out: Buffer[] = [];
    inflater.on("data", (chunk: Buffer) => out.push(chunk));
    const plain: Buffer[] = [];
    for (const block of compressed) {
      inflater.write(block);
      await new Promise<void>((resolve) => inflater.flush(constants.Z_SYNC_FLUSH, () => resolve()));
      plain.push(Buffer.concat(out.splice(0)));
    }
    assert.deepEqual(plain.map(decodeNameValueBlock), blocks);
  });

  it("encodes name/value blocks with 32-bit lengths and NUL-joined values", () => {
    const block = encodeNameValueBlock({ port: ["80", "81"] });
    assert.equal(block.toString("hex"), "00000001" + "00000004" + "706f7274" + "00000005" + "3830003831");
  });
});

describe("malformed input", () => {
  it("refuses another SPDY version, naming the stream", () => {
    const frame = Buffer.from("8002000100000000", "hex");
    const bytes = Buffer.concat([
      frame.subarray(0, 4),
      Buffer.from("0000000a", "hex"),
      Buffer.from("00000009", "hex"),
      Buffer.alloc(6),
    ]);
    assert.throws(
      () => new SpdyFrameReader().push(bytes),
      (error: unknown) =>
        error instanceof UnsupportedVersionError && error.version === 2 && error.streamId === 9,
    );
  });

  it("refuses header names in capitals, repeated names and truncated blocks", () => {
    const one = encodeNameValueBlock({ port: ["80"] }).subarray(4);
    const twice = Buffer.concat([Buffer.from("00000002", "hex"), one, one]);
    assert.throws(() => decodeNameValueBlock(twice), SpdyProtocolError);
    assert.throws(() => decodeNameValueBlock(twice), /appears twice/);
    const upper = Buffer.concat([
      Buffer.from("00000001", "hex"),
      Buffer.from("00000001", "hex"),
      Buffer.from("P"),
      Buffer.from("00000000", "hex"),
    ]);
    assert.throws(() => decodeNameValueBlock(upper), /not lower case/);
    assert.throws(() => decodeNameValueBlock(Buffer.from("0000000100000009", "hex")), /ends inside a name/);
  });

  it("refuses a header block compressed without SPDY's dictionary", () => {
    const syn = new SpdyFrameWriter().encode({
      type: "SYN_STREAM",
      streamId: 1,
      associatedStreamId: 0,
      priority: 0,
      slot: 0,
      flags: 0,
      headers: { a: ["b"] },
    });
    syn.writeUInt32BE(0x12345678, 20);
    assert.throws(() => new SpdyFrameReader().push(syn), /another dictionary/);
  });

  it("refuses frames longer than the reader allows before buffering them", () => {
    const header = Buffer.from("0000000100ffffff", "hex");
    assert.throws(() => new SpdyFrameReader({ maxPayload: 1024 }).push(header), /too large/);
  });
});

/** A SPDY client end made from the framer, to drive a server session in tests. */
function clientOf(transport: import("node:stream").Duplex) {
  const writer = new SpdyFrameWriter();
  const reader = new SpdyFrameReader();
  const received: SpdyFrame[] = [];
  transport.on("data", (chunk: Buffer) => received.push(...reader.push(chunk)));
  return {
    received,
    send: (frame: SpdyFrame) => transport.write(writer.encode(frame)),
    open: (streamId: number, headers: Record<string, string[]>, flags = 0) =>
      transport.write(
        writer.encode({
          type: "SYN_STREAM",
          streamId,
          associatedStreamId: 0,
          priority: 0,
          slot: 0,
          flags,
          headers,
        }),
      ),
    async until(check: () => boolean) {
      const deadline = Date.now() + 2000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(summary(received))}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe("a server session", () => {
  it("replies to each stream, delivers its data and FIN, and writes back on it", async () => {
    const [serverSide, clientSide] = duplexPair();
    const streams: SpdyStream[] = [];
    new SpdySession(serverSide, {
      onStream(stream) {
        streams.push(stream);
        let text = "";
        stream.on("data", (chunk: Buffer) => {
          text += chunk;
        });
        stream.on("end", () => stream.end(text.toUpperCase()));
      },
    });
    const client = clientOf(clientSide);
    client.open(1, { streamtype: ["data"] });
    client.send({ type: "DATA", streamId: 1, flags: 0, data: Buffer.from("hello ") });
    client.send({ type: "DATA", streamId: 1, flags: FLAG_FIN, data: Buffer.from("world") });
    await client.until(() => client.received.some((f) => f.type === "DATA" && f.flags & FLAG_FIN));
    assert.deepEqual(summary(client.received), ["SYN_REPLY", "DATA 1 HELLO WORLD", "DATA 1 FIN "]);
    assert.equal(streams[0]!.header("streamType"), "data");
  });

  it("echoes the client's pings, resets unknown streams, and refuses even stream ids", async () => {
    const [serverSide, clientSide] = duplexPair();
    new SpdySession(serverSide, { onStream() {} });
    const client = clientOf(clientSide);
    client.send({ type: "PING", id: 3 });
    client.send({ type: "DATA", streamId: 9, flags: 0, data: Buffer.from("x") });
    client.open(2, {});
    await client.until(() => client.received.length === 3);
    assert.deepEqual(client.received, [
      { type: "PING", id: 3 },
      { type: "RST_STREAM", streamId: 9, status: RstStatus.INVALID_STREAM },
      { type: "RST_STREAM", streamId: 2, status: RstStatus.PROTOCOL_ERROR },
    ]);
  });

  it("a stream the handler resets gets RST_STREAM instead of a reply", async () => {
    const [serverSide, clientSide] = duplexPair();
    new SpdySession(serverSide, { onStream: (stream) => stream.reset(RstStatus.REFUSED_STREAM) });
    const client = clientOf(clientSide);
    client.open(1, {});
    await client.until(() => client.received.length === 1);
    assert.deepEqual(client.received, [
      { type: "RST_STREAM", streamId: 1, status: RstStatus.REFUSED_STREAM },
    ]);
  });

  it("the client's RST_STREAM ends the stream on the server without an answer", async () => {
    const [serverSide, clientSide] = duplexPair();
    let closed = false;
    new SpdySession(serverSide, {
      onStream: (stream) => stream.on("close", () => (closed = true)),
    });
    const client = clientOf(clientSide);
    client.open(1, {});
    await client.until(() => client.received.length === 1);
    client.send({ type: "RST_STREAM", streamId: 1, status: RstStatus.CANCEL });
    await client.until(() => closed);
    assert.deepEqual(summary(client.received), ["SYN_REPLY"]);
  });

  it("after GOAWAY it refuses new streams and ends once the open ones are done", async () => {
    const [serverSide, clientSide] = duplexPair();
    const open: SpdyStream[] = [];
    const session = new SpdySession(serverSide, { onStream: (stream) => open.push(stream) });
    const client = clientOf(clientSide);
    let ended = false;
    clientSide.on("end", () => (ended = true));
    client.open(1, {});
    await client.until(() => open.length === 1);
    session.goAway();
    client.open(3, {});
    await client.until(() => client.received.length === 3);
    assert.deepEqual(summary(client.received), ["SYN_REPLY", "GOAWAY", "RST_STREAM"]);
    assert.equal(ended, false);
    client.send({ type: "DATA", streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) });
    open[0]!.resume();
    open[0]!.end();
    await client.until(() => ended);
  });

  it("a protocol error ends the session with GOAWAY PROTOCOL_ERROR", async () => {
    const [serverSide, clientSide] = duplexPair();
    const session = new SpdySession(serverSide, { onStream() {} });
    const client = clientOf(clientSide);
    clientSide.write(Buffer.from("800300010000000a00000001000000000000", "hex"));
    await client.until(() => client.received.length === 1);
    assert.deepEqual(client.received, [
      { type: "GOAWAY", lastGoodStreamId: 0, status: GoAwayStatus.PROTOCOL_ERROR },
    ]);
    assert.equal(session.closed, true);
  });
});
