// The app's side of the helper's socket: a MonitorApi backed by a connection. Every frame from the helper
// is validated (src/common/protocol-schemas.ts) before it is believed; a helper that sends anything else is
// treated as broken and the connection is closed. No filesystem access besides connect(2) on the socket.
import { connect as netConnect, type Socket } from 'node:net';
import type { MonitorApi, MonitorEvent, MonitorIdentity, RecheckResult, Snapshot } from '../../common/monitor-api.js';
import type { NfsDisconnectResult, UnmountMode, UnmountResult } from '../../common/recovery.js';
import {
  IpcError,
  MAX_REPLY_FRAME_BYTES,
  MAX_REQUEST_FRAME_BYTES,
  PROTOCOL_VERSION,
  fromWireError,
  isCompatibleProtocol,
} from '../../common/protocol.js';
import { parseHelperMessage, type HelperMessage, type Request } from '../../common/protocol-schemas.js';
import { FrameDecoder, encodeMessage } from './framing.js';

export interface ConnectOptions {
  /** Bound on connecting plus hello, and on each request. Default 5000 ms. */
  timeoutMs?: number;
  /** Told to the helper in hello, for its log. */
  clientName?: string;
  /** Largest frame accepted from the helper. */
  maxFrameBytes?: number;
}

export interface HelperHello {
  protocol: number;
  server: string;
  identity: MonitorIdentity;
}

export interface HelperConnection extends MonitorApi {
  readonly socketPath: string;
  /** What the helper said in its hello. */
  readonly hello: HelperHello;
  readonly closed: boolean;
  close(): void;
  /** Called once when the connection ends, with the reason when it was not close(). */
  onClose(listener: (error?: IpcError) => void): () => void;
  /**
   * Asks the helper to unmount a dead mount (root and admin-group only). Rejects with IpcError
   * not-permitted, refused or not-a-mountpoint before anything is done; resolves once it has acted.
   */
  unmount(request: { mountpoint: string; mode: UnmountMode; evenIfHealthy?: boolean; dryRun?: boolean }, timeoutMs?: number): Promise<UnmountResult>;
  /**
   * Asks the helper to disconnect a dead NFS mount from its server (root and admin-group; a user their own
   * home where the helper allows it). Rejects as unmount does; resolves once it has acted.
   */
  disconnect(request: DisconnectRequestBody, timeoutMs?: number): Promise<NfsDisconnectResult>;
}

export type DisconnectRequestBody = Omit<Extract<Request, { type: 'disconnect' }>, 'id' | 'type'>;

type Pending = { resolve: (m: HelperMessage) => void; reject: (e: IpcError) => void; timer: NodeJS.Timeout };
type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

function connectError(err: NodeJS.ErrnoException, socketPath: string): IpcError {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new IpcError('helper-absent', `no helper is listening on ${socketPath}`);
    case 'EACCES':
      return new IpcError('permission-denied', `not allowed to connect to ${socketPath}`);
    default:
      return new IpcError('connection-closed', `cannot connect to ${socketPath}: ${err.message}`);
  }
}

class Connection implements HelperConnection {
  hello!: HelperHello;
  closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: MonitorEvent) => void>();
  private readonly closeListeners = new Set<(error?: IpcError) => void>();
  private readonly decoder: FrameDecoder;

  constructor(
    readonly socketPath: string,
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.shutdown(new IpcError('connection-closed', `connection to the helper failed: ${err.message}`)));
    socket.on('close', () => this.shutdown(new IpcError('connection-closed', 'the helper closed the connection')));
  }

  async snapshot(): Promise<Snapshot> {
    const reply = await this.request({ type: 'snapshot' }, 'snapshot');
    return reply.snapshot as Snapshot;
  }

  async recheck(mountpoint?: string): Promise<RecheckResult> {
    const reply = await this.request(mountpoint === undefined ? { type: 'recheck' } : { type: 'recheck', mountpoint }, 'recheck');
    return reply.result as RecheckResult;
  }

  async unmount(request: { mountpoint: string; mode: UnmountMode; evenIfHealthy?: boolean; dryRun?: boolean }, timeoutMs?: number): Promise<UnmountResult> {
    const reply = await this.request({ type: 'unmount', ...request }, 'unmount', timeoutMs);
    return reply.result as UnmountResult;
  }

  async disconnect(request: DisconnectRequestBody, timeoutMs?: number): Promise<NfsDisconnectResult> {
    const reply = await this.request({ type: 'disconnect', ...request }, 'disconnect', timeoutMs);
    return reply.result as NfsDisconnectResult;
  }

  /** The first listener subscribes on the helper, the last one leaving unsubscribes. */
  onChange(listener: (event: MonitorEvent) => void): () => void {
    const wrapped = (e: MonitorEvent) => listener(e);
    this.listeners.add(wrapped);
    if (this.listeners.size === 1) this.request({ type: 'subscribe' }, 'subscribe').catch(() => {});
    return () => {
      if (!this.listeners.delete(wrapped)) return;
      if (this.listeners.size === 0 && !this.closed) this.request({ type: 'unsubscribe' }, 'unsubscribe').catch(() => {});
    };
  }

  onClose(listener: (error?: IpcError) => void): () => void {
    if (this.closed) {
      queueMicrotask(() => listener());
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.shutdown(undefined);
  }

  async sayHello(clientName: string): Promise<void> {
    const reply = await this.request({ type: 'hello', protocol: PROTOCOL_VERSION, client: clientName }, 'hello');
    if (!isCompatibleProtocol(reply.protocol)) {
      throw new IpcError('version-mismatch', `the helper speaks protocol v${reply.protocol}, this app v${PROTOCOL_VERSION}: install matching versions`);
    }
    this.hello = { protocol: reply.protocol, server: reply.server, identity: reply.identity as MonitorIdentity };
  }

  private request<T extends HelperMessage['type']>(body: RequestBody, expect: T, timeoutMs = this.timeoutMs): Promise<Extract<HelperMessage, { type: T }>> {
    if (this.closed) return Promise.reject(new IpcError('connection-closed', 'the connection to the helper is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new IpcError('timeout', `the helper did not answer ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => {
          if (m.type === expect) resolve(m as Extract<HelperMessage, { type: T }>);
          else reject(new IpcError('protocol-error', `the helper answered ${body.type} with ${m.type}`));
        },
        reject,
        timer,
      });
      this.socket.write(encodeMessage({ ...body, id }, MAX_REQUEST_FRAME_BYTES));
    });
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.shutdown(new IpcError('protocol-error', `the helper sent a bad frame: ${(err as Error).message}`));
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      const parsed = parseHelperMessage(frame.toString('utf8'));
      if (!parsed.ok) {
        this.shutdown(new IpcError('protocol-error', `the helper sent an invalid message: ${parsed.error.message}`));
        return;
      }
      this.dispatch(parsed.message);
    }
  }

  private dispatch(m: HelperMessage): void {
    if (m.type === 'event') {
      for (const l of [...this.listeners]) {
        try {
          l(m.event as MonitorEvent);
        } catch {
          // a listener's bug must not cut the others off
        }
      }
      return;
    }
    if (m.id === null) {
      // An error about the connection as a whole (too-many-clients, bad frame): it is about to end.
      if (m.type === 'error') this.failAll(fromWireError(m.error));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === 'error') p.reject(fromWireError(m.error));
    else p.resolve(m);
  }

  private failAll(error: IpcError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(error);
      this.pending.delete(id);
    }
  }

  private shutdown(error: IpcError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.failAll(error ?? new IpcError('connection-closed', 'the connection to the helper was closed'));
    this.listeners.clear();
    for (const l of [...this.closeListeners]) l(error);
    this.closeListeners.clear();
  }
}

/**
 * Connects to the helper and says hello. Rejects with IpcError: `helper-absent` (nothing listens),
 * `permission-denied`, `timeout`, `version-mismatch`, `too-many-clients`, `connection-closed`.
 */
export async function connectHelper(socketPath: string, options: ConnectOptions = {}): Promise<HelperConnection> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect(socketPath);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new IpcError('timeout', `connecting to ${socketPath} took over ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectError(err, socketPath));
    });
  });
  const conn = new Connection(socketPath, socket, timeoutMs, options.maxFrameBytes ?? MAX_REPLY_FRAME_BYTES);
  try {
    await conn.sayHello(options.clientName ?? `pid ${process.pid}`);
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}
