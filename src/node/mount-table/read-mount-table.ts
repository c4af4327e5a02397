// Reads the mount table of this process's mount namespace. The only failure that fails a sweep
// (failures are data everywhere else): every other problem is per mount or per line.
//
// Linux: /proc/self/mountinfo, read as bytes (a procfs read touches no mountpoint) and parsed by
// common/mount-table/mountinfo.ts; bytes that are not UTF-8 survive losslessly (utf8.ts).
// macOS / FreeBSD: `/sbin/mount` with no arguments, which lists with getmntinfo(3) using MNT_NOWAIT
// (sbin/mount/mount.c), i.e. from the kernel's cached statfs data without asking any filesystem, so a hung
// NFS server cannot stall it. Run with a timeout anyway, and LC_ALL=C.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import type { ParsedMountTable } from '../../common/mount.js';
import { parseMountinfo } from '../../common/mount-table/mountinfo.js';
import { parseBsdMount } from '../../common/mount-table/bsd.js';

const MOUNTINFO_PATH = '/proc/self/mountinfo';
const BSD_MOUNT_COMMAND = '/sbin/mount';

const malformed = (n: number) => `${n} malformed line${n === 1 ? '' : 's'}`;

/**
 * The mount table could not be read at all: the sweep fails with this message. The log says it from the
 * parts: which table (`table`), the errno (`code`), and otherwise what went wrong (`reason`).
 */
export class MountTableUnreadableError extends Error {
  override name = 'MountTableUnreadableError';
  constructor(
    message: string,
    readonly table: string | undefined,
    readonly code: string | undefined,
    readonly reason: string,
  ) {
    super(message);
  }
}

export interface ReadMountTableOptions {
  platform?: NodeJS.Platform;
  /** For Linux; default /proc/self/mountinfo. */
  mountinfoPath?: string;
  /** For macOS/FreeBSD; default /sbin/mount. */
  mountCommand?: string;
  /** Timeout for the `mount` command, ms (default 10 000). */
  timeoutMs?: number;
  /** Injected for tests. */
  readFile?: (path: string) => Promise<Buffer>;
  execFile?: (file: string, args: string[], opts: { timeout: number; env: NodeJS.ProcessEnv }) => Promise<string>;
}

export interface MountTableRead extends ParsedMountTable {
  /** Where it came from: the mountinfo path or the command. */
  from: string;
}

function execFileText(file: string, args: string[], opts: { timeout: number; env: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...opts, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

/** Decodes mountinfo bytes: natively when valid UTF-8 (the usual case), else losslessly in JS. */
export function parseMountinfoBuffer(buf: Buffer): ParsedMountTable {
  return parseMountinfo(isUtf8(buf) ? buf.toString('utf8') : buf);
}

/** Reads and parses the mount table. Throws MountTableUnreadableError (with what to do) if it can't. */
export async function readMountTable(opts: ReadMountTableOptions = {}): Promise<MountTableRead> {
  const platform = opts.platform ?? process.platform;
  if (platform === 'linux') {
    const path = opts.mountinfoPath ?? MOUNTINFO_PATH;
    return mountinfoTable(await readMountinfo(path, opts), path);
  }
  if (platform === 'darwin' || platform === 'freebsd') {
    const cmd = opts.mountCommand ?? BSD_MOUNT_COMMAND;
    const timeout = opts.timeoutMs ?? 10_000;
    let out: string;
    try {
      out = await (opts.execFile ?? execFileText)(cmd, [], { timeout, env: { ...process.env, LC_ALL: 'C' } });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { killed?: boolean };
      const why = err.killed ? `did not finish within ${timeout} ms` : err.message;
      throw new MountTableUnreadableError(`cannot list mounts with ${cmd}: ${why}`, cmd, err.killed ? undefined : err.code, why);
    }
    const parsed = parseBsdMount(out);
    if (parsed.entries.length === 0) {
      const reason = `it listed no readable mounts (${malformed(parsed.problems.length)})`;
      throw new MountTableUnreadableError(`${cmd} listed no readable mounts (${malformed(parsed.problems.length)})`, cmd, undefined, reason);
    }
    return { ...parsed, from: cmd };
  }
  const reason = `no mount table reader for platform ${platform}: supported are linux, darwin and freebsd`;
  throw new MountTableUnreadableError(reason, undefined, undefined, reason);
}

async function readMountinfo(path: string, opts: ReadMountTableOptions): Promise<Buffer> {
  try {
    return await (opts.readFile ?? ((p: string) => readFile(p)))(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new MountTableUnreadableError(`cannot read the mount table ${path}: ${err.message} (is /proc mounted?)`, path, err.code, err.message);
  }
}

function mountinfoTable(buf: Buffer, path: string): MountTableRead {
  const parsed = parseMountinfoBuffer(buf);
  if (parsed.entries.length === 0) {
    const reason = `it has no readable entries (${malformed(parsed.problems.length)})`;
    throw new MountTableUnreadableError(`the mount table ${path} has no readable entries (${malformed(parsed.problems.length)})`, path, undefined, reason);
  }
  return { ...parsed, from: path };
}

/**
 * A reader that returns the very same parsed table while the table's bytes are unchanged, so callers
 * that read it often (the watch tier, every second) can tell "unchanged" by identity and skip all work
 * per mount. Reading mountinfo costs the kernel little; parsing and planning 10,000 mounts would not.
 */
export function createMountTableReader(opts: ReadMountTableOptions = {}): () => Promise<MountTableRead> {
  if ((opts.platform ?? process.platform) !== 'linux') return () => readMountTable(opts);
  const path = opts.mountinfoPath ?? MOUNTINFO_PATH;
  let last: { bytes: Buffer; table: MountTableRead } | undefined;
  return async () => {
    const bytes = await readMountinfo(path, opts);
    if (last && bytes.equals(last.bytes)) return last.table;
    const table = mountinfoTable(bytes, path);
    last = { bytes, table };
    return table;
  };
}
