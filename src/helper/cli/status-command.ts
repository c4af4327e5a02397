// `mountstatus status [--json] [--socket PATH]`: asks the running helper for its latest view and prints
// it like `check` does (same table, same JSON), with the same exit codes: 0 all well, 1 some mount not
// ok, 2 usage error or no helper (the message says how to start one).
import type { Snapshot } from '../../common/monitor-api.js';
import { isDead, isWell } from '../../common/mount.js';
import { IpcError } from '../../common/protocol.js';
import { connectHelper, type ConnectOptions, type HelperConnection } from '../../node/ipc/client.js';
import { candidateSocketPaths } from '../../node/ipc/paths.js';
import { formatTable, reportJson } from './report-format.js';
import type { CommandIo } from './io.js';

export const STATUS_USAGE = `usage: mountstatus status [--json] [--socket PATH]
  Prints the running helper's latest view of every mount (exit 1 if any is not ok, 2 if no helper runs).
  --json          the same JSON as \`mountstatus check --json\`
  --socket PATH   the helper's socket (default: the system helper's, then this user's own)
`;

export interface StatusCommandDeps {
  connect?: (socketPath: string, options: ConnectOptions) => Promise<HelperConnection>;
  /** Sockets tried in order when --socket is not given. */
  socketPaths?: string[];
  timeoutMs?: number;
}

const NOT_RUNNING =
  'helper not running — start it with: sudo systemctl start mount-status-monitor (or, as yourself: mountstatus daemon)';

function parseArgs(argv: string[]): { json: boolean; socket?: string; help: boolean } {
  const out: { json: boolean; socket?: string; help: boolean } = { json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--socket') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new IpcError('usage', '--socket needs a PATH');
      out.socket = v;
    } else if (a.startsWith('--socket=')) {
      const v = a.slice('--socket='.length);
      if (v === '') throw new IpcError('usage', '--socket needs a PATH');
      out.socket = v;
    } else throw new IpcError('usage', `unknown option ${JSON.stringify(a)}`);
  }
  return out;
}

/** The snapshot in the shape of a sweep report, so `status` prints exactly what `check` prints. */
export function reportFromSnapshot(snapshot: Snapshot) {
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
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    out.stderr(`mountstatus status: ${(err as Error).message}\n${STATUS_USAGE}`);
    return 2;
  }
  if (args.help) {
    out.stdout(STATUS_USAGE);
    return 0;
  }
  const connect = deps.connect ?? connectHelper;
  const paths = args.socket !== undefined ? [args.socket] : (deps.socketPaths ?? candidateSocketPaths());
  const options: ConnectOptions = { timeoutMs: deps.timeoutMs ?? 5000, clientName: 'mountstatus status' };

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
    const snapshot = await conn.snapshot();
    const report = reportFromSnapshot(snapshot);
    // A snapshot too big for one frame comes in part, problems first (src/common/protocol.ts): say so.
    const omitted = snapshot.omitted ?? 0;
    if (args.json) out.stdout(JSON.stringify({ ...reportJson(report), ...(omitted > 0 ? { omitted } : {}) }, null, 2) + '\n');
    else out.stdout(formatTable(report) + (omitted > 0 ? `${omitted} more mount${omitted === 1 ? '' : 's'} not shown: the helper's reply would be over its frame limit\n` : ''));
    return snapshot.mounts.every((m) => isWell(m.state)) ? 0 : 1;
  } catch (err) {
    out.stderr(`mountstatus status: ${(err as Error).message}\n`);
    return 2;
  } finally {
    conn.close();
  }
}
