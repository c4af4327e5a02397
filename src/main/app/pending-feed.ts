// The monitor feed as something to hand out before it exists. openMonitorFeed() takes a while (it
// waits up to 1.5 s per socket for a helper) and can fail; the tray, the status window's IPC handlers and
// the notifications are set up at once against this stand-in, which forwards to the source when it is
// open. Until then: snapshots and rechecks wait for it, subscriptions take effect when it opens, and the
// connection reads "connecting" (or, if opening failed, says why).
import type { MonitorApi } from '../../common/monitor-api.js';
import type { Connection } from '../../common/status-api.js';
import type { MonitorFeed } from './monitor-feed.js';

export type FeedView = Pick<MonitorFeed, 'api' | 'connection' | 'onConnection'>;

export function pendingFeed(opening: Promise<MonitorFeed>): FeedView {
  let source: MonitorFeed | undefined;
  let failure: string | undefined;
  const connListeners = new Set<(c: Connection) => void>();
  const connection = (): Connection =>
    source ? source.connection() : failure !== undefined ? { state: 'absent', message: `cannot start monitoring: ${failure}` } : { state: 'connecting' };
  void opening.then(
    (s) => {
      source = s;
      for (const l of [...connListeners]) l(connection());
    },
    (e: unknown) => {
      failure = e instanceof Error ? e.message : String(e);
      for (const l of [...connListeners]) l(connection());
    },
  );
  // Subscribes on the source once it is open, unless unsubscribed before.
  const later = (subscribe: (s: MonitorFeed) => () => void): (() => void) => {
    let off: (() => void) | undefined;
    let cancelled = false;
    void opening.then(
      (s) => {
        if (!cancelled) off = subscribe(s);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      off?.();
    };
  };
  const api: MonitorApi = {
    snapshot: () => opening.then((s) => s.api.snapshot()),
    recheck: (mountpoint?: string) => opening.then((s) => s.api.recheck(mountpoint)),
    onChange: (listener) => later((s) => s.api.onChange(listener)),
  };
  return {
    api,
    connection,
    onConnection(listener) {
      connListeners.add(listener);
      const off = later((s) => s.onConnection(listener));
      return () => {
        connListeners.delete(listener);
        off();
      };
    },
  };
}
