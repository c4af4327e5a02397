// Runs msm-unmount (src/helper/native/msm-unmount.c) for one mount, under a deadline: an unmount can hang
// (a path walk through a dead server: umount(8), "-f ... can still hang"), and the helper must not. At
// the deadline the child gets SIGKILL; one stuck in the kernel (D state) cannot die until the filesystem
// lets go, so it is reported as such and left to be reaped whenever it exits (Node reaps every child it
// spawned). The helper's own process never touches the mountpoint: only this child does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeUtf8Lossless } from '../../common/mount-table/utf8.js';

/** dist/native/msm-unmount, seen from dist/src/helper/recovery/ (built by `make native`). */
export const UNMOUNT_PROGRAM = fileURLToPath(new URL('../../../native/msm-unmount', import.meta.url));

export interface UnmountChildRequest {
  mountId: number;
  /** "major:minor" from mountinfo. */
  device: string;
  mountpoint: string;
  /** Write to the FUSE connection's abort file first. */
  abortFuse: boolean;
  /** MNT_FORCE before the plain unmount. */
  force: boolean;
  /** Detach (MNT_DETACH) a mount still busy after the retries. */
  detachIfBusy: boolean;
  /** Only check the mount's identity (and abort FUSE if asked): no unmount. */
  verifyOnly?: boolean;
  /** How long a busy mount is retried (default: the program's, 1500 ms). */
  busyWaitMs?: number;
}

export type UnmountChildOutcome =
  /** left: the mount left the table during the unmount (someone else unmounted it); nothing was unmounted. */
  | { kind: 'done'; what: 'unmounted' | 'detached' | 'verified' | 'left'; steps: string[] }
  | { kind: 'failed'; errno: string; message: string; steps: string[] }
  /** The deadline passed: SIGKILL sent. `exited`: it died within the grace; otherwise it is stuck in the kernel. */
  | { kind: 'timed-out'; pid: number; exited: boolean; steps: string[] };

export type UnmountChildRunner = (request: UnmountChildRequest, timeoutMs: number) => Promise<UnmountChildOutcome>;

/** How long a killed child is given to exit before it is reported as stuck. */
const KILL_GRACE_MS = 500;

export function unmountProgramMissing(program = UNMOUNT_PROGRAM): string | undefined {
  return existsSync(program) ? undefined : `${program} is not built (run make native)`;
}

export function runUnmountChild(request: UnmountChildRequest, timeoutMs: number, program = UNMOUNT_PROGRAM): Promise<UnmountChildOutcome> {
  const args = [
    ...(request.abortFuse ? ['--abort-fuse'] : []),
    ...(request.force ? ['--force'] : []),
    ...(request.detachIfBusy ? ['--detach-if-busy'] : []),
    ...(request.verifyOnly ? ['--verify-only'] : []),
    ...(request.busyWaitMs !== undefined ? [`--busy-wait-ms=${Math.max(0, Math.round(request.busyWaitMs))}`] : []),
    String(request.mountId),
    request.device,
    Buffer.from(encodeUtf8Lossless(request.mountpoint)).toString('hex'),
  ];
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const steps = () => out.split('\n').filter((l) => l.startsWith('step ')).map((l) => l.slice(5));
    let timedOut = false;
    let settled = false;
    const settle = (outcome: UnmountChildOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      const grace = setTimeout(() => settle({ kind: 'timed-out', pid: child.pid ?? 0, exited: false, steps: steps() }), KILL_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(grace);
        settle({ kind: 'timed-out', pid: child.pid ?? 0, exited: true, steps: steps() });
      });
    }, timeoutMs);
    child.once('error', (e) => settle({ kind: 'failed', errno: (e as NodeJS.ErrnoException).code ?? 'EIO', message: `cannot run ${program}: ${e.message}`, steps: [] }));
    child.once('close', (code) => {
      if (timedOut) return;
      const last = out.trimEnd().split('\n').at(-1) ?? '';
      const done = /^done (unmounted|detached|verified|left)$/.exec(last);
      if (code === 0 && done) return settle({ kind: 'done', what: done[1] as 'unmounted' | 'detached' | 'verified' | 'left', steps: steps() });
      const failed = /^fail (\S+) (.*)$/.exec(last);
      if (failed) return settle({ kind: 'failed', errno: failed[1]!, message: failed[2]!, steps: steps() });
      settle({ kind: 'failed', errno: 'EIO', message: `${program} exited with ${code}: ${err.trim() || 'no answer'}`, steps: steps() });
    });
  });
}
