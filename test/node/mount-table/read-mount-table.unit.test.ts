import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MountTableUnreadableError, readMountTable } from '../../../src/node/mount-table/read-mount-table.js';

const LINE = '36 35 98:0 / /mnt rw - ext4 /dev/sda1 rw\n';

test('linux: reads mountinfo bytes through the injected reader and parses them', async () => {
  const seen: string[] = [];
  const r = await readMountTable({
    platform: 'linux',
    readFile: async (p) => (seen.push(p), Buffer.concat([Buffer.from(LINE), Buffer.from('37 36 0:1 / /x'), Buffer.from([0xff]), Buffer.from(' rw - tmpfs t rw\nbad line\n')])),
  });
  assert.deepEqual(seen, ['/proc/self/mountinfo']);
  assert.equal(r.from, '/proc/self/mountinfo');
  assert.deepEqual(r.entries.map((e) => e.mountpoint), ['/mnt', '/x\udcff']);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.line, 3);
});

test('linux: an unreadable table throws a clear error, the only failure of a sweep', async () => {
  await assert.rejects(
    readMountTable({ platform: 'linux', mountinfoPath: '/nonexistent/mountinfo' }),
    (e: unknown) => e instanceof MountTableUnreadableError && e.code === 'ENOENT' && /cannot read the mount table \/nonexistent\/mountinfo/.test(e.message),
  );
  await assert.rejects(readMountTable({ platform: 'linux', readFile: async () => Buffer.from('garbage\n') }), /no readable entries \(1 malformed/);
});

test('darwin/freebsd: runs the mount command with LC_ALL=C and a timeout, and parses its listing', async () => {
  const calls: { file: string; timeout: number; lc: string | undefined }[] = [];
  const r = await readMountTable({
    platform: 'darwin',
    timeoutMs: 1234,
    execFile: async (file, _args, opts) => (calls.push({ file, timeout: opts.timeout, lc: opts.env.LC_ALL }), '/dev/disk3s1s1 on / (apfs, local)\n'),
  });
  assert.deepEqual(calls, [{ file: '/sbin/mount', timeout: 1234, lc: 'C' }]);
  assert.equal(r.entries[0]!.fstype, 'apfs');
  await assert.rejects(
    readMountTable({ platform: 'freebsd', execFile: async () => Promise.reject(Object.assign(new Error('x'), { killed: true })), timeoutMs: 5 }),
    /cannot list mounts with \/sbin\/mount: did not finish within 5 ms/,
  );
});

test('a real command that does not answer is killed at the timeout', async () => {
  // A script standing in for a `mount` that hangs: the reader must give up with a clear error, not hang.
  const dir = mkdtempSync(join(tmpdir(), 'msm-mount-'));
  const script = join(dir, 'mount');
  writeFileSync(script, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
  try {
    const t0 = Date.now();
    await assert.rejects(readMountTable({ platform: 'freebsd', mountCommand: script, timeoutMs: 200 }), /did not finish within 200 ms/);
    assert.ok(Date.now() - t0 < 20_000, 'did not hang');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unsupported platforms say so', async () => {
  await assert.rejects(readMountTable({ platform: 'win32' }), /no mount table reader for platform win32/);
});

test('the real /proc/self/mountinfo of this machine parses without problems', { skip: process.platform !== 'linux' }, async () => {
  const r = await readMountTable();
  assert.deepEqual(r.problems, []);
  assert.ok(r.entries.some((e) => e.mountpoint === '/'));
});
