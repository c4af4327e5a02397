// The words of every notification. Titles are short (a notification server may show only the title);
// bodies name the path and the server, in one line (node-notifier passes the body through a shell
// command line, where a newline becomes a literal "\n").
import type { MountStatus } from '../../common/mount.js';
import type { DisconnectResult } from '../../common/recovery.js';
import { blockedInWords } from '../../common/status-view/blocked-words.js';
import { pathShortenedInWords } from '../../common/status-view/cut-words.js';
import { STATE_PHRASE } from '../../common/status-view/problem-words.js';
import { serverOfStatus } from '../../common/status-view/server-of-status.js';
import { problemText } from '../app/describe.js';

export type Urgency = 'critical' | 'normal';

export interface MountNotification {
  kind: 'down' | 'recovered' | 'summary' | 'disconnected' | 'disconnect-failed' | 'degrading';
  title: string;
  body: string;
  urgency: Urgency;
  /** The mounts it is about. */
  mountpoints: string[];
  /** True when it is about the mount holding the home directory. */
  home: boolean;
}

/** What a mount is, for the parenthesis after its path: its source and server, and whether the helper cut its path. */
function where(m: MountStatus): string {
  const server = serverOfStatus(m);
  const what = server ? `${m.source}, server ${server}` : m.source || 'local';
  const cut = pathShortenedInWords(m);
  return cut ? `${what}; ${cut}` : what;
}

/** A mount's path in a list of several: with "(path shortened: 750 KiB)" when the helper cut it. */
function named(m: MountStatus): string {
  const cut = pathShortenedInWords(m);
  return cut ? `${m.mountpoint} (${cut})` : m.mountpoint;
}

function list(paths: string[], max = 5): string {
  const shown = paths.slice(0, max).join(', ');
  return paths.length > max ? `${shown} and ${paths.length - max} more` : shown;
}

/** "Firefox and 2 other programs are waiting on it. ", or "" when nobody is. */
function waitingSentence(m: MountStatus): string {
  const words = blockedInWords(m.blocked);
  return words ? `${words.charAt(0).toUpperCase()}${words.slice(1)}. ` : '';
}

export function homeDown(m: MountStatus, home: string): MountNotification {
  const disconnected = m.state === 'disconnected';
  return {
    kind: 'down',
    title: disconnected ? 'Your home directory is disconnected' : m.state === 'slow' ? 'Your home directory is not answering' : 'Your home directory is not responding',
    body:
      `${home} is on ${m.mountpoint} (${where(m)}), which ${problemText(m)}. ${waitingSentence(m)}` +
      (disconnected
        ? 'Programs that open files in your home directory get an error at once; an administrator has to mount it again.'
        : 'Programs that open files in your home directory will freeze until it answers again; save your work elsewhere.'),
    urgency: 'critical',
    mountpoints: [m.mountpoint],
    home: true,
  };
}

/** The home's NFS server answers far slower than usual while the home still answers: a warning, not an alarm. */
export function homeDegrading(m: MountStatus, home: string): MountNotification {
  return {
    kind: 'degrading',
    title: "Your home directory's server is responding slowly",
    body: `${home} is on ${m.mountpoint} (${where(m)}): ${m.degrading?.reason ?? 'degrading'}. Programs may pause; if it gets worse they will freeze.`,
    urgency: 'normal',
    mountpoints: [m.mountpoint],
    home: true,
  };
}

export function homeRecovered(m: MountStatus, home: string): MountNotification {
  return {
    kind: 'recovered',
    title: 'Your home directory is back',
    body: `${home} on ${m.mountpoint} (${where(m)}) answers again.`,
    urgency: 'normal',
    mountpoints: [m.mountpoint],
    home: true,
  };
}

export function mountsDown(mounts: MountStatus[], server: string | undefined): MountNotification {
  const paths = mounts.map((m) => m.mountpoint);
  const first = mounts[0]!;
  if (mounts.length === 1) {
    return {
      kind: 'down',
      title: `Mount ${STATE_PHRASE[first.state]}: ${first.mountpoint}`,
      body: `${first.mountpoint} (${where(first)}) ${problemText(first)}. Programs that open it may freeze.`,
      urgency: 'normal',
      mountpoints: paths,
      home: false,
    };
  }
  const title = server ? `${mounts.length} mounts on ${server} not responding` : `${mounts.length} mounts not responding`;
  return {
    kind: 'down',
    title,
    body: `${list(mounts.map(named))}${server ? ` (server ${server})` : ''} stopped answering together. Programs that open them may freeze.`,
    urgency: 'normal',
    mountpoints: paths,
    home: false,
  };
}

export function mountsRecovered(mounts: MountStatus[], server: string | undefined): MountNotification {
  const paths = mounts.map((m) => m.mountpoint);
  const first = mounts[0]!;
  if (mounts.length === 1) {
    return {
      kind: 'recovered',
      title: `Mount back: ${first.mountpoint}`,
      body: `${first.mountpoint} (${where(first)}) answers again.`,
      urgency: 'normal',
      mountpoints: paths,
      home: false,
    };
  }
  return {
    kind: 'recovered',
    title: server ? `${mounts.length} mounts on ${server} back` : `${mounts.length} mounts back`,
    body: `${list(mounts.map(named))}${server ? ` (server ${server})` : ''} answer again.`,
    urgency: 'normal',
    mountpoints: paths,
    home: false,
  };
}

/** After the rate limit held some back: one line for all of them, with each mount's state now. */
export function summary(changes: number, now: MountStatus[], homeDownNow: boolean): MountNotification {
  const states = now.map((m) => `${named(m)} now ${STATE_PHRASE[m.state]}`);
  return {
    kind: 'summary',
    title: `and ${changes} more mount change${changes === 1 ? '' : 's'}`,
    body: `Mounts changing state often: ${list(states)}. Open the status window for details.`,
    urgency: homeDownNow ? 'critical' : 'normal',
    mountpoints: now.map((m) => m.mountpoint),
    home: homeDownNow,
  };
}

/** The outcome of "Disconnect" chosen in the tray menu (the status window shows it in place). */
export function disconnected(mountpoint: string, r: DisconnectResult): MountNotification {
  return r.gone
    ? {
        kind: 'disconnected',
        title: `Disconnected ${mountpoint}`,
        body: `${r.steps.join('; ')}.`,
        urgency: 'normal',
        mountpoints: [mountpoint],
        home: false,
      }
    : {
        kind: 'disconnect-failed',
        title: `Could not disconnect ${mountpoint}`,
        body: `${r.reason ?? 'it is still mounted'}${r.steps.length ? ` (${r.steps.join('; ')})` : ''}.`,
        urgency: 'normal',
        mountpoints: [mountpoint],
        home: false,
      };
}
