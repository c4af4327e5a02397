// `mountstatus status [--json] [--follow] [--socket PATH]`: asks the running helper for its latest view
// and prints it like `check` does (same table, same JSON), with the same exit codes: 0 all well, 1 some
// mount not ok, 2 usage error or no helper (the message says how to start one). With --follow it goes
// on printing every change as it happens, until interrupted or its reader goes away (exit 0), or the
// helper goes away (exit 2).
import type { MonitorEvent, Snapshot } from '../../common/monitor-api.js';
import type { MountStatus } from '../../common/mount.js';
import { isDead, isWell } from '../../common/state-classes.js';
import { escapeForDisplay } from '../../common/mount-table/escapes.js';
import { IpcError } from '../../common/protocol.js';
import { connectHelper, type ConnectOptions, type HelperConnection } from '../../node/ipc/client.js';
import { candidateSocketPaths } from '../../node/ipc/paths.js';
import { blockedText, formatTable, mountJson, reportJson } from './report-format.js';
import type { CommandIo } from './io.js';
import { parseCommand, type OptionName } from './options.js';

const STATUS_OPTIONS = ['json', 'follow', 'socket', 'help'] as const satisfies readonly OptionName[];

export const STATUS_USAGE = `usage: mountstatus status [--json] [--follow] [--socket PATH]
  Prints the running helper's latest view of every mount (exit 1 if any is not ok, 2 if no helper runs).
  --json          the same JSON as \`mountstatus check --json\`
  --follow        then print every change as it happens, until interrupted or its output is closed
                  (exit 0), or the helper goes away (exit 2); with --json, one mount object per line (a mount that left the table:
                  {"mountpoint": …, "removed": true})
  --socket PATH   the helper's socket (default: the system helper's, then this user's own)
`;

export interface StatusCommandDeps {
  connect?: (socketPath: string, options: ConnectOptions) => Promise<HelperConnection>;
  /** Sockets tried in order when --socket is not given. */
  socketPaths?: string[];
  timeoutMs?: number;
  /** Resolves when --follow should stop (default: SIGINT or SIGTERM). */
  interrupted?: Promise<void>;
}

export const NOT_RUNNING =
  'helper not running — start it with: sudo systemctl start mount-status-monitor (or, as yourself: mountstatus daemon)';

/** The snapshot in the shape of a sweep report, so `status` prints exactly what `check` prints. */
function reportFromSnapshot(snapshot: Snapshot) {
  const mounts = snapshot.mounts;
  return {
    checked: snapshot.lastSweep?.checked ?? mounts.length,
    dead: mounts.filter((m) => isDead(m.state)).length,
    seconds: snapshot.lastSweep?.seconds ?? 0,
    mounts,
    problems: [],
  };
}

export async function runStatusCommand(argv: string[], out: CommandIo, deps: StatusCommandDeps = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseCommand(argv, STATUS_OPTIONS));
    if (values.socket === '') throw new Error('--socket needs a PATH');
  } catch (err) {
    out.stderr(`mountstatus status: ${(err as Error).message}\n${STATUS_USAGE}`);
    return 2;
  }
  if (values.help) {
    out.stdout(STATUS_USAGE);
    return 0;
  }
  const connect = deps.connect ?? connectHelper;
  const paths = values.socket !== undefined ? [values.socket] : (deps.socketPaths ?? candidateSocketPaths());
  const options: ConnectOptions = { timeoutMs: deps.timeoutMs ?? 5000, clientName: values.follow ? 'mountstatus status --follow' : 'mountstatus status' };

  let conn: HelperConnection | undefined;
  let lastError: unknown;
  for (const path of paths) {
    try {
      conn = await connect(path, options);
      break;
    } catch (err) {
      lastError = err;
      // Only "nothing there" moves on to the next socket; a helper that answers badly is reported.
      if (!(err instanceof IpcError && err.code === 'helper-absent')) break;
    }
  }
  if (!conn) {
    const e = lastError as Error | undefined;
    const absent = e instanceof IpcError && e.code === 'helper-absent';
    out.stderr(`mountstatus status: ${absent ? `${NOT_RUNNING} (tried ${paths.join(', ')})` : e?.message ?? 'no socket to try'}\n`);
    return 2;
  }
  try {
    if (values.follow) return await follow(conn, values.json === true, out, deps.interrupted ?? interruption());
    const snapshot = await conn.snapshot();
    const report = reportFromSnapshot(snapshot);
    // A snapshot too big for one frame comes in part, problems first (src/common/protocol.ts): say so.
    const omitted = snapshot.omitted ?? 0;
    if (values.json) out.stdout(JSON.stringify({ ...reportJson(report), ...(omitted > 0 ? { omitted } : {}) }, null, 2) + '\n');
    else out.stdout(formatTable(report) + (omitted > 0 ? `${omitted} more mount${omitted === 1 ? '' : 's'} not shown: the helper's reply would be over its frame limit\n` : ''));
    return snapshot.mounts.every((m) => isWell(m.state)) ? 0 : 1;
  } catch (err) {
    out.stderr(`mountstatus status: ${(err as Error).message}\n`);
    return 2;
  } finally {
    conn.close();
  }
}

/** Subscribes first, then takes the snapshot, so no change falls between the two. */
async function follow(conn: HelperConnection, json: boolean, out: CommandIo, interrupted: Promise<void>): Promise<number> {
  let shown = false;
  const early: MonitorEvent[] = [];
  const show = (event: MonitorEvent) => {
    if (event.type === 'sweep') return;
    if (json) out.stdout(JSON.stringify(event.type === 'mount' ? mountJson(event.mount) : { mountpoint: event.mountpoint, removed: true }) + '\n');
    else out.stdout(changeLine(event) + '\n');
  };
  conn.onChange((event) => (shown ? show(event) : early.push(event)));
  const gone = new Promise<IpcError | undefined>((resolve) => conn.onClose(resolve));
  const snapshot = await conn.snapshot();
  if (json) for (const m of snapshot.mounts) out.stdout(JSON.stringify(mountJson(m)) + '\n');
  else out.stdout(formatTable(reportFromSnapshot(snapshot)));
  shown = true;
  for (const e of early.splice(0)) show(e);
  // A reader that went away (`| head`) ends it like an interruption: nothing more can be shown.
  const ended = [interrupted, ...(out.stdoutGone ? [out.stdoutGone] : [])].map((p) => p.then(() => 'interrupted' as const));
  const end = await Promise.race([...ended, gone]);
  if (end === 'interrupted') return 0;
  out.stderr(`mountstatus status: the helper went away (${end?.message ?? 'connection closed'})\n`);
  return 2;
}

/** "12:03:04  /home  slow (was ok)  no answer after 1.5 s; 2 processes waiting: firefox[1234], …". */
function changeLine(event: Exclude<MonitorEvent, { type: 'sweep' }>): string {
  const time = new Date().toTimeString().slice(0, 8);
  if (event.type === 'removed') return `${time}  ${escapeForDisplay(event.mountpoint)}  removed from the mount table`;
  const m: MountStatus = event.mount;
  const was = event.previous !== null && event.previous !== m.state ? ` (was ${event.previous})` : '';
  const latency = m.state === 'ok' && m.latencyMs !== undefined ? `${m.latencyMs < 10 ? m.latencyMs.toFixed(1) : Math.round(m.latencyMs)} ms` : '';
  const detail = [m.state === 'error' ? [m.errno, m.message].filter(Boolean).join(': ') : m.state === 'ok' ? latency : (m.message ?? ''), blockedText(m.blocked)]
    .filter(Boolean)
    .join('; ');
  return `${time}  ${escapeForDisplay(m.mountpoint)}  ${m.state}${was}${detail ? `  ${escapeForDisplay(detail)}` : ''}`;
}

function interruption(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
