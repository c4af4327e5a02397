// The tray menu as plain data. The Electron glue (src/main/electron/tray-controller.ts) turns it into a Menu;
// everything about order and wording is decided here and tested in Node.
//
// Order: the home directory's mount first of all (when it has a problem), then the other problem mounts,
// each followed by "Disconnect PATH" when it is the user's own FUSE mount (issue 13), a status line, the
// helper/mode lines, then "Recheck now", "Open status window", "Quit".
import type { MountStatus } from '../../common/mount.js';
import { isProblem } from '../../common/state-classes.js';
import type { Snapshot } from '../../common/monitor-api.js';
import type { MountAdvice } from '../../common/recovery.js';
import { blockedInWords } from '../../common/status-view/blocked-words.js';
import { pathShortenedInWords } from '../../common/status-view/cut-words.js';
import { durationInWords } from '../../common/status-view/durations.js';
import { STATE_PHRASE } from '../../common/status-view/problem-words.js';
import { serverOfStatus } from '../../common/status-view/server-of-status.js';
import { problemText } from './describe.js';
import { trayState, type Connection } from './tray-state.js';

export type MenuAction =
  | { id: 'recheck'; mountpoint?: string }
  | { id: 'disconnect'; mountpoint: string }
  | { id: 'open-status' }
  | { id: 'quit' };

export interface MenuItemModel {
  kind: 'normal' | 'separator' | 'info';
  label: string;
  enabled: boolean;
  action?: MenuAction;
  /** For a mount's item: which mount, so the glue can show its state icon. */
  mountpoint?: string;
  /** True for the home directory's mount. */
  home?: boolean;
}

export interface MenuModelInput {
  snapshot?: Snapshot;
  connection: Connection;
  home?: string;
  now: number;
  /** What can be done for the mounts not answering (src/main/mount-recovery.ts). */
  advice?: readonly MountAdvice[];
  /** Problem mounts listed by name before "and K more…" (the menu must fit on a screen). */
  maxProblemItems?: number;
}

const SEPARATOR: MenuItemModel = { kind: 'separator', label: '', enabled: false };

function problemLabel(m: MountStatus, isHome: boolean, now: number): string {
  const server = serverOfStatus(m);
  const where = isHome ? `Home ${m.mountpoint}` : m.mountpoint;
  const on = [server, pathShortenedInWords(m)].filter(Boolean).join(', ');
  const waiting = blockedInWords(m.blocked);
  // For slow, the state words are the whole problem ("not answering for 3 s").
  const why = m.state === 'slow' ? '' : `: ${problemText(m)}`;
  return `${where}${on ? ` (${on})` : ''} — ${STATE_PHRASE[m.state]} for ${durationInWords(now - m.since)}${why}${waiting ? `; ${waiting}` : ''}`;
}

export function buildMenuModel(input: MenuModelInput): MenuItemModel[] {
  const max = input.maxProblemItems ?? 8;
  const state = trayState(input);
  const mounts = input.snapshot?.mounts ?? [];
  const items: MenuItemModel[] = [];

  // Problems: not well and already checked. The home mount first, then by how long they have been down.
  const problems = mounts
    .filter((m) => isProblem(m.state))
    .sort((a, b) => {
      const ha = a === state.home ? 0 : 1;
      const hb = b === state.home ? 0 : 1;
      return ha - hb || a.since - b.since || a.mountpoint.localeCompare(b.mountpoint);
    });
  for (const m of problems.slice(0, max)) {
    const isHome = m === state.home;
    items.push({
      kind: 'normal',
      label: problemLabel(m, isHome, input.now),
      enabled: true,
      action: { id: 'recheck', mountpoint: m.mountpoint },
      mountpoint: m.mountpoint,
      ...(isHome ? { home: true } : {}),
    });
    const offer = input.advice?.find((a) => a.mountId === m.mountId && a.mountpoint === m.mountpoint)?.advice;
    if (offer?.kind === 'disconnect') {
      items.push({ kind: 'normal', label: `${offer.label} ${m.mountpoint}`, enabled: true, action: { id: 'disconnect', mountpoint: m.mountpoint } });
    }
  }
  if (problems.length > max) {
    items.push({ kind: 'normal', label: `and ${problems.length - max} more…`, enabled: true, action: { id: 'open-status' } });
  }
  if (problems.length > 0) items.push(SEPARATOR);

  items.push({ kind: 'info', label: state.summary, enabled: false });
  if (state.omitted) items.push({ kind: 'info', label: state.omitted, enabled: false });
  // When the app monitors in-app, say so, and say how to get the privileged helper.
  if (input.connection.state === 'absent' && input.connection.message) {
    items.push({ kind: 'info', label: input.connection.message, enabled: false });
  } else if (input.connection.state === 'connecting' && input.snapshot?.identity.mode !== 'embedded') {
    items.push({ kind: 'info', label: 'connecting to the helper…', enabled: false });
  }
  if (input.snapshot) items.push({ kind: 'info', label: state.modeText, enabled: false });
  items.push(SEPARATOR);
  items.push({ kind: 'normal', label: 'Recheck now', enabled: input.snapshot !== undefined, action: { id: 'recheck' } });
  items.push({ kind: 'normal', label: 'Open status window', enabled: true, action: { id: 'open-status' } });
  items.push({ kind: 'normal', label: 'Quit', enabled: true, action: { id: 'quit' } });
  return items;
}
