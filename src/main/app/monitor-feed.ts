// Where the app's mount status comes from: the helper if one answers, else a monitor in-process.
//
// At start the system helper's socket (then the user's) is tried once, bounded by waitMs. If none
// answers, the embedded Monitor runs as the user ("embedded default"), and a reconnecting client keeps
// trying the system socket in the background; when the helper comes up, the app switches to it and
// stops the embedded monitor. Consumers see one MonitorApi throughout: on every switch, the new
// source's snapshot is replayed to listeners as 'mount' / 'removed' events, so a policy that remembers
// states sees only real changes.
import type { MonitorApi, MonitorEvent, RecheckResult, Snapshot } from '../../common/monitor-api.js';
import { connectHelper } from '../../node/ipc/client.js';
import { candidateSocketPaths } from '../../node/ipc/paths.js';
import { createMonitor } from '../../node/create-monitor.js';
import { DEFAULT_SETTINGS, type Settings } from '../../node/config/settings.js';
import {
  absentMessage,
  createReconnectingClient,
  type ReconnectingHelperClient,
} from '../helper-client/reconnecting-client.js';
import type { Connection } from '../tray/tray-state.js';

/** What the embedded fallback must offer: a MonitorApi that can start and stop. */
export interface EmbeddedMonitor extends MonitorApi {
  start(): void;
  stop(): Promise<void>;
}

export interface MonitorFeedOptions {
  socketPaths?: string[];
  /** How long to wait for a helper before running in-app. */
  waitMs?: number;
  createEmbedded?: () => EmbeddedMonitor;
  /** Settings for the embedded monitor (interval, timeout, include/exclude). */
  settings?: Partial<Settings>;
  /** The user's home: the embedded monitor puts its mount in the watch tier (probed every watch-interval). */
  home?: string;
  /** False keeps the embedded monitor even when a helper appears later (the terminal view). */
  switchToHelper?: boolean;
  log?: (message: string) => void;
}

export interface MonitorFeed {
  api: MonitorApi;
  connection(): Connection;
  /** Called when the connection state or the source (helper / embedded) changes. */
  onConnection(listener: (c: Connection) => void): () => void;
  readonly embedded: boolean;
  close(): Promise<void>;
}

export async function openMonitorFeed(options: MonitorFeedOptions = {}): Promise<MonitorFeed> {
  const paths = options.socketPaths ?? candidateSocketPaths();
  const waitMs = options.waitMs ?? 1500;
  const log = options.log ?? (() => {});
  const settings: Settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const createEmbedded =
    options.createEmbedded ??
    (() => {
      const monitor = createMonitor(settings, 'embedded');
      if (options.home) monitor.watchDirectories('self', [options.home]);
      return monitor;
    });

  // Which socket answers now? Each is tried once; the first to say hello wins.
  let found: string | undefined;
  for (const path of paths) {
    try {
      const c = await connectHelper(path, { timeoutMs: waitMs, clientName: 'mount-status-monitor app (probe)' });
      c.close();
      found = path;
      break;
    } catch (e) {
      log(`no helper at ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const helperPath = found ?? paths[0]!;
  const client: ReconnectingHelperClient = createReconnectingClient({ socketPath: helperPath, timeoutMs: waitMs });

  const listeners = new Set<(e: MonitorEvent) => void>();
  const connListeners = new Set<(c: Connection) => void>();
  const emit = (e: MonitorEvent) => {
    for (const l of [...listeners]) l(e);
  };
  let current: MonitorApi = client;
  let embedded: EmbeddedMonitor | undefined;
  let unsubscribe = current.onChange(emit);
  let lastMounts = new Set<string>();

  const connection = (): Connection => {
    const s = client.state();
    if (s.status === 'connected') return { state: 'connected' };
    if (s.status === 'absent') return { state: 'absent', message: s.message };
    return embedded ? { state: 'absent', message: absentMessage('system') } : { state: 'connecting' };
  };
  const tellConnection = () => {
    const c = connection();
    for (const l of [...connListeners]) l(c);
  };

  // Replays `next`'s snapshot as events. Listeners only hear of changes, so without this a mount that
  // was already dead when the helper connection came up (the app starting against a running helper:
  // listeners' own first snapshot() is refused while connecting), or that changed or vanished while the
  // connection was down, would go unreported until it changed again.
  const replay = async (next: MonitorApi) => {
    try {
      const snap = await next.snapshot();
      const now = new Set(snap.mounts.map((m) => m.mountpoint));
      for (const mp of lastMounts) if (!now.has(mp)) emit({ type: 'removed', mountpoint: mp });
      for (const m of snap.mounts) emit({ type: 'mount', mount: m, previous: null });
      lastMounts = now;
    } catch {
      // the next event brings the news
    }
  };

  const switchTo = async (next: MonitorApi) => {
    unsubscribe();
    current = next;
    unsubscribe = next.onChange(emit);
    await replay(next);
  };

  if (!found) {
    log(`no helper answers; monitoring in-app as uid ${process.getuid?.() ?? '?'}`);
    embedded = createEmbedded();
    embedded.start();
    await switchTo(embedded);
  }
  const onClientState = (s: ReturnType<ReconnectingHelperClient['state']>) => {
    if (s.status === 'connected' && embedded && options.switchToHelper !== false) {
      const old = embedded;
      embedded = undefined;
      log(`helper answered at ${s.socketPath}: switching to it`);
      void switchTo(client).then(() => old.stop());
    } else if (s.status === 'connected' && current === client) {
      // Connected for the first time, or again after the helper went away: catch up.
      void replay(client);
    }
    tellConnection();
  };
  client.onState(onClientState);
  // The client may have connected while the embedded monitor was starting (before onState above).
  if (client.state().status === 'connected') onClientState(client.state());
  // Keep lastMounts current for the replay on a later switch.
  listeners.add((e) => {
    if (e.type === 'mount') lastMounts.add(e.mount.mountpoint);
    else if (e.type === 'removed') lastMounts.delete(e.mountpoint);
  });

  const api: MonitorApi = {
    snapshot: (): Promise<Snapshot> => current.snapshot(),
    recheck: (mountpoint?: string): Promise<RecheckResult> => current.recheck(mountpoint),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    api,
    connection,
    onConnection(listener) {
      connListeners.add(listener);
      return () => connListeners.delete(listener);
    },
    get embedded() {
      return embedded !== undefined;
    },
    async close() {
      unsubscribe();
      client.close();
      await embedded?.stop();
    },
  };
}
