// A real automounter for tests: Debian's `automount` (package autofs) with a private master map and a map
// of tmpfs/bind entries, run in the foreground in its own session. Use inside privateMountNamespace().
//
// Rules that keep the test honest (kernel Documentation/filesystems/autofs.rst):
// - Processes in the daemon's process group never trigger mounts; every other process does, including
//   the test process itself. So the test process never touches a path under `mnt`: it triggers and uses
//   entries only from child processes (trigger(), spawnInside()), and reads /proc/self/mountinfo to look.
// - Cleanup stops the daemon (SIGTERM: it unmounts what it can), lazily unmounts what is left, and only
//   then removes the files (rm -rf over a live autofs tree would trigger every key it walks).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MountEntry } from '../../src/common/mount.js';
import { parseMountinfo } from '../../src/common/mount-table/mountinfo.js';
import { scaled } from './slowdown.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);

/**
 * Why this kernel cannot automount, or undefined when it can: autofs registered in /proc/filesystems, or
 * there as a module the automount daemon's open of /dev/autofs loads. No package brings a kernel feature,
 * so unlike a missing program this skips under CI too (see kernelLacks in namespace.ts).
 */
export function autofsUnavailable(): string | undefined {
  if (readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => l.split('\t')[1] === 'autofs')) return undefined;
  const modules = `/lib/modules/${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()}/kernel/fs/autofs`;
  if (existsSync(modules)) return undefined;
  return 'this kernel has no autofs (CONFIG_AUTOFS_FS not set: not in /proc/filesystems, no module)';
}

export interface AutomountOptions {
  /** Idle expiry, seconds (master map --timeout). Default 3. */
  timeout?: number;
  /** Map entries: key -> "options location" (e.g. "-fstype=tmpfs,size=1m :tmpfs"). Default: a, b, c below. */
  entries?: Record<string, string>;
  /** Add the `strictexpire` master map option. */
  strictexpire?: boolean;
  /** A direct map too (master map line `/- MAP`): absolute path -> "options location". */
  direct?: Record<string, string>;
}

export interface Automount {
  /** The autofs (indirect) mountpoint; never touch it from the test process. */
  mnt: string;
  /** A plain directory with a file `f` ("hello\n"), the source of the default bind entries. */
  src: string;
  map: string;
  pid: number;
  /** Current mount table. */
  entries(): MountEntry[];
  /** The autofs entry itself. */
  autofs(): MountEntry | undefined;
  /** Real mounts on the autofs mount (by parent id). */
  children(): MountEntry[];
  /** The real mount for a key, if mounted. */
  mountOf(key: string): MountEntry | undefined;
  /** Triggers a key from a child process (`ls`), and waits until its mount shows in mountinfo. */
  trigger(key: string): Promise<MountEntry>;
  /** Starts a child (not in the daemon's group) with `sh -c script`, cwd optional. */
  spawnInside(script: string, cwd?: string): ChildProcess;
  /** Whether the daemon process is still running. */
  alive(): boolean;
  /** Stops the daemon, unmounts what is left, removes the files. Idempotent. */
  stop(): Promise<void>;
  log(): string;
}

export function readMountTable(): MountEntry[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo')).entries;
}

/** Polls fn until it returns a value; timeoutMs scales with the machine's slowdown (slowdown.ts). */
export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + scaled(timeoutMs);
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startAutomount(options: AutomountOptions = {}): Promise<Automount> {
  const base = mkdtempSync(join(tmpdir(), 'msm-automount-'));
  const files = join(base, 'files');
  const mnt = join(base, 'mnt');
  const src = join(files, 'src');
  mkdirSync(src, { recursive: true });
  mkdirSync(mnt);
  writeFileSync(join(src, 'f'), 'hello\n');
  const map = join(files, 'auto.test');
  const master = join(files, 'auto.master');
  const pidfile = join(files, 'automount.pid');
  const logPath = join(files, 'automount.log');
  const entries = options.entries ?? {
    a: '-fstype=tmpfs,size=1m :tmpfs',
    b: `-fstype=bind :${src}`,
    c: `-fstype=bind :${src}`,
  };
  writeFileSync(map, Object.entries(entries).map(([k, v]) => `${k} ${v}\n`).join(''));
  const timeout = options.timeout ?? 3;
  const directMap = join(files, 'auto.direct');
  const direct = options.direct ?? {};
  writeFileSync(directMap, Object.entries(direct).map(([k, v]) => `${k.replace(/ /g, '\\ ')} ${v}\n`).join(''));
  writeFileSync(
    master,
    `${mnt} ${map} --timeout=${timeout}${options.strictexpire ? ' strictexpire' : ''}\n` +
      (Object.keys(direct).length > 0 ? `/- ${directMap} --timeout=${timeout}\n` : ''),
  );
  const logFd = openSync(logPath, 'a');
  // Node's child is not a group leader, so setsid(1) does not fork: the pid we get is the daemon's, and
  // it leads its own new process group (the pgrp= the kernel records for the autofs mount).
  const child = spawn('setsid', ['automount', '-f', '-t', String(timeout), '-p', pidfile, master], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = child.pid!;
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  const table = (): MountEntry[] => readMountTable();
  const autofs = (): MountEntry | undefined => table().find((e) => e.fstype === 'autofs' && e.mountpoint === mnt);
  const children = (): MountEntry[] => {
    const t = table();
    const a = t.find((e) => e.fstype === 'autofs' && e.mountpoint === mnt);
    return a ? t.filter((e) => e.parentId === a.mountId) : [];
  };
  const mountOf = (key: string): MountEntry | undefined => children().find((e) => e.mountpoint === join(mnt, key));
  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };

  let stopped = false;
  const h: Automount = {
    mnt,
    src,
    map,
    pid,
    entries: table,
    autofs,
    children,
    mountOf,
    async trigger(key) {
      await run('ls', [join(mnt, key)], { timeout: scaled(10_000) });
      return waitFor(`${key} to be mounted`, () => mountOf(key));
    },
    spawnInside(script, cwd) {
      return spawn('sh', ['-c', script], { stdio: 'ignore', ...(cwd ? { cwd } : {}) });
    },
    alive: () => !exited && pidAlive(pid),
    async stop() {
      if (stopped) return;
      stopped = true;
      if (!exited && pidAlive(pid)) {
        process.kill(pid, 'SIGTERM');
        await waitFor('automount to exit', () => exited || !pidAlive(pid), 10_000).catch(() => {
          if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
        });
      }
      // Whatever is still mounted under base or on a direct map's paths (busy mounts, a catatonic
      // autofs): detach, deepest first.
      const points = [mnt, ...Object.keys(direct)];
      const left = table()
        .filter((e) => points.some((p) => e.mountpoint === p || e.mountpoint.startsWith(p + '/')))
        .sort((x, y) => y.mountpoint.length - x.mountpoint.length);
      for (const e of left) await run('umount', ['-l', e.mountpoint]).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
    log,
  };
  try {
    await waitFor('the autofs mounts to appear', () => autofs() && Object.keys(direct).every((p) => table().some((e) => e.fstype === 'autofs' && e.mountpoint === p)), 10_000);
  } catch (e) {
    await h.stop();
    throw new Error(`${(e as Error).message}; automount log:\n${log()}`);
  }
  // The daemon mounts autofs first and finishes setting up right after; give it a moment.
  await sleep(300);
  return h;
}
