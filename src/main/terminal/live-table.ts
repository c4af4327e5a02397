// `npm start` without a display: the monitor as a live table in the terminal, like top(1).
// On a TTY it redraws the table on the alternate screen on every change (q or Ctrl-C quits); when
// stdout is not a TTY (a pipe, a log, CI) it prints one line per change instead, never escapes.
// Text from the mount table goes through displayText: an unprivileged user may name a FUSE mount
// (fusermount3) with any byte but '/' and NUL, and an ESC in it would otherwise rewrite the terminal of
// whoever runs this, a newline split a row or a piped line.
import type { MonitorApi, MonitorEvent, Snapshot } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';
import { isDead, isProblem, isWell } from '../../common/state-classes.js';
import { durationInWords } from '../../common/status-view/durations.js';
import { STATE_PHRASE } from '../../common/status-view/problem-words.js';
import { problemText } from '../tray/describe.js';
import { findHomeMount } from '../tray/home-mount.js';
import { trayState, type Connection } from '../tray/tray-state.js';
import { displayText } from '../../common/status-view/display-text.js';

export interface TableView {
  now: number;
  width: number;
  home?: string;
  color: boolean;
  connection: Connection;
}

const ESC = '\x1b[';
const COLOR: Record<string, string> = { red: `${ESC}31m`, yellow: `${ESC}33m`, green: `${ESC}32m`, dim: `${ESC}2m`, bold: `${ESC}1m` };
const RESET = `${ESC}0m`;

function paint(text: string, color: string | undefined, on: boolean): string {
  return on && color ? `${COLOR[color]}${text}${RESET}` : text;
}

function stateColor(m: MountStatus): string | undefined {
  if (isDead(m.state)) return 'red';
  if (m.state === 'denied') return 'yellow';
  if (isWell(m.state)) return 'green';
  return 'dim';
}

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

/** `text` cut to `width` columns (never padded): a longer line would wrap and scroll the title away. */
function clip(text: string, width: number): string {
  return text.length > width ? fit(text, width) : text;
}

function count(n: number, singular: string): string {
  return `${n} ${singular}${n === 1 ? '' : 's'}`;
}

/** The table as lines (no trailing newline), problems first, the home directory's mount first of all. */
export function renderTable(snapshot: Snapshot | undefined, view: TableView): string[] {
  const state = trayState({ connection: view.connection, ...(snapshot ? { snapshot } : {}), ...(view.home ? { home: view.home } : {}) });
  const lines: string[] = [];
  const width = Math.max(1, view.width);
  const levelColor = { ok: 'green', degraded: 'yellow', dead: 'red', unknown: 'dim' }[state.level];
  // Colour codes take no columns, so each line is cut as plain text and painted in pieces.
  const title = 'Mount Status Monitor';
  const level = state.level.toUpperCase();
  const titleLine = clip(`${title} — ${level} — ${state.summary}`, width);
  lines.push(
    titleLine.length <= title.length
      ? paint(titleLine, 'bold', view.color)
      : `${paint(title, 'bold', view.color)}${titleLine.slice(title.length).replace(level, (l) => paint(l, levelColor, view.color))}`,
  );
  lines.push(paint(clip(state.modeText, width), 'dim', view.color));
  if (view.connection.state === 'absent' && view.connection.message && snapshot?.identity.mode === 'embedded') {
    lines.push(paint(clip(view.connection.message, width), 'dim', view.color));
  }
  if (snapshot?.lastSweep) {
    const s = snapshot.lastSweep;
    lines.push(paint(clip(`last sweep ${durationInWords(view.now - s.finishedAt)} ago: checked ${count(s.checked, 'mount')} in ${count(s.seconds, 'second')}, ${s.dead} dead`, width), 'dim', view.color));
  }
  lines.push('');
  const fixed = 17 + 9 + 9;
  const mpWidth = Math.max(12, Math.min(40, Math.floor((view.width - fixed) / 2)));
  const restWidth = Math.max(10, view.width - fixed - mpWidth - 1);
  lines.push(paint(clip(`${fit('STATE', 17)}${fit('LATENCY', 9)}${fit('FOR', 9)}${fit('MOUNTPOINT', mpWidth)} ${fit('SOURCE / PROBLEM', restWidth)}`.trimEnd(), width), 'bold', view.color));
  const home = snapshot ? findHomeMount(view.home, snapshot.mounts) : undefined;
  const rank = (m: MountStatus) => (m === home && !isWell(m.state) ? 0 : isDead(m.state) ? 1 : isProblem(m.state) ? 2 : 3);
  const mounts = [...(snapshot?.mounts ?? [])].sort((a, b) => rank(a) - rank(b) || a.mountpoint.localeCompare(b.mountpoint));
  for (const m of mounts) {
    const word = (m === home ? '⌂ ' : '') + STATE_PHRASE[m.state];
    const latency = m.latencyMs !== undefined && m.state !== 'hung' ? `${m.latencyMs < 10 ? m.latencyMs.toFixed(1) : Math.round(m.latencyMs)} ms` : '';
    const detail = displayText(!isProblem(m.state) ? m.source : `${m.source}: ${problemText(m)}`);
    const rest = `${fit(latency, 9)}${fit(durationInWords(view.now - m.since), 9)}${fit(displayText(m.mountpoint), mpWidth)} ${fit(detail, restWidth)}`.trimEnd();
    const stateCell = fit(word, Math.min(17, width));
    lines.push(`${paint(stateCell, stateColor(m), view.color)}${clip(rest, width - stateCell.length)}`.trimEnd());
  }
  return lines;
}

/** One line for a change, for non-TTY output; undefined for events not worth a line. */
export function eventLine(event: MonitorEvent, now: number): string | undefined {
  const at = new Date(now).toISOString();
  switch (event.type) {
    case 'mount': {
      const m = event.mount;
      // Latency-only updates of a mount whose state did not change are not news.
      if (event.previous === m.state) return undefined;
      const from = event.previous ? `${STATE_PHRASE[event.previous]} -> ` : '';
      const why = !isProblem(m.state) ? '' : `: ${displayText(problemText(m))}`;
      return `${at} ${displayText(m.mountpoint)} (${displayText(m.source)}) ${from}${STATE_PHRASE[m.state]}${why}`;
    }
    case 'removed':
      return `${at} ${displayText(event.mountpoint)} unmounted`;
    case 'sweep': {
      const s = event.summary;
      return `${at} Checked ${count(s.checked, 'mount')} in ${count(s.seconds, 'second')}${s.dead ? `: ${s.dead} dead` : ''}`;
    }
  }
}

export interface LiveOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface LiveInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  off(event: 'data', listener: (data: Buffer) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface LiveTableOptions {
  api: MonitorApi;
  output: LiveOutput;
  input?: LiveInput;
  connection: () => Connection;
  home?: string;
  now?: () => number;
  /** Redraws are coalesced over this many ms. */
  throttleMs?: number;
}

export interface LiveTable {
  /** Resolves when the user quits (q, Ctrl-C) or stop() is called. */
  done: Promise<void>;
  stop(): void;
}

export function startLiveTable(options: LiveTableOptions): LiveTable {
  const { api, output } = options;
  const now = options.now ?? Date.now;
  const tty = output.isTTY === true;
  let snapshot: Snapshot | undefined;
  let stopped = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const draw = () => {
    if (stopped || !tty) return;
    const rows = output.rows ?? 24;
    const lines = renderTable(snapshot, {
      now: now(),
      width: output.columns ?? 100,
      color: true,
      connection: options.connection(),
      ...(options.home ? { home: options.home } : {}),
    });
    const columns = Math.max(1, output.columns ?? 100);
    const shown = lines.length > rows - 1 ? [...lines.slice(0, rows - 2), clip(`… ${lines.length - rows + 2} more (widen or enlarge the terminal)`, columns)] : lines;
    shown.push(paint(clip('q quits', columns), 'dim', true));
    // Home, clear screen, then the table: one write so the terminal never shows half a frame.
    output.write(`${ESC}H${ESC}2J${shown.join('\r\n')}`);
  };

  let timer: NodeJS.Timeout | undefined;
  const scheduleDraw = () => {
    if (timer || stopped) return;
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        snapshot = await api.snapshot();
      } catch {
        // keep the last one; the mode line says what is wrong
      }
      draw();
    }, options.throttleMs ?? 100);
  };

  const unsubscribe = api.onChange((event) => {
    if (!tty) {
      const line = eventLine(event, now());
      if (line) output.write(line + '\n');
      return;
    }
    scheduleDraw();
  });
  const ticker = setInterval(scheduleDraw, 1000);

  const onKey = (data: Buffer) => {
    const s = data.toString();
    if (s === 'q' || s === 'Q' || s === '\x03' || s === '\x04') stop();
  };
  const onResize = () => draw();
  const input = options.input;
  if (tty) {
    output.write(`${ESC}?1049h${ESC}?25l`); // alternate screen, hide cursor
    output.on?.('resize', onResize);
    if (input?.isTTY) input.setRawMode?.(true);
    if (input) {
      input.on('data', onKey);
      input.resume();
    }
  }
  // Ctrl-C without a raw TTY arrives as SIGINT.
  const onSigint = () => stop();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  void api.snapshot().then(
    (s) => {
      snapshot = s;
      if (tty) draw();
      else for (const line of renderTable(s, { now: now(), width: 120, color: false, connection: options.connection(), ...(options.home ? { home: options.home } : {}) })) output.write(line + '\n');
    },
    (e: unknown) => output.write(`no status yet: ${e instanceof Error ? e.message : String(e)}\n`),
  );

  function stop() {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    clearInterval(ticker);
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    if (tty) {
      output.off?.('resize', onResize);
      if (input) {
        input.off('data', onKey);
        if (input.isTTY) input.setRawMode?.(false);
        input.pause();
      }
      output.write(`${ESC}?25h${ESC}?1049l`); // cursor back, leave the alternate screen
    }
    resolveDone();
  }

  return { done, stop };
}
