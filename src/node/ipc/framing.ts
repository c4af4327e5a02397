// Length-prefixed frames over a byte stream: a 4-byte big-endian length, then that many bytes of UTF-8
// JSON. Stream sockets have no message boundaries (unix(7): SOCK_STREAM), so both ends reassemble frames
// from arbitrary chunks. The length is checked as soon as the 4 header bytes arrive, so a peer announcing
// a huge frame is refused before a byte of it is buffered.
import { Buffer } from 'node:buffer';

const FRAME_HEADER_BYTES = 4;

export class FrameTooLargeError extends Error {
  readonly code = 'frame-too-large';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`frame of ${size} bytes is over the limit of ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

/** One frame: header + payload. Throws FrameTooLargeError over maxBytes (payload bytes). */
export function encodeFrame(payload: Buffer | string, maxBytes: number): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length > maxBytes) throw new FrameTooLargeError(body.length, maxBytes);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

/** JSON.stringify + encodeFrame. */
export function encodeMessage(message: unknown, maxBytes: number): Buffer {
  return encodeFrame(JSON.stringify(message), maxBytes);
}

/** Reassembles frames from stream chunks. Keeps chunks in a list so a large frame is copied once. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private total = 0;
  private expected: number | null = null;

  constructor(private readonly maxBytes: number) {}

  /** Bytes received but not yet returned as a frame. */
  get buffered(): number {
    return this.total;
  }

  /** Feeds one chunk; returns every frame it completes (payloads only). Throws FrameTooLargeError. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected === null) {
        if (this.total < FRAME_HEADER_BYTES) break;
        const length = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxBytes) throw new FrameTooLargeError(length, this.maxBytes);
        this.expected = length;
      }
      if (this.total < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = null;
    }
    return frames;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.total -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, filled, 0, want);
        this.chunks[0] = c.subarray(want);
        filled += want;
      }
    }
    this.total -= n;
    return out;
  }
}
