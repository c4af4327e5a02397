// Words for mount states and durations, shared by the tooltip, the menu, the notifications and the
// terminal table, so a user reads the same phrase everywhere.
import type { MountState, MountStatus } from '../../common/mount.js';
import { durationInWords } from '../../common/status-view/durations.js';
import { serverOfStatus } from '../../common/status-view/server.js';

/** A short phrase for a state, as in "1 not responding". */
export const STATE_WORDS: Record<MountState, string> = {
  ok: 'OK',
  slow: 'not answering',
  hung: 'not responding',
  error: 'failing',
  denied: 'access denied',
  stuck: 'stuck',
  covered: 'covered',
  idle: 'idle',
  unknown: 'not checked yet',
};

/** "45 s", "3 min", "2 h 5 min", "3 days": the same words as the status window. */
export function formatDuration(ms: number): string {
  return durationInWords(ms);
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

/** The server behind a mount: the monitor's `server` field when it has one, else read from the source. */
export function serverOf(m: Pick<MountStatus, 'server' | 'source' | 'fstype'>): string | undefined {
  return serverOfStatus(m);
}

/** "/home/alice on nfs1 (nfs1:/export/home)", or "/data (tmpfs)" for a local mount. */
export function mountLabel(m: Pick<MountStatus, 'mountpoint' | 'server' | 'source' | 'fstype'>): string {
  const server = serverOf(m);
  if (server) return `${m.mountpoint} on ${server} (${m.source})`;
  return m.source ? `${m.mountpoint} (${m.source})` : m.mountpoint;
}
