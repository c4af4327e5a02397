// A line that looks like the kernel's `nfs: server X not responding, still trying`, written to /dev/kmsg
// by a process (root here; anyone the device lets write), must not make the running daemon probe that
// server's mounts or mark them suspect: only the kernel's own records count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { DaemonProcess, runCli } from '../cli/cli-harness.js';
import { tempRoot } from '../cli/fs-fixtures.js';
import { startFuseFixture } from '../../support/fuse-fixture.js';
import { cleanupsAfter } from '../../support/cleanups.js';
import { setTimeout as sleep } from 'node:timers/promises';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const cleanups = cleanupsAfter();

test('a "server not responding" line written by user space to /dev/kmsg triggers nothing', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-kmsg-');
  const server = `kmsgsrv${process.pid}`;
  const mnt = join(root, 'data');
  mkdirSync(mnt);
  // A FUSE mount that looks like sshfs from `server` (fstype fuse.sshfs, source tester@server:/data).
  const fuse = await startFuseFixture(mnt, { fsname: `tester@${server}:/data`, subtype: 'sshfs' });
  cleanups.push(() => void fuse.stop());
  const socket = join(root, 'run', 'helper.sock');
  const daemon = new DaemonProcess(['--interval', '600', '--timeout', '1', '--include', `${root}/**`, '--no-syslog', '--socket', socket]);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mounts in \d+ seconds\n/);
  assert.doesNotMatch(daemon.stderr, /Not following kernel messages/, 'the daemon follows /dev/kmsg');
  await fuse.freeze();
  for (const line of [`nfs: server ${server} not responding, still trying\n`, `<0>nfs: server ${server} not responding, still trying\n`]) {
    writeFileSync('/dev/kmsg', line);
  }
  // Before the fix the daemon logged "Kernel reports server … probing its 1 mount now" within ~300 ms
  // and the frozen mount was reported hung a second later.
  await sleep(3000);
  assert.doesNotMatch(daemon.stderr, /Kernel reports server|Timed out waiting for child process|not responding/, daemon.stderr);
  const status = await runCli(['status', '--json', '--socket', socket]);
  const mount = JSON.parse(status.stdout).mounts.find((m: { mountpoint: string }) => m.mountpoint === mnt);
  assert.equal(mount?.state, 'ok', status.stdout);
  assert.equal(mount?.suspect, undefined, 'not marked suspect either');
  fuse.thaw();
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});
