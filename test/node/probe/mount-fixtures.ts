// Real mounts for the probe tests, made inside the test's private mount namespace (namespace.ts).
// Everything lives on a scratch tmpfs, so it all vanishes with the namespace even if cleanup fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

export function mountTmpfs(path: string, options = 'size=1m'): void {
  sh('mount', ['-t', 'tmpfs', '-o', options, 'msm-test', path]);
}

/** A scratch directory on its own tmpfs; `dispose()` unmounts it (lazily) and removes it. */
export function scratch(): { dir: string; dispose(): void } {
  const dir = mkdtempSync('/tmp/msm-probe-');
  mountTmpfs(dir, 'size=64m,mode=0755');
  return {
    dir,
    dispose() {
      spawnSync('umount', ['-l', dir]);
      rmdirSync(dir);
    },
  };
}

/** Makes `path` and mounts a fresh tmpfs on it. */
export function tmpfsAt(path: string, options?: string): string {
  mkdirSync(path, { recursive: true });
  mountTmpfs(path, options);
  return path;
}

function mounted(path: string): boolean {
  // The kernel escapes space, tab, newline and backslash in mountinfo (proc(5)); the bindfs tests use plain names.
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path);
}

/** bindfs in the foreground (-f), so the test owns the daemon's PID to SIGSTOP/SIGKILL it. */
export async function startBindfs(source: string, mountpoint: string): Promise<{ daemon: ChildProcess; dispose(): void }> {
  mkdirSync(source, { recursive: true });
  mkdirSync(mountpoint, { recursive: true });
  const daemon = spawn('bindfs', ['-f', source, mountpoint], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!mounted(mountpoint)) {
    if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`bindfs did not mount ${mountpoint}`);
    await sleep(20);
  }
  return {
    daemon,
    dispose() {
      if (daemon.exitCode === null && daemon.signalCode === null) {
        daemon.kill('SIGCONT');
        daemon.kill('SIGKILL');
      }
      spawnSync('umount', ['-l', mountpoint]);
    },
  };
}


/**
 * SIGSTOPs a FUSE daemon and waits until every one of its threads is stopped (state T in
 * /proc/<pid>/task/<tid>/stat). Until then a thread already blocked in read(/dev/fuse) may still take one
 * more request (fuse_dev_do_read() checks for a pending request before the signal), and a probe whose
 * request was taken stays in D state after SIGKILL: the "stuck" case, which this fixture must not cause.
 */
export async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const states = readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    });
    if (states.every((s) => s === 'T' || s === 't')) return;
    if (Date.now() > deadline) throw new Error(`FUSE daemon ${pid} did not stop: thread states ${states.join('')}`);
    await sleep(10);
  }
}
