// The tray's overall state, counts and mode line, from a snapshot and the helper connection.
// Plain logic: no Electron here, so it is tested in Node.
//
// Levels (the icon colour):
//   dead     (red)    the mount holding the home directory is dead or slow: the desktop is about to freeze;
//   degraded (amber)  some other mount is dead or slow, or one is denied, or an NFS server is degrading;
//   ok       (green)  every mount checked is well (ok, covered or idle; not-yet-checked ones don't count);
//   unknown  (grey)   no data: no helper answers and nothing runs in-app, or the first sweep is pending.
import type { MonitorIdentity, Snapshot } from '../../common/monitor-api.js';
import type { MountState, MountStatus } from '../../common/mount.js';
import { isDead, isUnusable, isWell, PROBLEMS_WORST_FIRST } from '../../common/state-classes.js';
import type { Connection } from '../../common/status-api.js';
import { blockedInWords } from '../../common/status-view/blocked-words.js';
import { omittedInWords, pathShortenedInWords } from '../../common/status-view/cut-words.js';
import { STATE_PHRASE } from '../../common/status-view/problem-words.js';
import { findHomeMount } from '../app/home-mount.js';

export type { Connection } from '../../common/status-api.js';

export type TrayLevel = 'ok' | 'degraded' | 'dead' | 'unknown';

export interface TrayCounts {
  total: number;
  /** ok, covered or idle. */
  well: number;
  dead: number;
  /** Per state, every state present (zeros included). */
  byState: Record<MountState, number>;
}

export interface TrayState {
  level: TrayLevel;
  counts: TrayCounts;
  /** The mount holding the home directory, if found in the table. */
  home?: MountStatus;
  /** "3 mounts OK, 1 not responding". */
  summary: string;
  /** "12 more mounts not shown: …" when the helper sent the snapshot in part; "" otherwise. */
  omitted: string;
  /** "monitoring in-app as you: probes cannot switch owner", or the helper's line. */
  modeText: string;
  /** Summary and mode line, for Tray.setToolTip. */
  tooltip: string;
}

export interface TrayStateInput {
  /** The latest snapshot, from the helper or the embedded monitor; undefined before the first one. */
  snapshot?: Snapshot;
  /** The system helper connection (when embedded, this says why: the helper is absent). */
  connection: Connection;
  home?: string;
}

export const APP_NAME = 'Mount Status Monitor';

function countMounts(mounts: readonly MountStatus[]): TrayCounts {
  const byState: Record<MountState, number> = { ok: 0, slow: 0, hung: 0, error: 0, denied: 0, stuck: 0, covered: 0, idle: 0, disconnected: 0, unknown: 0 };
  for (const m of mounts) byState[m.state]++;
  const dead = mounts.filter((m) => isDead(m.state)).length;
  const well = mounts.filter((m) => isWell(m.state)).length;
  return { total: mounts.length, well, dead, byState };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "3 mounts OK, 1 not responding, 1 failing", or "no mounts in scope". */
function summarise(counts: TrayCounts): string {
  if (counts.total === 0) return 'no mounts in scope';
  const parts = [`${plural(counts.well, 'mount')} OK`];
  for (const s of PROBLEMS_WORST_FIRST) if (counts.byState[s] > 0) parts.push(`${counts.byState[s]} ${STATE_PHRASE[s]}`);
  if (counts.byState.unknown > 0) parts.push(`${counts.byState.unknown} ${STATE_PHRASE.unknown}`);
  return parts.join(', ');
}

/** Who probes, and what that means for the user. */
function modeText(identity: MonitorIdentity | undefined, connection: Connection): string {
  if (!identity) {
    if (connection.state === 'connecting') return 'connecting to the helper…';
    return connection.message ?? 'helper not running';
  }
  switch (identity.mode) {
    case 'embedded':
      return identity.privileged ? 'monitoring in-app (as root)' : 'monitoring in-app as you: probes cannot switch owner';
    case 'system':
      return identity.privileged
        ? `monitoring by the system helper (pid ${identity.pid})`
        : `monitoring by the system helper (pid ${identity.pid}, not root: probes cannot switch owner)`;
    case 'user':
      return `monitoring by your own helper (pid ${identity.pid})${identity.privileged ? '' : ': probes cannot switch owner'}`;
  }
}

export function trayState(input: TrayStateInput): TrayState {
  const snap = input.snapshot;
  const mounts = snap?.mounts ?? [];
  const counts = countMounts(mounts);
  const home = findHomeMount(input.home, mounts);
  const checked = mounts.some((m) => m.state !== 'unknown');

  let level: TrayLevel;
  if (!snap || (!snap.lastSweep && !checked)) level = 'unknown';
  else if (home && isUnusable(home.state)) level = 'dead';
  else if (counts.dead > 0 || counts.byState.slow > 0 || counts.byState.denied > 0 || counts.byState.disconnected > 0 || mounts.some((m) => m.degrading)) level = 'degraded';
  else level = 'ok';

  const degrading = mounts.filter((m) => m.degrading).length;
  const summary = !snap ? 'no status yet' : !checked ? 'first check running…' : `${summarise(counts)}${degrading > 0 ? `, ${degrading} with a slow server` : ''}`;
  const mode = modeText(snap?.identity, input.connection);
  const waiting = home ? blockedInWords(home.blocked) : '';
  const cut = home ? pathShortenedInWords(home) : '';
  const homeLine =
    home && isUnusable(home.state)
      ? `your home directory (${home.mountpoint}${cut ? `, ${cut}` : ''}) is ${STATE_PHRASE[home.state]}${waiting ? `: ${waiting}` : ''}`
      : home?.degrading
        ? `your home directory's server is responding slowly (${home.degrading.reason})`
        : undefined;
  const omitted = omittedInWords(snap?.omitted);
  const tooltip = [APP_NAME, homeLine, summary, omitted, mode].filter(Boolean).join('\n');
  return { level, counts, ...(home ? { home } : {}), summary, omitted, modeText: mode, tooltip };
}
