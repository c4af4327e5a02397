import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { scanUsage } from '../../../src/node/automount/usage.js';
import { parseGrepMaps, type ProcReader } from '../../../src/node/passive/proc.js';
import { MountIndex } from '../../../src/common/mount-table/path-to-mount.js';

const entries = parseMountinfo(
  [
    '1 0 254:0 / / rw - ext4 /dev/vda rw',
    '20 1 0:40 / /home rw - autofs auto.home rw,fd=5,pgrp=900,timeout=300,indirect',
    '21 20 0:50 / /home/alice rw - nfs4 nfs1:/home/alice rw',
    '22 20 0:51 / /home/bob rw - nfs4 nfs1:/home/bob rw',
    '23 22 0:52 / /home/bob/scratch rw - tmpfs tmpfs rw',
    '24 20 0:53 / /home/carol rw - nfs4 nfs1:/home/carol rw',
    '25 20 0:54 / /home/dave rw - nfs4 nfs1:/home/dave rw',
  ].join('\n'),
).entries;

interface FakeProcess {
  /** Default 1000. */
  uid?: number;
  cwd?: string;
  root?: string;
  fds?: Record<string, [string, number]>;
}

/**
 * A fake /proc: pid -> {uid, cwd, root, fds: fd -> [link, mnt_id]}. Keeps the fdinfo files read (to show
 * what is not read) and counts every read; each read costs `costUs` of CPU.
 */
function fakeProc(procs: Record<number, FakeProcess>, costUs = 0) {
  const reads: string[] = [];
  const count = { all: 0 };
  const spin = () => {
    count.all++;
    const until = performance.now() + costUs / 1000;
    while (performance.now() < until);
  };
  const proc: ProcReader = {
    pids: () => Object.keys(procs).map(Number),
    *list(dir) {
      const m = /^\/proc\/(\d+)\/fd$/.exec(dir);
      const p = m && procs[Number(m[1])];
      // Named one by one, as the real one does: what the scan never asks for is never listed.
      for (const fd of p ? Object.keys(p.fds ?? {}) : []) {
        spin();
        yield fd;
      }
    },
    readlink(path) {
      spin();
      const m = /^\/proc\/(\d+)\/(cwd|root|fd\/(\d+))$/.exec(path)!;
      const p = procs[Number(m[1])];
      if (!p) return undefined;
      if (m[2] === 'cwd') return p.cwd ?? '/';
      if (m[2] === 'root') return p.root ?? '/';
      return p.fds?.[m[3]!]?.[0];
    },
    read(path) {
      spin();
      const status = /^\/proc\/(\d+)\/status$/.exec(path);
      if (status) {
        const p = procs[Number(status[1])];
        return p && `Name:\tx\nState:\tS (sleeping)\nUid:\t${p.uid ?? 1000}\t0\t0\t0\nVmSize:\t  1000 kB\nThreads:\t1\n`;
      }
      reads.push(path);
      const m = /^\/proc\/(\d+)\/fdinfo\/(\d+)$/.exec(path)!;
      const fd = procs[Number(m[1])]?.fds?.[m[2]!];
      return fd ? `pos:\t0\nflags:\t0100000\nmnt_id:\t${fd[1]}\nino:\t12\n` : undefined;
    },
  };
  return { proc, reads, count };
}

test('cwd, open files (exact mnt_id from fdinfo) and mappings make mounts busy, with their ancestors', async () => {
  const { proc, reads } = fakeProc({
    100: { cwd: '/home/alice/src' },
    101: { fds: { '0': ['/dev/null', 5], '3': ['/home/bob/scratch/x.log', 23], '4': ['socket:[991]', 9], '5': ['/var/log/syslog', 1] } },
    102: { cwd: '/tmp', root: '/' },
    [process.pid]: { cwd: '/home/dave' },
  });
  const mapped = async () => [{ pid: 102, path: '/home/carol/bin/tool (deleted)' }];
  const scan = await scanUsage({ entries, of: [21, 22, 23, 24, 25], proc, mapped });
  assert.deepEqual([...scan.busy].sort((a, b) => a - b), [1, 20, 21, 22, 23, 24]);
  assert.equal(scan.users.get(21), 'pid 100 cwd');
  assert.equal(scan.users.get(23), 'pid 101 fd 3');
  assert.equal(scan.users.get(24), 'pid 102 mmap');
  assert.equal(scan.busy.has(25), false, 'our own process does not count');
  // Only the fd under an automount had its fdinfo read.
  assert.deepEqual(reads, ['/proc/101/fdinfo/3']);
  assert.equal(scan.fds, 4);
});

test('excluded pids (our probe children) do not count; nothing of interest: no scan at all', async () => {
  const { proc } = fakeProc({ 200: { cwd: '/home/alice' } });
  const scan = await scanUsage({ entries, of: [21], proc, mapped: false, excludePids: [200] });
  assert.equal(scan.busy.size, 0);
  let listed = false;
  const spy: ProcReader = { ...proc, pids: () => ((listed = true), [200]) };
  const none = await scanUsage({ entries, of: [], proc: spy, mapped: false });
  assert.equal(none.processes, 0);
  assert.equal(listed, false);
});

test('an fd closed between readlink and fdinfo falls back to the path', async () => {
  const { proc } = fakeProc({ 300: { fds: { '7': ['/home/bob/f', 22] } } });
  const scan = await scanUsage({ entries, of: [22], proc: { ...proc, read: (path) => (path.endsWith('/status') ? proc.read(path) : undefined) }, mapped: false });
  assert.ok(scan.busy.has(22));
});

test('path to mount: longest mountpoint, stacked mounts all named, relative links ignored', () => {
  const idx = new MountIndex(
    parseMountinfo(['1 0 1:1 / / rw - ext4 a rw', '2 1 1:2 / /m rw - tmpfs t rw', '3 1 1:3 / /m rw - tmpfs t rw', '4 3 1:4 / /m/n rw - tmpfs t rw'].join('\n')).entries,
  );
  assert.deepEqual(idx.mountsOf('/m/n/x'), [4]);
  assert.deepEqual(idx.mountsOf('/m/nn'), [2, 3]);
  assert.deepEqual(idx.mountsOf('/etc/passwd'), [1]);
  assert.deepEqual(idx.mountsOf('pipe:[12]'), []);
  assert.deepEqual([...idx.withAncestors([4])].sort(), [1, 3, 4]);
});

test('grep output over /proc/PID/maps', () => {
  const out = [
    '/proc/42/maps:7f00-7f10 r--p 00000000 00:32 12 /home/carol/lib/libx.so',
    '/proc/43/maps:7f00-7f10 r-xp 00000000 00:32 13                         /home/carol/with space/bin',
    '/proc/44/maps:7f00-7f10 rw-p 00000000 00:00 0 ',
    '',
  ].join('\n');
  assert.deepEqual(parseGrepMaps(out), [
    { pid: 42, path: '/home/carol/lib/libx.so' },
    { pid: 43, path: '/home/carol/with space/bin' },
  ]);
});

test("one user's hundreds of thousands of open files: her share is read, the rest counted; another user's uses are still found", async () => {
  const processes: Record<number, FakeProcess> = {};
  const many = (n: number): Record<string, [string, number]> => Object.fromEntries(Array.from({ length: n }, (_, i) => [String(i), ['/dev/null', 5] as [string, number]]));
  // 25 processes of hers with 20,000 files each, the one in a mount of interest last.
  for (let i = 0; i < 25; i++) processes[2000 + i] = { uid: 1001, fds: { ...many(19_999), '19999': ['/home/alice/f', 21] } };
  processes[3000] = { uid: 1002, cwd: '/home/carol' };
  processes[3001] = { uid: 1002, fds: { '0': ['/dev/null', 5], '4': ['/home/bob/scratch/log', 23] } };
  const { proc, count } = fakeProc(processes);
  const limits = { scanReads: 10_000, userReads: 2_000, sliceMs: 2 };
  const scan = await scanUsage({ entries, of: [21, 22, 23, 24, 25], proc, mapped: false, limits });
  assert.equal(scan.users.get(24), 'pid 3000 cwd');
  assert.equal(scan.users.get(23), 'pid 3001 fd 4');
  assert.equal(scan.busy.has(21), false, 'her file in /home/alice lay beyond her share');
  assert.equal(scan.unexamined, 25, 'her processes whose files were not all read are counted');
  assert.equal(scan.processes, 27);
  assert.ok(count.all <= 27 * 3 + limits.userReads + 10, `${count.all} reads for 500,000 open files (her share ${limits.userReads})`);
});

test('the scan works in slices: timers run while it reads, and the whole-scan budget bounds it, counting the processes never read', async () => {
  const processes: Record<number, FakeProcess> = {};
  const fds = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [String(i), ['/dev/null', 5] as [string, number]]));
  for (let i = 0; i < 40; i++) processes[1000 + i] = { uid: 1000 + i, fds };
  for (let i = 0; i < 8000; i++) processes[10_000 + i] = { uid: 5000 };
  const { proc, count } = fakeProc(processes, 5); // 5 µs a read
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  const scan = await scanUsage({ entries, of: [21], proc, mapped: false, limits: { scanReads: 20_000, userReads: 4_000, sliceMs: 4 } });
  const ms = performance.now() - started;
  clearInterval(timer);
  assert.ok(count.all <= 20_000 + 40, `${count.all} reads`);
  // 3 reads a process (status, cwd, root): the budget ends after ~6,666 of the 8,040; the rest are counted.
  assert.ok(scan.processes < 8040 && scan.unexamined >= 8040 - scan.processes, `${scan.processes} read, ${scan.unexamined} unexamined`);
  // ~100 ms of reads: a scan that never yielded would let the 1 ms timer run at most once.
  assert.ok(ticks >= 5, `the timer ran ${ticks} times during a ${ms.toFixed(0)} ms scan`);
});
