// Real mounts for the CLI tests, made inside the test's private mount namespace.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMounted } from '../../support/mounts.js';
import { setTimeout as sleep } from 'node:timers/promises';

export function tempRoot(prefix: string): string {
  return mkdtempSync(join('/tmp', prefix));
}

export function mountTmpfs(path: string, opts = 'size=1m'): void {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', path]);
}

export { isMounted };

export async function waitMounted(path: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!isMounted(path)) {
    if (Date.now() > until) throw new Error(`${path} did not get mounted in ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** bindfs in the foreground, so the test owns its PID: SIGSTOP it for a hung mount, SIGKILL for ENOTCONN. */
export async function startBindfs(source: string, mountpoint: string): Promise<ChildProcess & { pid: number }> {
  mkdirSync(source, { recursive: true });
  mkdirSync(mountpoint, { recursive: true });
  const child = spawn('bindfs', ['-f', '-o', 'allow_other', source, mountpoint], { stdio: 'ignore' });
  await waitMounted(mountpoint);
  return child as ChildProcess & { pid: number };
}

/**
 * Ends a bindfs (stopped or not) and detaches its mount. The kernel may already have taken a mount whose
 * FUSE daemon died away: only a mount still there and not detached is an error.
 */
export function stopBindfs(bindfs: ChildProcess, mountpoint: string): void {
  bindfs.kill('SIGCONT');
  bindfs.kill('SIGKILL');
  detach(mountpoint);
}

/** umount -l, where a mount already gone is not an error. */
export function detach(mountpoint: string): void {
  try {
    execFileSync('umount', ['-l', mountpoint], { stdio: 'pipe' });
  } catch (e) {
    if (isMounted(mountpoint)) throw e;
  }
}

/** Children of a process, from /proc (never from any mount). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
