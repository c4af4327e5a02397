// One client connection: reassembles frames, validates every request (src/common/protocol-schemas.ts), answers
// it, and enforces the per-client limits. Nothing a client does reaches the monitor except snapshot(),
// and recheck() of a mountpoint that is in the table, within the rate limit.
import type { Socket } from 'node:net';
import type { MonitorApi } from '../../common/monitor-api.js';
import {
  PROTOCOL_SERVER_NAME,
  PROTOCOL_VERSION,
  isCompatibleProtocol,
  toWireError,
  type ErrorCode,
  type OutgoingHelperMessage,
  type WireError,
} from '../../common/protocol.js';
import { parseRequest, type Request } from '../../common/protocol-schemas.js';
import { FrameDecoder, FrameTooLargeError, encodeMessage } from '../../node/ipc/framing.js';
import type { IpcLimits } from './limits.js';
import type { IpcClock } from './ipc-clock.js';
import { RateWindow, TokenBucket } from './rate-limit.js';
import type { Log } from '../log/log.js';
import { droppedClient, refusedVersion } from '../log/lines.js';
import type { PeerCredentials } from './peer.js';
import { snapshotFor } from './visibility.js';
import { fitSnapshot, wireMessage, wireText } from './wire-caps.js';
import type { NfsDisconnectResult, UnmountResult } from '../../common/recovery.js';

export interface IpcClientInfo {
  id: number;
  /** What the client said it is in its hello ("" before hello). */
  name: string;
  subscribed: boolean;
  connectedAt: number;
  /** Who connected, from the kernel (peer.ts): never from what the client says. */
  peer: PeerCredentials;
}

function errorReply(id: number | null, code: ErrorCode, message: string, retryAfterMs?: number): OutgoingHelperMessage {
  const error: WireError = { name: 'IpcError', code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  return { type: 'error', id, error };
}

/** Requests served by the helper beyond the MonitorApi; each gets the peer's kernel credentials. */
export interface SessionHandlers {
  /** Throws an IpcError (not-permitted, refused, not-a-mountpoint) to refuse. */
  unmount?: (request: Extract<Request, { type: 'unmount' }>, peer: PeerCredentials) => Promise<UnmountResult>;
  /** The same for disconnect (an NFS mount's client shut down). */
  disconnect?: (request: Extract<Request, { type: 'disconnect' }>, peer: PeerCredentials) => Promise<NfsDisconnectResult>;
}

/** The helper-wide recheck budgets, one pair per server. */
export interface SharedBuckets {
  recheckAll: TokenBucket;
  recheckOne: TokenBucket;
}

export class ClientSession {
  readonly info: IpcClientInfo;
  private readonly decoder: FrameDecoder;
  private readonly messages: RateWindow;
  private readonly recheckAll: TokenBucket;
  private readonly recheckOne: TokenBucket;
  private errors = 0;
  private helloDone = false;
  private idleTimer: unknown;
  private closed = false;

  constructor(
    readonly socket: Socket,
    id: number,
    peer: PeerCredentials,
    private readonly monitor: MonitorApi,
    private readonly limits: IpcLimits,
    private readonly clock: IpcClock,
    private readonly log: Log,
    private readonly onGone: (session: ClientSession) => void,
    /** Buckets shared by every session of the server (reconnecting must not refill the budget). */
    private readonly shared: SharedBuckets = {
      recheckAll: new TokenBucket(limits.globalRecheckAll, clock.now),
      recheckOne: new TokenBucket(limits.globalRecheckOne, clock.now),
    },
    private readonly handlers: SessionHandlers = {},
  ) {
    this.info = { id, name: '', subscribed: false, connectedAt: clock.now(), peer };
    this.decoder = new FrameDecoder(limits.maxRequestFrameBytes);
    this.messages = new RateWindow(limits.maxMessagesPerSecond, clock.now);
    this.recheckAll = new TokenBucket(limits.recheckAll, clock.now);
    this.recheckOne = new TokenBucket(limits.recheckOne, clock.now);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // EPIPE/ECONNRESET from a client that went away: not our problem, just forget it ('close' follows).
    socket.on('error', () => {});
    socket.on('close', () => this.gone());
    this.armIdle();
  }

  get isSubscribed(): boolean {
    return this.info.subscribed && !this.closed;
  }

  /** Closes the connection at once (pending writes discarded) and says why in the log. */
  drop(reason: string): void {
    if (this.closed) return;
    this.log.line(droppedClient(this.info, reason));
    this.socket.destroy();
    this.gone();
  }

  /** Sends one ready frame, or drops a client that has stopped reading. */
  writeFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.socket.writableLength > this.limits.maxBacklogBytes) {
      this.drop(`stalled reader: ${this.socket.writableLength} bytes unread (limit ${this.limits.maxBacklogBytes})`);
      return;
    }
    this.socket.write(frame);
  }

  /** Sends a reply with its texts cut to the wire's bounds; a snapshot too big for a frame is sent in part. */
  send(message: OutgoingHelperMessage): void {
    if (this.closed) return;
    const max = this.limits.maxReplyFrameBytes;
    const wire = wireMessage(message);
    let frame: Buffer;
    try {
      frame = encodeMessage(wire, max);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError) || !('id' in wire)) throw err;
      frame =
        wire.type === 'snapshot'
          ? encodeMessage({ ...wire, snapshot: fitSnapshot(wire.snapshot, wire.id, max) }, max)
          : encodeMessage(errorReply(wire.id, 'too-large', `the ${wire.type} reply is ${err.size} bytes, over the helper's frame limit of ${err.limit} bytes`), max);
    }
    this.writeFrame(frame);
  }

  /** Sends a final message and closes once it is flushed (or after a second, for a peer that never reads). */
  sendAndClose(message: OutgoingHelperMessage): void {
    if (this.closed) return;
    this.socket.end(encodeMessage(message, this.limits.maxReplyFrameBytes));
    const t = setTimeout(() => this.socket.destroy(), 1000);
    t.unref();
    this.gone();
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.info.subscribed = false;
    this.disarmIdle();
    this.onGone(this);
  }

  private armIdle(): void {
    this.disarmIdle();
    if (this.closed || this.info.subscribed) return;
    this.idleTimer = this.clock.setTimeout(() => this.drop(`idle for ${this.limits.idleMs} ms without subscribing`), this.limits.idleMs);
  }

  private disarmIdle(): void {
    if (this.idleTimer !== undefined) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      // A frame over the limit: the stream cannot be resynchronised, so the connection goes.
      this.drop((err as Error).message);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      if (this.messages.hit()) {
        this.drop(`flood: more than ${this.limits.maxMessagesPerSecond} messages in a second`);
        return;
      }
      this.armIdle();
      const parsed = parseRequest(frame.toString('utf8'));
      if (!parsed.ok) {
        this.fail(parsed.id, parsed.error);
        continue;
      }
      const request = parsed.message;
      this.handle(request).catch((err) => this.fail(request.id, toWireError(err)));
    }
  }

  /** Answers with an error; a client that keeps earning them is dropped. */
  private fail(id: number | null, error: WireError): void {
    this.errors += 1;
    this.send({ type: 'error', id, error });
    if (this.errors > this.limits.maxErrors) this.drop(`more than ${this.limits.maxErrors} bad requests`);
  }

  private async handle(req: Request): Promise<void> {
    if (req.type === 'hello') {
      this.info.name = req.client;
      if (!isCompatibleProtocol(req.protocol)) {
        this.log.line(refusedVersion(this.info, req.protocol, PROTOCOL_VERSION));
        this.sendAndClose(
          errorReply(
            req.id,
            'version-mismatch',
            `this helper speaks protocol v${PROTOCOL_VERSION}, the client v${req.protocol}: install matching versions of the app and the helper`,
          ),
        );
        return;
      }
      // Set before the await: handle() is not awaited per frame, so a request pipelined right behind
      // hello (in the same chunk) is handled while this hello waits for the snapshot.
      this.helloDone = true;
      const snapshot = await this.monitor.snapshot();
      this.send({ type: 'hello', id: req.id, protocol: PROTOCOL_VERSION, server: PROTOCOL_SERVER_NAME, identity: snapshot.identity });
      return;
    }
    if (!this.helloDone) {
      this.fail(req.id, { name: 'IpcError', code: 'hello-required', message: `send hello (protocol v${PROTOCOL_VERSION}) before ${req.type}` });
      return;
    }
    switch (req.type) {
      case 'snapshot':
        this.send({ type: 'snapshot', id: req.id, snapshot: snapshotFor(await this.monitor.snapshot(), this.info.peer.uid) });
        return;
      case 'subscribe':
        this.info.subscribed = true;
        this.disarmIdle();
        this.send({ type: 'subscribe', id: req.id });
        return;
      case 'unsubscribe':
        this.info.subscribed = false;
        this.armIdle();
        this.send({ type: 'unsubscribe', id: req.id });
        return;
      case 'recheck':
        await this.recheck(req.id, req.mountpoint);
        return;
      case 'unmount': {
        if (!this.handlers.unmount) {
          this.fail(req.id, { name: 'IpcError', code: 'refused', message: 'this helper does not unmount: only the system helper, running as root, does' });
          return;
        }
        // An unmount may take longer than the idle limit (a child per mount, each under the timeout).
        this.disarmIdle();
        try {
          this.send({ type: 'unmount', id: req.id, result: await this.handlers.unmount(req, this.info.peer) });
        } finally {
          this.armIdle();
        }
        return;
      }
      case 'disconnect': {
        if (!this.handlers.disconnect) {
          this.fail(req.id, { name: 'IpcError', code: 'refused', message: 'this helper does not disconnect: only the system helper, running as root, does' });
          return;
        }
        this.disarmIdle();
        try {
          this.send({ type: 'disconnect', id: req.id, result: await this.handlers.disconnect(req, this.info.peer) });
        } finally {
          this.armIdle();
        }
        return;
      }
    }
  }

  private async recheck(id: number, mountpoint: string | undefined): Promise<void> {
    if (mountpoint !== undefined) {
      // The monitor refuses unknown paths too; checking here keeps a client's path away from it entirely.
      // An unknown path counts as a bad request (maxErrors), not against the recheck budget. A path the
      // wire cut (wire-caps.ts) names its mount too: that form is all a client has of it.
      const { mounts } = await this.monitor.snapshot();
      const known = mounts.find((m) => m.mountpoint === mountpoint) ?? mounts.find((m) => wireText(m.mountpoint) === mountpoint);
      if (!known) {
        this.fail(id, { name: 'IpcError', code: 'not-a-mountpoint', message: `${JSON.stringify(mountpoint.slice(0, 256))} is not a mountpoint in the mount table` });
        return;
      }
      mountpoint = known.mountpoint;
    }
    // The client's own budget first, so a client over its limit does not use up everyone else's.
    let take = (mountpoint === undefined ? this.recheckAll : this.recheckOne).take();
    if (take.ok) take = (mountpoint === undefined ? this.shared.recheckAll : this.shared.recheckOne).take();
    if (!take.ok) {
      // Not counted as a bad request: a tray's "Recheck now" clicked twice is not an attack.
      this.send(
        errorReply(id, 'rate-limited', `too many rechecks${mountpoint === undefined ? ' of all mounts' : ''}: retry in ${Math.ceil(take.retryAfterMs / 1000)} s`, take.retryAfterMs),
      );
      return;
    }
    const result = await this.monitor.recheck(mountpoint);
    this.send({ type: 'recheck', id, result });
  }
}
