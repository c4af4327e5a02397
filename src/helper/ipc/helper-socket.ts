// The helper's socket: serves a MonitorApi to the tray app and `mountstatus status` over a Unix
// socket in a runtime directory. Each event from the monitor is encoded once and written to every
// subscribed client without waiting for any of them, so a slow or hostile client can cost memory up to
// its backlog bound and never time: the monitor's probing loop does not wait on a socket.
import { createServer, type Server, type Socket } from 'node:net';
import { chmod, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MonitorApi, MonitorEvent } from '../../common/monitor-api.js';
import type { OutgoingHelperMessage } from '../../common/protocol.js';
import { encodeMessage } from '../../node/ipc/framing.js';
import { DEFAULT_IPC_LIMITS, type IpcLimits } from './limits.js';
import { prepareRuntimeDir, removeStaleSocket, SOCKET_MODE, type SocketAccess } from './runtime-dir.js';
import type { ClientSession, IpcClientInfo, SessionHandlers, SharedBuckets } from './session.js';
import { realClock, type IpcClock } from './ipc-clock.js';
import type { Log } from '../log/log.js';
import { eventNotSent, helperSocketError, staleSocketRemoved } from '../log/lines.js';
import { TokenBucket } from './rate-limit.js';
import { peerCredentials, type PeerCredentials } from './peer.js';
import { eventFor } from './visibility.js';
import { Admission } from './admission.js';
import { RefusalLog } from './refusal-log.js';
import { wireMessage } from './wire-caps.js';

export interface HelperSocketOptions {
  socketPath: string;
  monitor: MonitorApi;
  log?: Log;
  limits?: Partial<IpcLimits>;
  clock?: IpcClock;
  /** Default: "shared" when running as root (the system service), "private" otherwise. */
  access?: SocketAccess;
  /** Told of each client served (who it is, from the kernel); the returned function is called when it goes. */
  onClient?: (peer: PeerCredentials) => (() => void) | void;
  /** Requests beyond the MonitorApi (unmount); one this helper lacks is refused. */
  handlers?: SessionHandlers;
}

export interface HelperSocket {
  readonly socketPath: string;
  /** Stops accepting, drops every client, unsubscribes from the monitor, removes the socket file. */
  close(): Promise<void>;
  /** The clients connected now. */
  clients(): IpcClientInfo[];
}

/** Refused connections waiting for their peer to read the refusal and hang up. */
const MAX_LINGERING = 256;

const silentLog: Log = { line() {} };

export async function openHelperSocket(options: HelperSocketOptions): Promise<HelperSocket> {
  const { socketPath, monitor } = options;
  const log = options.log ?? silentLog;
  const clock = options.clock ?? realClock;
  const limits: IpcLimits = { ...DEFAULT_IPC_LIMITS, ...options.limits };
  const access: SocketAccess = options.access ?? (process.geteuid?.() === 0 ? 'shared' : 'private');

  await prepareRuntimeDir(dirname(socketPath), access);
  if ((await removeStaleSocket(socketPath)) === 'removed') {
    log.line(staleSocketRemoved(socketPath));
  }

  const sessions = new Set<ClientSession>();
  const shared: SharedBuckets = {
    recheckAll: new TokenBucket(limits.globalRecheckAll, clock.now),
    recheckOne: new TokenBucket(limits.globalRecheckOne, clock.now),
  };
  let nextId = 1;
  const admission = new Admission(limits);
  const refusals = new RefusalLog(log, clock);
  const server: Server = createServer({ pauseOnConnect: false });
  // The sessions' code, and with it zod and the protocol's schemas (~7 MB), is loaded before the socket
  // listens, so a daemon without a socket never carries it. Not at the first client: on a slow machine (an
  // emulated guest) the load outlasted that client's 5 s for hello, the socket being there already.
  const sessionModule = await import('./session.js');

  // A refused connection gets one small frame and a half-close, and is forgotten as soon as its peer
  // hangs up (or after a second): no session, and at most MAX_LINGERING of them wait at once, so a
  // connect/hang-up flood cannot grow the helper. What the peer sends meanwhile (its
  // hello) is read and dropped: closing on unread data would reset the connection (unix(7): the peer
  // gets ECONNRESET, or EPIPE on its write) before it has read why it was refused.
  const lingering = new Set<Socket>();
  const refuse = (socket: Socket, message: string): void => {
    socket.on('error', () => {});
    if (lingering.size >= MAX_LINGERING) {
      socket.destroy();
      return;
    }
    lingering.add(socket);
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      lingering.delete(socket);
    });
    socket.resume();
    socket.end(encodeMessage({ type: 'error', id: null, error: { name: 'IpcError', code: 'too-many-clients', message } }, limits.maxReplyFrameBytes));
  };

  server.on('connection', (socket: Socket) => {
    let peer: PeerCredentials;
    try {
      peer = peerCredentials(socket);
    } catch (err) {
      // Gone before we asked (its descriptor closed), or no addon: a client nobody can name is not served.
      refusals.refused(undefined, 'cannot tell who it is', (err as Error).message);
      socket.destroy();
      return;
    }
    const refusal = admission.admit(peer.uid);
    if (refusal) {
      refusals.refused(peer.uid, refusal.reason);
      refuse(socket, refusal.message);
      return;
    }
    let release: (() => void) | void;
    const gone = (s: ClientSession) => {
      sessions.delete(s);
      admission.release(peer.uid);
      release?.();
    };
    sessions.add(new sessionModule.ClientSession(socket, nextId++, peer, monitor, limits, clock, log, gone, shared, options.handlers));
    release = options.onClient?.(peer);
  });
  server.on('error', (err) => log.line(helperSocketError(err.message)));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(socketPath, SOCKET_MODE[access]);
  const ours = await stat(socketPath);

  // One subscription to the monitor for all clients; the listener never throws back into the monitor.
  // Encoded once for everyone, and once per uid that may not see all of it (blocked processes of others).
  const unsubscribe = monitor.onChange((event: MonitorEvent) => {
    const frames = new Map<number | 'all', Buffer | undefined>();
    for (const s of sessions) {
      if (!s.isSubscribed) continue;
      const view = eventFor(event, s.info.peer.uid);
      const key = view === event ? 'all' : s.info.peer.uid;
      if (!frames.has(key)) {
        try {
          frames.set(key, encodeMessage(wireMessage({ type: 'event', event: view } satisfies OutgoingHelperMessage), limits.maxReplyFrameBytes));
        } catch (err) {
          log.line(eventNotSent((err as Error).message));
          frames.set(key, undefined);
        }
      }
      const frame = frames.get(key);
      if (frame) s.writeFrame(frame);
    }
  });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    clients: () => [...sessions].map((s) => ({ ...s.info })),
    close() {
      closing ??= (async () => {
        unsubscribe();
        refusals.close();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const s of [...sessions]) s.socket.destroy();
        for (const socket of [...lingering]) socket.destroy();
        await done;
        // Remove the socket only if it is still the one we made (a new helper may have replaced it).
        try {
          const now = await stat(socketPath);
          if (now.ino === ours.ino && now.dev === ours.dev) await unlink(socketPath);
        } catch {
          // already gone
        }
      })();
      return closing;
    },
  };
}
