// One mount in the list: state badge, path and source (and what the helper's socket shortened), how long
// in that state, the problem in words, last latency with its sparkline, capacity, and a Recheck button;
// for a mount that does not answer, what can be done: Disconnect (the user's own FUSE mount), or who can
// act with the exact command to copy. Built once per mount and updated in place, so focus and
// screen-reader position survive live updates.
import type { RecoveryAdvice } from '../common/recovery.js';
import type { MountRow } from '../common/status-view/ordering.js';
import { shortenedInWords } from '../common/status-view/cut-words.js';
import type { ProbePoint } from '../common/status-view/latency-history.js';
import { durationInWords, latencyInWords } from '../common/status-view/durations.js';
import { problemInWords, STATE_LABEL } from '../common/status-view/problem-words.js';
import { blockedInWords, blockedProcessLabel } from '../common/status-view/blocked-words.js';
import { isFailing, isKilled, isProblem } from '../common/state-classes.js';
import { capacityView, createCapacityBar, updateCapacityBar } from './capacity-bar.js';
import { renderSparkline, sparklineSummary } from './sparkline.js';
import { displayText } from '../common/status-view/display-text.js';
import { h, setText } from './dom.js';

export interface RowElement extends HTMLLIElement {
  /** Fingerprint of the drawn sparkline, to redraw only on a new probe. */
  sparkKey?: string;
  /** What the row was last drawn from: the once-a-second tick redraws only rows whose words changed. */
  drawn?: { status: MountRow['status']; home: boolean; extras: RowExtras; historyAt: number | undefined; since: string; problem: string };
}

/** What the window knows of a row beyond its status. */
export interface RowExtras {
  /** A recheck of it is under way. */
  busy: boolean;
  /** A Disconnect of it is under way. */
  disconnecting: boolean;
  /** What can be done while it does not answer (asked of the app: src/main/mount-recovery.ts). */
  advice: RecoveryAdvice | undefined;
}

const sameExtras = (a: RowExtras, b: RowExtras) => a.busy === b.busy && a.disconnecting === b.disconnecting && a.advice === b.advice;

/** The advice as the row says it. */
function adviceInWords(advice: RecoveryAdvice): string {
  return advice.kind === 'disconnect' ? `Your own FUSE mount: ${advice.label} takes it away and frees the programs waiting on it.` : advice.text;
}

/** A row's key: the same mountpoint can be mounted again with a new id. */
export function rowKey(status: Pick<MountRow['status'], 'mountId' | 'mountpoint'>): string {
  return `${status.mountId}:${status.mountpoint}`;
}

export function createRow(row: MountRow): RowElement {
  const li = h('li', { class: 'mount', tabindex: -1, 'data-key': rowKey(row.status), 'data-mountpoint': row.status.mountpoint, 'aria-keyshortcuts': 'Enter' }) as RowElement;
  const idBase = `m${row.status.mountId}`;
  li.append(
    h('span', { class: 'badge', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'where' },
      h('span', { class: 'mountpoint', id: `${idBase}-path` }),
      h('span', { class: 'source' }),
      h('span', { class: 'shortened' }),
    ),
    h('div', { class: 'what' }, h('span', { class: 'since' }), h('span', { class: 'problem' }), h('span', { class: 'waiting' })),
    h('div', { class: 'latency' }, h('span', { class: 'latency-text' }), h('span', { class: 'spark' })),
    createCapacityBar(),
    h('button', { type: 'button', class: 'recheck', tabindex: -1, 'aria-describedby': `${idBase}-path`, 'data-action': 'recheck' }, 'Recheck'),
    h(
      'div',
      { class: 'recovery', hidden: true },
      h('span', { class: 'advice' }),
      h('button', { type: 'button', class: 'disconnect', tabindex: -1, 'data-action': 'disconnect', hidden: true }, 'Disconnect'),
      h('button', { type: 'button', class: 'copy-command', tabindex: -1, 'data-action': 'copy-command', hidden: true }, 'Copy command'),
    ),
  );
  return li;
}

export function updateRow(li: RowElement, row: MountRow, history: readonly ProbePoint[], now: number, extras: RowExtras): void {
  const s = row.status;
  // For a hung mount the problem words already say for how long; say since when instead.
  const since =
    s.state === 'hung'
      ? `${STATE_LABEL[s.state]} since ${new Date(s.since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
      : `${STATE_LABEL[s.state]} for ${durationInWords(now - s.since)}`;
  const problem = displayText(problemInWords(s, now));
  const waiting = displayText(waitingInWords(s));
  const historyAt = history[history.length - 1]?.at;
  const d = li.drawn;
  // Statuses are replaced, never changed in place, so the same object means the same data.
  if (d && d.status === s && d.home === row.home && sameExtras(d.extras, extras) && d.historyAt === historyAt && d.since === since && d.problem === problem) return;
  li.drawn = { status: s, home: row.home, extras, historyAt, since, problem };
  const { busy } = extras;
  li.dataset.state = s.state;
  li.dataset.problem = String(isProblem(s.state));
  // An answering mount whose NFS server degrades: a warning badge, never over slow or hung.
  const degrading = s.state === 'ok' && s.degrading !== undefined;
  if (degrading) li.dataset.degrading = 'true';
  else delete li.dataset.degrading;
  if (row.home) li.dataset.home = 'true';
  else delete li.dataset.home;
  li.setAttribute('aria-busy', String(busy));
  const q = <T extends Element>(sel: string): T => li.querySelector<T>(sel)!;

  setText(q('.badge'), degrading ? 'Degrading' : STATE_LABEL[s.state]);
  // Shown and said in displayText() form (no live newline or bidi control); data-mountpoint stays raw.
  const mountpoint = displayText(s.mountpoint);
  const source = displayText(s.source);
  const fstype = displayText(s.fstype);
  setText(q('.mountpoint'), mountpoint);
  setText(q('.source'), `${source} · ${fstype}${row.home ? ' · your home directory' : ''}`);
  // The helper's socket cut a text longer than it sends (its head and tail are shown): say by how much.
  const shortened = shortenedInWords(s);
  setText(q('.shortened'), shortened);
  setText(q('.since'), since);
  setText(q('.problem'), problem);
  setText(q('.waiting'), waiting);

  const latest = history[history.length - 1];
  const latencyText =
    isKilled(s.state) ? 'no answer' : s.latencyMs !== undefined && Number.isFinite(s.latencyMs) && s.latencyMs >= 0 ? latencyInWords(s.latencyMs) : latest?.latencyMs !== undefined ? latencyInWords(latest.latencyMs) : '—';
  setText(q('.latency-text'), latencyText);
  const sparkKey = history.map((p) => `${p.at}/${p.latencyMs ?? 'x'}`).join(' ');
  if (li.sparkKey !== sparkKey) {
    q('.spark').replaceChildren(renderSparkline(history));
    li.sparkKey = sparkKey;
  }
  updateCapacityBar(q('.capacity'), s.capacity);

  const button = q<HTMLButtonElement>('.recheck');
  button.disabled = busy;
  setText(button, busy ? 'Checking…' : 'Recheck');
  button.setAttribute('aria-label', `Recheck ${mountpoint}`);

  // Only while it does not answer: advice asked for an earlier outage is not shown once it answers.
  const advice = isFailing(s.state) ? extras.advice : undefined;
  const adviceText = advice ? displayText(adviceInWords(advice)) : '';
  q<HTMLElement>('.recovery').hidden = !advice;
  setText(q('.advice'), adviceText);
  const disconnect = q<HTMLButtonElement>('.disconnect');
  disconnect.hidden = advice?.kind !== 'disconnect';
  if (advice?.kind === 'disconnect') {
    disconnect.disabled = extras.disconnecting;
    setText(disconnect, extras.disconnecting ? 'Disconnecting…' : advice.label);
    disconnect.setAttribute('aria-label', `${advice.label} ${mountpoint}`);
  }
  const copy = q<HTMLButtonElement>('.copy-command');
  copy.hidden = advice?.kind !== 'admin';
  copy.setAttribute('aria-label', `Copy the command that unmounts ${mountpoint}`);

  // The row's accessible name says everything the columns show, in reading order.
  const label = [
    row.home ? `${mountpoint} (home directory)` : mountpoint,
    `${source}, ${fstype}`,
    shortened,
    since,
    problem,
    waiting,
    `latency ${latencyText}`,
    sparklineSummary(history),
    capacityView(s.capacity).text,
    adviceText,
  ]
    .filter((p) => p.length > 0)
    .join('; ');
  if (li.getAttribute('aria-label') !== label) li.setAttribute('aria-label', label);
}

/** "firefox and 1 other program are waiting on it: firefox (pid 1234), thunderbird (pid 2345)". */
function waitingInWords(s: MountRow['status']): string {
  const words = blockedInWords(s.blocked);
  if (!words) return '';
  const listed = (s.blocked?.processes ?? []).slice(0, 5).map(blockedProcessLabel);
  const more = (s.blocked?.count ?? 0) - listed.length;
  return listed.length ? `${words}: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : words;
}
