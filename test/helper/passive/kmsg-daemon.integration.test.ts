// A kernel line `nfs: server X not responding, still trying` (written to /dev/kmsg as root) makes the
// running daemon probe that server's mounts at once, long before its next sweep.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateMountNamespace, skipOrFail } from '../../support/namespace.js';
import { DaemonProcess } from '../cli/cli-harness.js';
import { tempRoot } from '../cli/fs-fixtures.js';
import { startFuseFixture } from '../../support/fuse-fixture.js';

const ns = privateMountNamespace(import.meta.url);
const skip = skipOrFail(ns.canMount ? undefined : ns.reason);
const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

test('a kernel "server not responding" line triggers an immediate probe of that server\'s mounts', { skip, timeout: 60_000 }, async () => {
  const root = tempRoot('msm-kmsg-');
  const server = `kmsgsrv${process.pid}`;
  const mnt = join(root, 'data');
  mkdirSync(mnt);
  // A FUSE mount that looks like sshfs from `server` (fstype fuse.sshfs, source tester@server:/data).
  const fuse = await startFuseFixture(mnt, { fsname: `tester@${server}:/data`, subtype: 'sshfs' });
  cleanups.push(() => void fuse.stop());
  const daemon = new DaemonProcess(['--interval', '600', '--timeout', '1', '--include', `${root}/**`, '--no-syslog', '--socket', '']);
  cleanups.push(() => daemon.stop());
  await daemon.waitFor(/Checked 1 mount in \d+ seconds?\n/);
  await fuse.freeze();
  const wrote = Date.now();
  writeFileSync('/dev/kmsg', `nfs: server ${server} not responding, still trying\n`);
  await daemon.waitFor(new RegExp(`Kernel reports server ${server} not responding: probing its 1 mount now`), 5000);
  await daemon.waitFor(/Timed out waiting for child process \d+: sending SIGKILL/, 5000);
  const ms = Date.now() - wrote;
  await daemon.waitFor(new RegExp(`Mountpoint ${mnt.replace(/[/.]/g, '\\$&')} is not responding`), 2000);
  console.log(`# kernel line to hung report: ${ms} ms (interval 600 s, timeout 1 s)`);
  assert.ok(ms < 5000);
  daemon.child.kill('SIGTERM');
  assert.equal((await daemon.exited()).code, 0);
});
