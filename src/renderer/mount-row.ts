// One mount in the list: state badge, path and source, how long in that state, the problem in words,
// last latency with its sparkline, capacity, and a Recheck button. Built once per mount and updated in
// place, so focus and screen-reader position survive live updates.
import type { MountRow } from '../common/status-view/ordering.js';
import type { ProbePoint } from '../common/status-view/latency-history.js';
import { durationInWords, latencyInWords } from '../common/status-view/durations.js';
import { problemInWords, STATE_LABEL } from '../common/status-view/problem-words.js';
import { blockedInWords, blockedProcessLabel } from '../common/status-view/blocked-words.js';
import { isProblem } from '../common/status-view/ordering.js';
import { capacityView, createCapacityBar, updateCapacityBar } from './capacity-bar.js';
import { renderSparkline, sparklineSummary } from './sparkline.js';
import { displayText } from '../common/status-view/display-text.js';
import { h, setText } from './dom.js';

export interface RowElement extends HTMLLIElement {
  /** Fingerprint of the drawn sparkline, to redraw only on a new probe. */
  sparkKey?: string;
  /** What the row was last drawn from: the once-a-second tick redraws only rows whose words changed. */
  drawn?: { status: MountRow['status']; home: boolean; busy: boolean; historyAt: number | undefined; since: string; problem: string };
}

export function rowKey(row: MountRow): string {
  return `${row.status.mountId}:${row.status.mountpoint}`;
}

export function createRow(row: MountRow): RowElement {
  const li = h('li', { class: 'mount', tabindex: -1, 'data-key': rowKey(row), 'data-mountpoint': row.status.mountpoint, 'aria-keyshortcuts': 'Enter' }) as RowElement;
  const idBase = `m${row.status.mountId}`;
  li.append(
    h('span', { class: 'badge', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'where' },
      h('span', { class: 'mountpoint', id: `${idBase}-path` }),
      h('span', { class: 'source' }),
    ),
    h('div', { class: 'what' }, h('span', { class: 'since' }), h('span', { class: 'problem' }), h('span', { class: 'waiting' })),
    h('div', { class: 'latency' }, h('span', { class: 'latency-text' }), h('span', { class: 'spark' })),
    createCapacityBar(),
    h('button', { type: 'button', class: 'recheck', tabindex: -1, 'aria-describedby': `${idBase}-path`, 'data-action': 'recheck' }, 'Recheck'),
  );
  return li;
}

export function updateRow(li: RowElement, row: MountRow, history: readonly ProbePoint[], now: number, busy: boolean): void {
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
  if (d && d.status === s && d.home === row.home && d.busy === busy && d.historyAt === historyAt && d.since === since && d.problem === problem) return;
  li.drawn = { status: s, home: row.home, busy, historyAt, since, problem };
  li.dataset.state = s.state;
  li.dataset.problem = String(isProblem(s.state));
  if (row.home) li.dataset.home = 'true';
  else delete li.dataset.home;
  li.setAttribute('aria-busy', String(busy));
  const q = <T extends Element>(sel: string): T => li.querySelector<T>(sel)!;

  setText(q('.badge'), STATE_LABEL[s.state]);
  // Shown and said in displayText() form (no live newline or bidi control); data-mountpoint stays raw.
  const mountpoint = displayText(s.mountpoint);
  const source = displayText(s.source);
  const fstype = displayText(s.fstype);
  setText(q('.mountpoint'), mountpoint);
  setText(q('.source'), `${source} · ${fstype}${row.home ? ' · your home directory' : ''}`);
  setText(q('.since'), since);
  setText(q('.problem'), problem);
  setText(q('.waiting'), waiting);

  const latest = history[history.length - 1];
  const latencyText =
    s.state === 'hung' || s.state === 'stuck' ? 'no answer' : s.latencyMs !== undefined && Number.isFinite(s.latencyMs) && s.latencyMs >= 0 ? latencyInWords(s.latencyMs) : latest?.latencyMs !== undefined ? latencyInWords(latest.latencyMs) : '—';
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

  // The row's accessible name says everything the columns show, in reading order.
  const label = [
    row.home ? `${mountpoint} (home directory)` : mountpoint,
    `${source}, ${fstype}`,
    since,
    problem,
    waiting,
    `latency ${latencyText}`,
    sparklineSummary(history),
    capacityView(s.capacity).text,
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
