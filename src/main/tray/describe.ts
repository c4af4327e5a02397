// Words for mount states and durations, shared by the tooltip, the menu, the notifications and the
// terminal table, so a user reads the same phrase everywhere.
import type { MountState, MountStatus } from '../../common/mount.js';

/** A short phrase for a state, as in "1 not responding". */
export const STATE_WORDS: Record<MountState, string> = {
  ok: 'OK',
  hung: 'not responding',
  error: 'failing',
  denied: 'access denied',
  stuck: 'stuck',
  covered: 'covered',
  idle: 'idle',
  unknown: 'not checked yet',
};

/** "45 s", "3 min", "2 h 5 min", "3 d". Whole units only: the tray is glanced at, not read. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/**
 * What is wrong with a mount, in words: "did not answer within 10 s", "ENOTCONN: transport endpoint is
 * not connected", "mode 4000 does not allow access".
 */
export function problemText(m: MountStatus): string {
  switch (m.state) {
    case 'hung':
      return m.latencyMs !== undefined ? `did not answer within ${formatDuration(m.latencyMs)}` : 'does not answer';
    case 'stuck':
      return m.stuckForMs !== undefined
        ? `does not answer (a check has been stuck for ${formatDuration(m.stuckForMs)})`
        : 'does not answer (a check is stuck)';
    case 'error':
      return [m.errno, m.message].filter(Boolean).join(': ') || 'failed';
    case 'denied':
      return m.message ?? 'access denied';
    default:
      return STATE_WORDS[m.state];
  }
}

/**
 * The server behind a mount: the monitor's `server` field when it has one, else read from the source
 * (NFS "server:/export", CIFS "//server/share", sshfs "user@host:path"). Undefined for local mounts.
 */
export function serverOf(m: Pick<MountStatus, 'server' | 'source'>): string | undefined {
  if (m.server) return m.server;
  const src = m.source;
  const cifs = /^\/\/([^/]+)\//.exec(src);
  if (cifs) return cifs[1];
  // host:path, with an optional user@ and a bracketed IPv6 host ([fe80::1]:/export).
  const hostPath = /^(?:[^@/\s]+@)?(\[[^\]]+\]|[^:/\s]+):/.exec(src);
  if (hostPath) return hostPath[1];
  return undefined;
}

/** "/home/alice on nfs1 (nfs1:/export/home)", or "/data (tmpfs)" for a local mount. */
export function mountLabel(m: Pick<MountStatus, 'mountpoint' | 'server' | 'source'>): string {
  const server = serverOf(m);
  if (server) return `${m.mountpoint} on ${server} (${m.source})`;
  return m.source ? `${m.mountpoint} (${m.source})` : m.mountpoint;
}
