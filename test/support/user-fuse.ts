// A FUSE mount made by an unprivileged user the way users make them: the msm-fusefix daemon
// (test/fixtures/fuse/msm-fusefix.c) run as that user with setpriv, mounting through the setuid
// fusermount3, without allow_other. Run inside privateMountNamespace(), as root.
//
// /dev/fuse is 0600 on this machine (distributions ship it 0666): fuse-fixture.ts's openDevFuse() binds a
// 0666 node over it, in the test's private mount namespace only.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFuseFixture, type FuseMode } from './fuse-fixture.js';
import { listMounts } from './mounts.js';
import { asUser, type User } from './test-user.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface UserFuse {
  readonly pid: number;
  /** The mount's id in /proc/self/mountinfo: the mount is found by it after its path has moved. */
  readonly mountId: number;
  setMode(mode: FuseMode): void;
  stop(): Promise<void>;
}

/** Mounts msm-fusefix on `mountpoint` (an existing directory `user` owns) as `user`. */
export async function startUserFuse(mountpoint: string, user: User, mode: FuseMode = 'ok'): Promise<UserFuse> {
  const binary = buildFuseFixture();
  const controlDir = mkdtempSync(join(tmpdir(), 'msm-ipc-userfuse-'));
  chmodSync(controlDir, 0o755); // the daemon, as the user, reads its mode from here
  const control = join(controlDir, 'mode');
  const setMode = (m: FuseMode) => {
    writeFileSync(`${control}.tmp`, `${m}\n`, { mode: 0o644 });
    renameSync(`${control}.tmp`, control);
  };
  setMode(mode);
  const before = new Set(listMounts().map((m) => m.id));
  const [cmd, ...args] = asUser(user, [binary, `--control=${control}`, `--root-uid=${user.uid}`, `--root-gid=${user.gid}`, mountpoint, '-f']);
  const child: ChildProcess = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  let mountId: number | undefined;
  while (mountId === undefined) {
    mountId = listMounts().find((m) => m.mountpoint === mountpoint && m.fstype === 'fuse.msm-fusefix' && !before.has(m.id))?.id;
    if (mountId !== undefined) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(controlDir, { recursive: true, force: true });
      throw new Error(`msm-fusefix as uid ${user.uid} did not mount ${mountpoint}: ${stderr}`);
    }
    await sleep(20);
  }
  return {
    pid: child.pid!,
    mountId,
    setMode,
    async stop() {
      // The mount itself goes with the test's namespace (or its temp root's lazy unmount).
      setMode('ok');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
}
