// The tray's MonitorApi: a helper connection that comes back by itself. Reconnects with exponential
// backoff and jitter after the helper goes away (restart, upgrade, crash), subscribes again for the
// listeners it holds, and says in its state what the user should do while the helper is missing.
// Plain module (no electron import): tested in Node against a real helper socket.
import type { MonitorApi, MonitorEvent, MonitorIdentity, RecheckResult, Snapshot } from '../../common/monitor-api.js';
import { IpcError } from '../../common/protocol.js';
import { connectHelper, type ConnectOptions, type HelperConnection } from '../../node/ipc/client.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';

export type HelperKind = 'system' | 'user';

export type HelperLinkState =
  | { status: 'connecting' }
  | { status: 'connected'; identity: MonitorIdentity; socketPath: string }
  /** code: why (helper-absent, permission-denied, version-mismatch, ...); message: what to tell the user. */
  | { status: 'absent'; code: string; message: string };

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ReconnectingClientOptions {
  socketPath: string;
  /** Whose helper this is, for the "start it with" hint. Default "system". */
  helperKind?: HelperKind;
  connect?: (socketPath: string, options: ConnectOptions) => Promise<HelperConnection>;
  timers?: Timers;
  random?: () => number;
  backoff?: Partial<BackoffOptions>;
  timeoutMs?: number;
  clientName?: string;
}

export interface ReconnectingHelperClient extends MonitorApi {
  state(): HelperLinkState;
  onState(listener: (state: HelperLinkState) => void): () => void;
  /** Stops reconnecting and closes the connection. */
  close(): void;
}

/** How to start the helper, as the tray says it. */
function helperStartHint(kind: HelperKind): string {
  return kind === 'system' ? 'sudo systemctl start mount-status-monitor' : 'mountstatus daemon';
}

export function absentMessage(kind: HelperKind): string {
  return `helper not running — start it with: ${helperStartHint(kind)}`;
}

function describeFailure(error: unknown, kind: HelperKind): { code: string; message: string } {
  const code = error instanceof IpcError ? error.code : 'connection-closed';
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'helper-absent':
      return { code, message: absentMessage(kind) };
    case 'permission-denied':
      return { code, message: `cannot talk to the helper: ${detail}` };
    case 'version-mismatch':
      return { code, message: `helper and app do not match: ${detail}` };
    case 'too-many-clients':
      return { code, message: `the helper is busy: ${detail}` };
    default:
      return { code, message: `helper not answering (${detail}) — restart it with: ${helperStartHint(kind)}` };
  }
}

export function createReconnectingClient(options: ReconnectingClientOptions): ReconnectingHelperClient {
  const kind = options.helperKind ?? 'system';
  const connect = options.connect ?? connectHelper;
  const timers = options.timers ?? realTimers;
  const random = options.random ?? Math.random;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const connectOptions: ConnectOptions = {
    timeoutMs: options.timeoutMs ?? 5000,
    clientName: options.clientName ?? 'mount-status-monitor tray',
  };

  let state: HelperLinkState = { status: 'connecting' };
  let conn: HelperConnection | undefined;
  let connSubscription: (() => void) | undefined;
  let attempt = 0;
  let retryTimer: unknown;
  let stopped = false;
  const listeners = new Set<(event: MonitorEvent) => void>();
  const stateListeners = new Set<(s: HelperLinkState) => void>();

  const setState = (next: HelperLinkState) => {
    const same =
      next.status === state.status &&
      (next.status !== 'absent' || (state.status === 'absent' && state.message === next.message && state.code === next.code));
    state = next;
    if (same && next.status !== 'connected') return;
    for (const l of [...stateListeners]) l(next);
  };

  const fanOut = (event: MonitorEvent) => {
    for (const l of [...listeners]) l(event);
  };

  const subscribeIfNeeded = () => {
    if (conn && !connSubscription && listeners.size > 0) connSubscription = conn.onChange(fanOut);
  };

  const scheduleRetry = () => {
    if (stopped) return;
    const delay = backoffDelay(attempt++, backoff, random);
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      void tryConnect();
    }, delay);
  };

  const tryConnect = async () => {
    if (stopped) return;
    let c: HelperConnection;
    try {
      c = await connect(options.socketPath, connectOptions);
    } catch (err) {
      if (stopped) return;
      setState({ status: 'absent', ...describeFailure(err, kind) });
      scheduleRetry();
      return;
    }
    if (stopped) {
      c.close();
      return;
    }
    conn = c;
    attempt = 0;
    c.onClose(() => {
      if (conn !== c) return;
      conn = undefined;
      connSubscription = undefined;
      if (stopped) return;
      setState({ status: 'connecting' });
      scheduleRetry();
    });
    subscribeIfNeeded();
    setState({ status: 'connected', identity: c.hello.identity, socketPath: c.socketPath });
  };

  const unavailable = () =>
    new IpcError(
      state.status === 'absent' ? state.code : 'helper-absent',
      state.status === 'absent' ? state.message : 'still connecting to the helper',
    );

  void tryConnect();

  return {
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    snapshot(): Promise<Snapshot> {
      return conn ? conn.snapshot() : Promise.reject(unavailable());
    },
    recheck(mountpoint?: string): Promise<RecheckResult> {
      return conn ? conn.recheck(mountpoint) : Promise.reject(unavailable());
    },
    onChange(listener) {
      const wrapped = (e: MonitorEvent) => listener(e);
      listeners.add(wrapped);
      subscribeIfNeeded();
      return () => {
        listeners.delete(wrapped);
        if (listeners.size === 0 && connSubscription) {
          connSubscription();
          connSubscription = undefined;
        }
      };
    },
    close() {
      stopped = true;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      retryTimer = undefined;
      conn?.close();
      conn = undefined;
    },
  };
}
