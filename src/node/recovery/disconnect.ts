// "Disconnect" for the desktop (issue 13): a user's own FUSE mount (sshfs, rclone: the kernel records the
// mounting user as the superblock's `user_id=`) can be taken down by that user without the helper, the
// way macOS's "server connection interrupted" dialog offers: abort the FUSE connection (the fusectl abort
// file is owned by the connection's user, fs/fuse/control.c), which frees every program blocked on it,
// then `fusermount3 -u -z` (lazy: a program still holding a file there keeps it until it lets go).
// For any other mount the user is told who can act and the exact command.
//
// The app's main process never touches the mountpoint: it reads /proc/self/mountinfo, writes one byte to
// a fusectl file (a kernel control file, never on a network) and runs fusermount3 as a child under a
// deadline.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { MountEntry, MountStatus, ParsedMountTable } from '../../common/mount.js';
import { optionValue } from '../../common/mount-table/options.js';
import type { DisconnectResult, RecoveryAdvice } from '../../common/recovery.js';
import { isFuseFstype, neverUnmountReason, topMountAt } from '../../common/recovery-rules.js';
import { readMountTable } from '../mount-table/read-mount-table.js';
import { isNfsClientFstype } from '../passive/nfs-shutdown.js';
import { isFailing } from '../../common/state-classes.js';

/** The mount a status is about, in this process's mount table (by id, else the top mount on its path). */
export function entryOf(status: Pick<MountStatus, 'mountId' | 'mountpoint'>, table: ParsedMountTable): MountEntry | undefined {
  return table.entries.find((e) => e.mountId === status.mountId && e.mountpoint === status.mountpoint) ?? topMountAt(table.entries, status.mountpoint);
}

/** True for a FUSE mount made by `uid` (its `user_id=` superblock option, fuse(4)). */
function isOwnFuseMount(entry: MountEntry, uid: number): boolean {
  return isFuseFstype(entry.fstype) && optionValue(entry.superOptions, 'user_id') === String(uid);
}

/** Single-quoted for a POSIX shell, so the command can be pasted whatever the path holds. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What the tray menu and the status window offer for a mount, as the user `uid`. */
export function recoveryAdvice(status: MountStatus, entry: MountEntry | undefined, uid: number): RecoveryAdvice {
  if (!isFailing(status.state)) return { kind: 'none', text: `${status.mountpoint} is ${status.state}` };
  if (entry) {
    const never = neverUnmountReason(entry);
    if (never) return { kind: 'none', text: `${status.mountpoint} is not unmounted by Mount Status Monitor: ${never}` };
    if (isOwnFuseMount(entry, uid)) return { kind: 'disconnect', label: 'Disconnect', mountpoint: status.mountpoint };
  }
  // NFS: disconnecting it from its server frees every program waiting on it (the helper falls back to an
  // unmount on a kernel without NFS shutdown).
  const nfs = isNfsClientFstype(entry?.fstype ?? status.fstype);
  const command = nfs ? `sudo mountstatus disconnect ${shellQuote(status.mountpoint)}` : `sudo mountstatus unmount --force ${shellQuote(status.mountpoint)}`;
  return {
    kind: 'admin',
    text: `Only an administrator (root, or a member of the helper's admin-group) can ${nfs ? 'disconnect' : 'unmount'} ${status.mountpoint}, which frees the programs stuck on it: ${command}`,
    command,
  };
}

export interface DisconnectOptions {
  /** Default: this process's uid. */
  uid?: number;
  readTable?: () => Promise<ParsedMountTable>;
  /** fusermount3, then fusermount (FUSE 2) when it is missing. */
  fusermount?: string[];
  /** Deadline for fusermount (default 10 s). */
  timeoutMs?: number;
  /** Where fusectl is mounted (default /sys/fs/fuse/connections). */
  fusectl?: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; missing: boolean; text: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
      const text = e?.killed ? `did not finish within ${timeoutMs} ms` : (stderr || stdout || e?.message || '').trim();
      resolve({ ok: !e, missing: e?.code === 'ENOENT', text });
    });
  });
}

/** Disconnects the calling user's own FUSE mount. Refuses (gone: false, with the reason) any other mount. */
export async function disconnectOwnMount(status: Pick<MountStatus, 'mountId' | 'mountpoint'>, options: DisconnectOptions = {}): Promise<DisconnectResult> {
  const uid = options.uid ?? process.getuid?.() ?? -1;
  const readTable = options.readTable ?? (() => readMountTable());
  const entry = entryOf(status, await readTable());
  if (!entry) return { gone: true, steps: [`${status.mountpoint} is no longer mounted`] };
  if (!isOwnFuseMount(entry, uid)) {
    return { gone: false, steps: [], reason: `${status.mountpoint} is not a FUSE mount made by uid ${uid}: only an administrator can unmount it` };
  }
  const steps: string[] = [];
  // fusectl names a connection by the superblock's device number (fs/fuse/control.c: "%u", fc->dev).
  const [major, minor] = entry.device.split(':').map(Number) as [number, number];
  const connection = (major << 20) | minor;
  const abort = `${options.fusectl ?? '/sys/fs/fuse/connections'}/${connection}/abort`;
  try {
    await writeFile(abort, '1');
    steps.push(`aborted FUSE connection ${connection}: the programs waiting on ${entry.mountpoint} get an error now`);
  } catch (err) {
    steps.push(`could not abort FUSE connection ${connection} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): programs already waiting on it may stay blocked until its server answers`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  let done: { ok: boolean; missing: boolean; text: string } = { ok: false, missing: true, text: 'fusermount3 not found' };
  let used = '';
  for (const cmd of options.fusermount ?? ['fusermount3', 'fusermount']) {
    used = cmd;
    done = await run(cmd, ['-u', '-z', '--', entry.mountpoint], timeoutMs);
    if (!done.missing) break;
  }
  const left = (await readTable()).entries.some((e) => e.mountId === entry.mountId && e.mountpoint === entry.mountpoint);
  if (!left) {
    steps.push(`${used} -u -z: ${entry.mountpoint} is unmounted`);
    return { gone: true, steps };
  }
  return { gone: false, steps, reason: `${used} -u -z ${entry.mountpoint} failed: ${done.text || 'it is still mounted'}` };
}
