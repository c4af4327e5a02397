// Real mounts for integration tests, made as root inside the test file's private mount namespace
// (namespace.ts), so nothing reaches the host. Each test gets a temp root on its own tmpfs: every
// mountpoint under it lives in that tmpfs, and one lazy unmount takes the whole tree away.
//
// Everything here is synchronous and shells out to util-linux mount(8)/umount(8) with
// --no-canonicalize, which keeps them from realpath()ing (and so touching) paths under a possibly hung
// mount. The test process itself never stats a mountpoint: it reads /proc/self/mountinfo instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bound for one mount(8)/umount(8) call: they only touch tmpfs or use --no-canonicalize, so this is slack. */
const COMMAND_TIMEOUT_MS = 10_000;

export interface MountLine {
  id: number;
  parentId: number;
  /** "major:minor" of the filesystem (field 3). */
  device: string;
  /** Decoded (every \ooo escape, proc(5)); bytes that are not UTF-8 come out as U+FFFD. */
  mountpoint: string;
  fstype: string;
  source: string;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS });
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim() || `exit ${r.status ?? r.signal}`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${why}`);
  }
}

/**
 * Decodes one mountinfo field read as latin1 (one char per byte): the kernel escapes space, tab,
 * newline and backslash as \ooo (proc(5), show_mountinfo()) and passes every other byte through.
 */
function decodeField(field: string): string {
  const bytes = Buffer.from(field, 'latin1');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    const oct = field.slice(i + 1, i + 4);
    if (b === 0x5c && /^[0-7]{3}$/.test(oct)) {
      out.push(parseInt(oct, 8));
      i += 3;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out).toString('utf8');
}

/** This namespace's mounts, read from procfs (never by touching a mountpoint). */
export function listMounts(): MountLine[] {
  const out: MountLine[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'latin1').split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    // Optional fields vary in number; the ' - ' separator splits them from fstype and source.
    const sep = f.indexOf('-', 6);
    if (sep < 0) continue;
    out.push({
      id: Number(f[0]),
      parentId: Number(f[1]),
      device: f[2] ?? '',
      mountpoint: decodeField(f[4] ?? ''),
      fstype: decodeField(f[sep + 1] ?? ''),
      source: decodeField(f[sep + 2] ?? ''),
    });
  }
  return out;
}

/** The mounts stacked on `path`, oldest first (the last one is the one a lookup sees). */
export function mountsAt(path: string): MountLine[] {
  return listMounts().filter((m) => m.mountpoint === path);
}

export function isMounted(path: string): boolean {
  return mountsAt(path).length > 0;
}

export interface TmpfsOptions {
  /** Root directory mode, e.g. 0o700 (default tmpfs: 01777). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** tmpfs size= (default "1m"). */
  size?: string;
  /** Source name shown in the mount table (default "msm-test"). */
  source?: string;
  /** Create `path` first (plain mkdir; the parent must exist). Default true. */
  mkdir?: boolean;
}

/** Mounts a fresh tmpfs on `path`, returning `path`. */
export function mountTmpfs(path: string, opts: TmpfsOptions = {}): string {
  if (opts.mkdir !== false) mkdirIfMissing(path);
  const o = [`size=${opts.size ?? '1m'}`];
  if (opts.mode !== undefined) o.push(`mode=${opts.mode.toString(8).padStart(4, '0')}`);
  if (opts.uid !== undefined) o.push(`uid=${opts.uid}`);
  if (opts.gid !== undefined) o.push(`gid=${opts.gid}`);
  run('mount', ['--no-canonicalize', '-t', 'tmpfs', '-o', o.join(','), opts.source ?? 'msm-test', path]);
  return path;
}

/** Bind-mounts `source` on `target` (made if missing), read-only if asked, returning `target`. */
export function bindMount(source: string, target: string, opts: { readOnly?: boolean; mkdir?: boolean } = {}): string {
  if (opts.mkdir !== false) mkdirIfMissing(target);
  run('mount', ['--no-canonicalize', '--bind', source, target]);
  // A read-only bind needs a second, remount call (mount(8), "bind mount operation").
  if (opts.readOnly) run('mount', ['--no-canonicalize', '-o', 'remount,bind,ro', target]);
  return target;
}

/**
 * Unmounts the top mount on `path`. `lazy` (MNT_DETACH, umount(2)) detaches it and every mount below it
 * at once, even when busy or hung; without it a busy mount makes this throw.
 */
export function umount(path: string, opts: { lazy?: boolean } = {}): void {
  run('umount', ['--no-canonicalize', ...(opts.lazy ? ['-l'] : []), path]);
}

/** Makes `path` with a plain mkdir(2): unlike {recursive: true} it never stats an existing path. */
function mkdirIfMissing(path: string): void {
  try {
    mkdirSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

export interface TempRoot {
  /** A fresh directory on its own tmpfs (mode 0755, so probes that setuid can walk through it). */
  path: string;
  /** path joined with `parts`. */
  join(...parts: string[]): string;
  /** Lazily unmounts the tmpfs and everything mounted under it, then removes the empty directory. */
  cleanup(): void;
}

/** A temp root for one test (or one file). Call cleanup() in after()/t.after(). */
export function makeTempRoot(prefix = 'msm-test-', size = '64m'): TempRoot {
  const path = mkdtempSync(join(tmpdir(), prefix));
  mountTmpfs(path, { mode: 0o755, size, source: 'msm-test-root', mkdir: false });
  let done = false;
  return {
    path,
    join: (...parts) => join(path, ...parts),
    cleanup() {
      if (done) return;
      done = true;
      // One MNT_DETACH takes the tmpfs and every mount below it (FUSE ones included, hung or not).
      while (isMounted(path)) umount(path, { lazy: true });
      // Now a plain empty directory on the outer /tmp: rmdir, never a recursive rm that could wander.
      rmdirSync(path);
    },
  };
}
