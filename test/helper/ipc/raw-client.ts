// A socket client that speaks raw bytes, for sending what a well-behaved client never would.
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameDecoder, encodeFrame } from '../../../src/node/ipc/framing.js';
import { setTimeout as sleep } from 'node:timers/promises';

export class RawClient {
  readonly messages: unknown[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private waiters: (() => void)[] = [];
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.messages.push(JSON.parse(f.toString('utf8')));
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(message: unknown): void {
    this.socket.write(encodeFrame(JSON.stringify(message), 1 << 30));
  }

  sendText(text: string): void {
    this.socket.write(encodeFrame(text, 1 << 30));
  }

  sendBytes(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Resolves with the message at `index` (0-based over the whole connection), or rejects on close/timeout. */
  async message(index: number, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length <= index) {
      if (this.isClosed) throw new Error(`connection closed after ${this.messages.length} messages`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message #${index} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages[index];
  }

  /** Sends a request and waits for the next message. */
  async ask(message: unknown): Promise<any> {
    const n = this.messages.length;
    this.send(message);
    return this.message(n);
  }

  async hello(): Promise<any> {
    return this.ask({ type: 'hello', id: 0, protocol: 1, client: 'raw test client' });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A fresh temp dir with a not-yet-existing runtime dir inside: <tmp>/run/helper-v1.sock. */
export async function tempSocketPath(): Promise<{ socketPath: string; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'msm-ipc-'));
  return { socketPath: join(dir, 'run', 'helper-v1.sock'), dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
