// Runs msm-nfs-shutdown (src/helper/native/msm-nfs-shutdown.c) for one mount, under a deadline: writing a
// sysfs knob should return at once, but the helper never waits on the kernel without one. At the
// deadline the child gets SIGKILL.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** dist/native/msm-nfs-shutdown, seen from dist/src/helper/recovery/ (built by `make native`). */
export const NFS_SHUTDOWN_PROGRAM = fileURLToPath(new URL('../../../native/msm-nfs-shutdown', import.meta.url));

export type NfsShutdownOutcome =
  | { kind: 'done'; what: 'shutdown' | 'already'; steps: string[] }
  /** errno ENOSYS: this kernel has no knob for the superblock. */
  | { kind: 'failed'; errno: string; message: string; steps: string[] };

export type NfsShutdownRunner = (mount: { mountId: number; device: string }, timeoutMs: number) => Promise<NfsShutdownOutcome>;

export function runNfsShutdownChild(mount: { mountId: number; device: string }, timeoutMs: number, program = NFS_SHUTDOWN_PROGRAM): Promise<NfsShutdownOutcome> {
  return new Promise((resolve) => {
    execFile(program, [String(mount.mountId), mount.device], { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const out = stdout.trimEnd().split('\n');
      const steps = out.filter((l) => l.startsWith('step ')).map((l) => l.slice(5));
      const last = out.at(-1) ?? '';
      const done = /^done (shutdown|already)$/.exec(last);
      if (!err && done) return resolve({ kind: 'done', what: done[1] as 'shutdown' | 'already', steps });
      const failed = /^fail (\S+) (.*)$/.exec(last);
      if (failed) return resolve({ kind: 'failed', errno: failed[1]!, message: failed[2]!, steps });
      const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
      const message = e?.killed ? `${program} did not finish within ${timeoutMs} ms and was killed` : `cannot run ${program}: ${(stderr || e?.message || 'no answer').trim()}`;
      resolve({ kind: 'failed', errno: e?.killed ? 'ETIMEDOUT' : 'EIO', message, steps });
    });
  });
}
