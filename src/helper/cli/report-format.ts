// How `check` and `status` print a sweep: a readable table for people, JSON for scripts. The JSON shape
// is a contract (`{"checked", "dead", "seconds", "mounts": [{"mountpoint", "source", "fstype", "state",
// "errno"?, "message"?, "latencyMs"?}]}`): fields may be added, never renamed.
import type { MountStatus, SweepReport } from '../../common/mount.js';
import { isDead, isWell } from '../../common/state-classes.js';
import { escapeForDisplay } from '../../common/mount-table/escapes.js';
import { unexaminedInWords } from '../../common/status-view/blocked-words.js';

export interface ReportJson {
  checked: number;
  dead: number;
  seconds: number;
  mounts: MountJson[];
  /** Network mounts grouped by server: one outage is one entry, however many mounts it has. */
  servers: { server: string; mounts: number; dead: number }[];
  problems?: { line: number; reason: string }[];
}

export interface MountJson {
  mountpoint: string;
  source: string;
  fstype: string;
  state: MountStatus['state'];
  errno?: string;
  message?: string;
  latencyMs?: number;
  server?: string;
  since?: string;
  capacity?: MountStatus['capacity'];
  automount?: MountStatus['automount'];
  nfs?: MountStatus['nfs'];
  /** Its server answers far slower than usual (beside the state: an `ok` mount may be degrading). */
  degrading?: { reason: string; since: string };
  suspect?: string;
  watched?: MountStatus['watched'];
  blocked?: MountStatus['blocked'];
  /** Texts the helper's socket cut (src/common/protocol.ts MAX_WIRE_TEXT_BYTES), with their full length. */
  truncated?: MountStatus['truncated'];
}

export function reportJson(report: Pick<SweepReport, 'checked' | 'dead' | 'seconds' | 'mounts' | 'problems'>): ReportJson {
  return {
    checked: report.checked,
    dead: report.dead,
    seconds: report.seconds,
    mounts: report.mounts.map(mountJson),
    servers: serversOf(report.mounts),
    ...(report.problems.length > 0 ? { problems: report.problems.map((p) => ({ line: p.line, reason: p.reason })) } : {}),
  };
}

function serversOf(mounts: MountStatus[]): ReportJson['servers'] {
  const byServer = new Map<string, { server: string; mounts: number; dead: number }>();
  for (const m of mounts) {
    if (m.server === undefined) continue;
    const s = byServer.get(m.server) ?? { server: m.server, mounts: 0, dead: 0 };
    s.mounts++;
    if (isDead(m.state)) s.dead++;
    byServer.set(m.server, s);
  }
  return [...byServer.values()];
}

/** One mount as `check --json` and `status --json` print it (and `status --follow --json`, one per line). */
export function mountJson(m: MountStatus): MountJson {
  return {
    mountpoint: m.mountpoint,
    source: m.source,
    fstype: m.fstype,
    state: m.state,
    ...(m.errno !== undefined ? { errno: m.errno } : {}),
    ...(m.message !== undefined ? { message: m.message } : {}),
    ...(m.latencyMs !== undefined ? { latencyMs: m.latencyMs } : {}),
    ...(m.server !== undefined ? { server: m.server } : {}),
    since: new Date(m.since).toISOString(),
    ...(m.capacity !== undefined ? { capacity: m.capacity } : {}),
    ...(m.automount !== undefined ? { automount: m.automount } : {}),
    ...(m.nfs !== undefined ? { nfs: m.nfs } : {}),
    ...(m.degrading !== undefined ? { degrading: { reason: m.degrading.reason, since: new Date(m.degrading.since).toISOString() } } : {}),
    ...(m.suspect !== undefined ? { suspect: m.suspect } : {}),
    ...(m.watched !== undefined ? { watched: m.watched } : {}),
    ...(m.blocked !== undefined ? { blocked: m.blocked } : {}),
    ...(m.truncated !== undefined ? { truncated: m.truncated } : {}),
  };
}


/** The state column of the terminal table: problems in capitals, to stand out in a long list. */
const STATE_COLUMN: Record<MountStatus['state'], string> = {
  ok: 'ok',
  slow: 'SLOW',
  hung: 'HUNG',
  error: 'ERROR',
  denied: 'DENIED',
  stuck: 'STUCK',
  covered: 'covered',
  idle: 'idle',
  disconnected: 'DISCONNECTED',
  unknown: '?',
};

function latency(m: MountStatus): string {
  if (m.latencyMs === undefined || m.state === 'hung') return '';
  return m.latencyMs < 10 ? `${m.latencyMs.toFixed(1)} ms` : `${Math.round(m.latencyMs)} ms`;
}

function detail(m: MountStatus): string {
  let text = m.state === 'error' ? [m.errno, m.message].filter(Boolean).join(': ') : (m.message ?? '');
  if (m.degrading) text = [text, `degrading: ${m.degrading.reason}`].filter(Boolean).join('; ');
  const blocked = blockedText(m.blocked);
  return blocked ? `${text}; ${blocked}` : text;
}

/** "3 processes waiting: firefox[1234], bash[2345] and 1 more; 25 more processes were not examined"; "" for none. */
export function blockedText(b: MountStatus['blocked']): string {
  if (!b) return '';
  const unexamined = b.unexamined ?? 0;
  const notExamined = unexamined > 0 ? unexaminedInWords(unexamined, b.count > 0) : '';
  if (b.count <= 0) return notExamined;
  const named = b.processes.slice(0, 4).map((p) => `${p.comm}[${p.pid}]`);
  const more = b.count - named.length;
  const list = named.length === 0 ? '' : `: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  return [`${b.count} process${b.count === 1 ? '' : 'es'} waiting${list}`, notExamined].filter(Boolean).join('; ');
}

/** A fixed-width table, problems first, then the summary line. */
export function formatTable(report: Pick<SweepReport, 'checked' | 'dead' | 'seconds' | 'mounts' | 'problems'>): string {
  const rows = [...report.mounts]
    .sort((a, b) => rank(a) - rank(b))
    .map((m) => [STATE_COLUMN[m.state], escapeForDisplay(m.mountpoint), m.fstype, escapeForDisplay(m.source), latency(m), escapeForDisplay(detail(m))]);
  const header = ['STATE', 'MOUNTPOINT', 'TYPE', 'SOURCE', 'LATENCY', 'DETAIL'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const p of report.problems) out.push(`mount table line ${p.line} skipped: ${p.reason}`);
  const slow = report.mounts.filter((m) => m.state === 'slow').length;
  const disconnected = report.mounts.filter((m) => m.state === 'disconnected').length;
  const notOk = report.mounts.filter((m) => !isWell(m.state)).length - slow - disconnected;
  out.push(
    // The CLI's own words: singular for one. The log's sweep line keeps the original's plurals (log/lines.ts).
    `Checked ${report.checked} mount${report.checked === 1 ? '' : 's'} in ${report.seconds.toFixed(2)} seconds: ${report.dead} dead` +
      (slow > 0 ? `, ${slow} slow` : '') +
      (disconnected > 0 ? `, ${disconnected} disconnected` : '') +
      (notOk > report.dead ? `, ${notOk - report.dead} denied or unknown` : ''),
  );
  return out.join('\n') + '\n';
}

function rank(m: MountStatus): number {
  switch (m.state) {
    case 'hung':
    case 'stuck':
    case 'error':
    case 'slow':
    case 'disconnected':
      return 0;
    case 'denied':
    case 'unknown':
      return 1;
    default:
      return 2;
  }
}
