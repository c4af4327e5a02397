// `mountstatus disconnect [--then-unmount] [--yes] [--socket PATH] MOUNTPOINT`: asks the running system
// helper to disconnect a dead NFS mount from its server (the kernel's NFS shutdown, Linux 6.6+), which
// frees every program waiting on it at once; the mount stays, failing at once, marked disconnected. Root
// and the admin-group; a user on their own home where the helper allows it (disconnect-own-home). This
// command only asks, shows and reports; it never touches the mountpoint itself.
//
// On a terminal it first asks the helper what it would do (a dry run: permission and refusals included),
// names every mountpoint that shares the mount's superblock and the programs blocked, and asks first.
// Exit status: 0 disconnected, 1 refused, declined, failed or only the fall-back (no shutdown on this
// kernel), 2 usage error or no helper.
import { parseArgs } from 'node:util';
import { posix } from 'node:path';
import { escapeForDisplay } from '../../common/mount-table/escapes.js';
import type { NfsDisconnectResult } from '../../common/recovery.js';
import { defaultSocketPath } from '../../node/ipc/paths.js';
import type { CommandIo } from './io.js';
import { confirmed, requestOnce, type RecoveryCommandDeps } from './recovery-request.js';

export const DISCONNECT_USAGE = `usage: mountstatus disconnect [--then-unmount] [--yes] [--socket PATH] MOUNTPOINT
  Asks the system helper to disconnect a dead NFS mount from its server: every program waiting on it gets
  an error (EIO) at once, and so does everything done on it afterwards; it stays mounted, disconnected,
  until it is unmounted and mounted again (this cannot be undone). Mounts of the same server filesystem
  that share its superblock are disconnected with it, and named first. Needs Linux 6.6 or later; on an
  older kernel it force-unmounts instead (--lazy with --then-unmount) and says what that could not free.
  Root and the helper's admin-group may; a user their own home, where the helper allows it.
  --then-unmount  afterwards unmount it lazily, so that it can be mounted again (root, admin-group)
  --yes           do not ask first; also disconnect a mount that is answering
  --socket PATH   the helper's socket (default /run/mount-status-monitor/helper-v1.sock)
  Exit status: 0 disconnected, 1 refused, declined or failed (or only unmounted: no shutdown on this
  kernel), 2 usage error or no helper.
`;

/** How long the helper may take: the shutdown child, the release wait, an unmount after it. */
const ACT_TIMEOUT_MS = 10 * 60_000;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function planText(r: NfsDisconnectResult): string {
  const out = [`${escapeForDisplay(r.mountpoint)} is ${r.state}.`];
  if (r.sharing.length > 1) out.push(`It shares its superblock with ${r.sharing.slice(1).map((m) => escapeForDisplay(m)).join(', ')}: they are disconnected too.`);
  const b = r.blocked;
  if (b && b.count > 0) {
    out.push(`${plural(b.count, 'program is', 'programs are')} blocked on it${b.processes.length > 0 ? ':' : ''}`);
    for (const p of b.processes) out.push(`  ${escapeForDisplay(p.comm)}[${p.pid}] (uid ${p.uid})`);
  }
  out.push('This will:');
  for (const s of r.steps) out.push(`  - ${escapeForDisplay(s)}`);
  out.push('Data the programs have not written back to it yet is lost.');
  return out.join('\n') + '\n';
}

export async function runDisconnectCommand(argv: string[], io: CommandIo, deps: RecoveryCommandDeps = {}): Promise<number> {
  let values: { 'then-unmount'?: boolean; yes?: boolean; socket?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { 'then-unmount': { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
    if (values.help) {
      io.stdout(DISCONNECT_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new Error(positionals.length === 0 ? 'name the MOUNTPOINT to disconnect' : `one MOUNTPOINT only, got ${positionals.length}`);
    if (positionals[0] === '' || values.socket === '') throw new Error('empty argument');
  } catch (err) {
    io.stderr(`mountstatus disconnect: ${(err as Error).message}\n${DISCONNECT_USAGE}`);
    return 2;
  }
  // Lexically only: resolving symlinks would touch the (dead) mount.
  const mountpoint = posix.resolve((deps.cwd ?? (() => process.cwd()))(), positionals[0]!);
  const socketPath = values.socket ?? defaultSocketPath({ privileged: true });
  const yes = values.yes === true;
  const interactive = deps.interactive ?? (process.stdin.isTTY === true && !yes);
  const thenUnmount = values['then-unmount'] === true;

  const ask = (dryRun: boolean, timeoutMs?: number): Promise<NfsDisconnectResult | number> =>
    requestOnce('disconnect', socketPath, io, deps, (conn) => conn.disconnect({ mountpoint, thenUnmount, evenIfHealthy: yes, dryRun }, timeoutMs));

  if (interactive) {
    const preview = await ask(true);
    if (typeof preview === 'number') return preview;
    io.stdout(planText(preview));
    if (!(await confirmed(io, deps, `Disconnect ${escapeForDisplay(mountpoint)}? [y/N] `))) return 1;
  }
  const r = await ask(false, ACT_TIMEOUT_MS);
  if (typeof r === 'number') return r;
  for (const s of r.steps) io.stdout(`${escapeForDisplay(s)}\n`);
  if (!r.disconnected) {
    io.stderr(`mountstatus disconnect: could not disconnect ${escapeForDisplay(mountpoint)}: ${escapeForDisplay(r.reason ?? 'unknown reason')}\n`);
    return 1;
  }
  const released = r.released ?? 0;
  const stay = r.stay ?? [];
  const others = r.sharing.length > 1 ? ` (with ${r.sharing.slice(1).map((m) => escapeForDisplay(m)).join(', ')})` : '';
  io.stdout(
    `${escapeForDisplay(mountpoint)}${others} is disconnected: ${plural(released, 'blocked program', 'blocked programs')} released` +
      (stay.length > 0 ? `; still blocked: ${stay.map((p) => `${escapeForDisplay(p.comm)}[${p.pid}]`).join(', ')}` : '') +
      (r.unmounted ? '; unmounted (lazily): mount it again to use it' : '; everything on it fails until it is unmounted and mounted again') +
      '.\n',
  );
  if (r.reason) {
    io.stderr(`mountstatus disconnect: ${escapeForDisplay(r.reason)}\n`);
    return 1;
  }
  return 0;
}
