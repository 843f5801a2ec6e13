import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import { SPDY3_DICTIONARY } from "./dictionary.ts";

/** Header names (lower case, as SPDY sends them) to their values. */
export type SpdyHeaders = Record<string, string[]>;

export class SpdyProtocolError extends Error {}

// zlib's default window: a back-reference reaches at most this far into what came before,
// which for SPDY includes the dictionary and every earlier header block of the direction.
const WINDOW_BYTES = 32 * 1024;
const MAX_HEADER_BLOCK_BYTES = 1024 * 1024;

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const DICTIONARY_ID = adler32(SPDY3_DICTIONARY);

/**
 * The zlib stream header of a compressor at its best level that uses a preset dictionary:
 * CMF 0x78 (deflate, 32 KiB window), FLG with FDICT set and its check bits, then the
 * dictionary's Adler-32.
 */
function zlibHeader(): Buffer {
  const header = Buffer.alloc(6);
  header[0] = 0x78;
  const flags = 0xc0 | 0x20;
  header[1] = flags + (31 - ((0x78 * 256 + flags) % 31));
  header.writeUInt32BE(DICTIONARY_ID, 2);
  return header;
}

/** Keeps the last 32 KiB of a direction's plaintext: the window both ends share. */
class Window {
  #bytes: Buffer = SPDY3_DICTIONARY;
  get bytes(): Buffer {
    return this.#bytes;
  }
  append(plain: Buffer): void {
    const joined = Buffer.concat([this.#bytes, plain]);
    this.#bytes = joined.length > WINDOW_BYTES ? joined.subarray(joined.length - WINDOW_BYTES) : joined;
  }
}

/**
 * One direction's header compression: a single zlib stream for the whole connection, flushed
 * (Z_SYNC_FLUSH) after every header block. Each block is compressed on its own with the
 * shared window as the preset dictionary, which yields exactly the bytes a continuing
 * stream would carry, without keeping a zlib handle open per connection.
 */
export class HeaderCompressor {
  readonly #window = new Window();
  #started = false;

  compress(headers: SpdyHeaders): Buffer {
    const plain = encodeNameValueBlock(headers);
    const body = deflateRawSync(plain, {
      dictionary: this.#window.bytes,
      finishFlush: constants.Z_SYNC_FLUSH,
      level: constants.Z_BEST_COMPRESSION,
    });
    this.#window.append(plain);
    if (this.#started) return body;
    this.#started = true;
    return Buffer.concat([zlibHeader(), body]);
  }
}

/** The other end of HeaderCompressor: reads the blocks of one direction in order. */
export class HeaderDecompressor {
  readonly #window = new Window();
  #started = false;

  decompress(block: Buffer): SpdyHeaders {
    let body = block;
    if (!this.#started) {
      body = this.#readZlibHeader(block);
      this.#started = true;
    }
    let plain: Buffer;
    try {
      plain = inflateRawSync(body, {
        dictionary: this.#window.bytes,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: MAX_HEADER_BLOCK_BYTES,
      });
    } catch (error) {
      throw new SpdyProtocolError(`bad compressed header block: ${(error as Error).message}`);
    }
    this.#window.append(plain);
    return decodeNameValueBlock(plain);
  }

  #readZlibHeader(block: Buffer): Buffer {
    if (block.length < 2) throw new SpdyProtocolError("header block too short for a zlib header");
    const cmf = block[0]!;
    const flg = block[1]!;
    if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0)
      throw new SpdyProtocolError("header block does not start a zlib stream");
    if (!(flg & 0x20)) return block.subarray(2);
    if (block.length < 6) throw new SpdyProtocolError("header block too short for its dictionary id");
    if (block.readUInt32BE(2) !== DICTIONARY_ID)
      throw new SpdyProtocolError("header block was compressed with another dictionary");
    return block.subarray(6);
  }
}

/** SPDY/3's name/value block: a 32-bit count, then length-prefixed names and values. */
export function encodeNameValueBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [uint32(entries.length)];
  for (const [name, values] of entries) {
    const nameBytes = Buffer.from(name.toLowerCase(), "utf8");
    // Several values of one name travel as one value, separated by NUL bytes.
    const valueBytes = Buffer.from(values.join("\0"), "utf8");
    parts.push(uint32(nameBytes.length), nameBytes, uint32(valueBytes.length), valueBytes);
  }
  return Buffer.concat(parts);
}

export function decodeNameValueBlock(plain: Buffer): SpdyHeaders {
  let offset = 0;
  const read = (what: string): Buffer => {
    if (offset + 4 > plain.length) throw new SpdyProtocolError(`header block ends inside a ${what} length`);
    const length = plain.readUInt32BE(offset);
    offset += 4;
    if (offset + length > plain.length) throw new SpdyProtocolError(`header block ends inside a ${what}`);
    const bytes = plain.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
  if (plain.length < 4) throw new SpdyProtocolError("header block has no count");
  const count = plain.readUInt32BE(0);
  offset = 4;
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = read("name").toString("utf8");
    const value = read("value").toString("utf8");
    if (name === "") throw new SpdyProtocolError("header block has an empty name");
    if (name !== name.toLowerCase()) throw new SpdyProtocolError(`header name "${name}" is not lower case`);
    if (headers[name]) throw new SpdyProtocolError(`header "${name}" appears twice`);
    headers[name] = value.split("\0");
  }
  if (offset !== plain.length) throw new SpdyProtocolError("header block has bytes after its last header");
  return headers;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
