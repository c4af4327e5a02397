// `mountstatus unmount [--force | --lazy] [--yes] [--socket PATH] MOUNTPOINT`: asks the running system
// helper to unmount a dead mount and so free the programs stuck on it. The helper decides who
// may (root, the admin-group) from the connection's kernel credentials, and what may be unmounted; this
// command only asks, shows and reports. It never touches the mountpoint itself.
//
// On a terminal it first asks the helper what it would do (a dry run: permission and refusals included),
// lists the programs blocked on the mount, and asks before acting, unless --yes.
// Exit status: 0 the mount is gone, 1 refused, declined or failed (the reason is printed), 2 usage error
// or no helper.
import { parseArgs } from 'node:util';
import { posix } from 'node:path';
import { escapeForDisplay } from '../../common/mount-table/escapes.js';
import type { UnmountMode, UnmountResult } from '../../common/recovery.js';
import { defaultSocketPath } from '../../node/ipc/paths.js';
import type { CommandIo } from './io.js';
import { confirmed, requestOnce, type RecoveryCommandDeps } from './recovery-request.js';

export const UNMOUNT_USAGE = `usage: mountstatus unmount [--force | --lazy] [--yes] [--socket PATH] MOUNTPOINT
  Asks the system helper to unmount a mount that stopped answering, freeing the programs stuck on it.
  Only root and members of the helper's admin-group may. Mounts under it are unmounted first.
  --force         (default) abort what the mount waits for (FUSE: its connection; NFS/CIFS: requests in
                  flight, MNT_FORCE), then unmount; fails while a program still has it open
  --lazy          the same, then detach it if it is still in use (umount -l): it leaves the tree, the
                  programs using it keep a detached copy
  --yes           do not ask first; also unmount a mount that is answering
  --socket PATH   the helper's socket (default /run/mount-status-monitor/helper-v1.sock)
  Never: /, local disks, tmpfs and other memory filesystems, kernel filesystems, autofs trigger entries.
  Exit status: 0 the mount is gone, 1 refused, declined or failed, 2 usage error or no helper.
`;


/** How long the helper may take to act: each mount's child has the probe timeout, and there may be several. */
const ACT_TIMEOUT_MS = 10 * 60_000;

/** "/mnt/x is hung; 2 programs are blocked on it: cat[12] (uid 1000), sh[13] (uid 0)" and what will be done. */
function planText(result: UnmountResult): string {
  const out: string[] = [];
  const target = result.plan[result.plan.length - 1];
  const what = target ? ` (${target.fstype}, ${escapeForDisplay(target.source)})` : '';
  out.push(`${escapeForDisplay(result.mountpoint)}${what} is ${result.state}.`);
  const b = result.blocked;
  if (b && b.count > 0) {
    out.push(`${b.count} program${b.count === 1 ? ' is' : 's are'} blocked on it${b.processes.length > 0 ? ':' : ''}`);
    for (const p of b.processes) out.push(`  ${escapeForDisplay(p.comm)}[${p.pid}] (uid ${p.uid})`);
    if (b.count > b.processes.length) out.push(`  and ${b.count - b.processes.length} more of other users`);
  } else {
    out.push('No program is known to be blocked on it.');
  }
  out.push('This will:');
  for (const s of result.steps) out.push(`  - ${escapeForDisplay(s)}`);
  out.push('Data the programs have not written back to it yet is lost.');
  return out.join('\n') + '\n';
}

export async function runUnmountCommand(argv: string[], io: CommandIo, deps: RecoveryCommandDeps = {}): Promise<number> {
  let values: { force?: boolean; lazy?: boolean; yes?: boolean; socket?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { force: { type: 'boolean' }, lazy: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' }, socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
    if (values.help) {
      io.stdout(UNMOUNT_USAGE);
      return 0;
    }
    if (values.force && values.lazy) throw new Error('--force and --lazy exclude each other');
    if (positionals.length !== 1) throw new Error(positionals.length === 0 ? 'name the MOUNTPOINT to unmount' : `one MOUNTPOINT only, got ${positionals.length}`);
    if (positionals[0] === '' || values.socket === '') throw new Error('empty argument');
  } catch (err) {
    io.stderr(`mountstatus unmount: ${(err as Error).message}\n${UNMOUNT_USAGE}`);
    return 2;
  }
  const mode: UnmountMode = values.lazy ? 'lazy' : 'force';
  // Lexically only: resolving symlinks would touch the (dead) mount. mountinfo's paths are canonical.
  const mountpoint = posix.resolve((deps.cwd ?? (() => process.cwd()))(), positionals[0]!);
  const socketPath = values.socket ?? defaultSocketPath({ privileged: true });
  const yes = values.yes === true;
  const interactive = deps.interactive ?? (process.stdin.isTTY === true && !yes);

  const ask = (request: { dryRun: boolean }, timeoutMs?: number): Promise<UnmountResult | number> =>
    requestOnce('unmount', socketPath, io, deps, (conn) => conn.unmount({ mountpoint, mode, evenIfHealthy: yes, dryRun: request.dryRun }, timeoutMs));

  if (interactive) {
    const preview = await ask({ dryRun: true });
    if (typeof preview === 'number') return preview;
    io.stdout(planText(preview));
    if (!(await confirmed(io, deps, `${mode === 'lazy' ? 'Unmount (or detach)' : 'Force-unmount'} ${escapeForDisplay(mountpoint)}? [y/N] `))) return 1;
  }
  const result = await ask({ dryRun: false }, ACT_TIMEOUT_MS);
  if (typeof result === 'number') return result;
  for (const s of result.steps) io.stdout(`${escapeForDisplay(s)}\n`);
  if (!result.gone) {
    io.stderr(`mountstatus unmount: could not unmount ${escapeForDisplay(mountpoint)}: ${escapeForDisplay(result.reason ?? 'it is still mounted')}\n`);
    return 1;
  }
  const how =
    result.outcome === 'detached'
      ? 'is detached (it was still in use: the programs using it keep a detached copy until they let go)'
      : result.outcome === 'expired'
        ? 'is unmounted (its automount daemon expired it)'
        : result.outcome === 'left'
          ? 'is gone: someone else unmounted it during the unmount, and nothing else was unmounted'
          : 'is unmounted';
  io.stdout(`${escapeForDisplay(mountpoint)} ${how}.\n`);
  return 0;
}
