import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MountEntry } from '../../../src/common/mount.js';
import { scanBlocked } from '../../../src/node/passive/blocked-processes.js';
import type { ProcReader } from '../../../src/node/passive/proc.js';

const entry = (mountId: number, mountpoint: string): MountEntry =>
  ({ mountId, parentId: 1, mountpoint, fstype: 'fuse.x', source: 'x', options: [], superOptions: [], major: 0, minor: mountId, root: '/', optionalFields: [] }) as unknown as MountEntry;
const entries = [entry(1, '/'), entry(10, '/mnt/hung'), entry(11, '/home/alice')];

interface FakeProcess {
  uid: number;
  state: string;
  wchan?: string;
  cwd?: string;
  fds?: string[];
  comm?: string;
}

/** A /proc of these processes that counts every read, by kind. */
function fakeProc(processes: Record<number, FakeProcess>, costUs = 0) {
  const reads: string[] = [];
  const spin = () => {
    const until = performance.now() + costUs / 1000;
    while (performance.now() < until);
  };
  const of = (path: string) => processes[Number(path.split('/')[2])];
  const proc: ProcReader = {
    pids: () => Object.keys(processes).map(Number),
    *list(dir) {
      const p = of(dir);
      // Named one by one, as the real one does: what the scan never asks for is never listed.
      for (let i = 0; p && dir.endsWith('/fd') && i < (p.fds ?? []).length; i++) {
        reads.push(`${dir} entry`);
        yield String(i);
      }
    },
    readlink(path) {
      reads.push(path);
      spin();
      const p = of(path);
      const link = path.split('/').slice(3).join('/');
      if (!p) return undefined;
      if (link === 'cwd') return p.cwd ?? '/';
      if (link === 'root') return '/';
      if (link === 'exe') return '/usr/bin/x';
      return p.fds?.[Number(link.slice(3))];
    },
    read(path) {
      reads.push(path);
      spin();
      const p = of(path);
      if (!p) return undefined;
      if (path.endsWith('/status')) return `Name:\tx\nState:\t${p.state} (x)\nUid:\t${p.uid}\t${p.uid}\t${p.uid}\t${p.uid}\nVmSize:\t  1000 kB\nThreads:\t1\n`;
      if (path.endsWith('/wchan')) return p.wchan ?? 'do_select';
      if (path.endsWith('/comm')) return `${p.comm ?? 'x'}\n`;
      return undefined;
    },
  };
  return { proc, reads };
}

test('waiting processes are found by cwd, open file or mapping; sleeping ones and our probes are not', async () => {
  const { proc, reads } = fakeProc({
    100: { uid: 1000, state: 'S', wchan: 'request_wait_answer', cwd: '/mnt/hung/x', fds: ['/dev/null', '/mnt/hung/a'], comm: 'cat' },
    101: { uid: 1000, state: 'D', fds: ['/dev/null', '/home/alice/f'], comm: 'vim' },
    102: { uid: 0, state: 'S', wchan: 'do_select', cwd: '/mnt/hung' }, // asleep elsewhere, not waiting
    103: { uid: 0, state: 'D', cwd: '/mnt/hung' }, // our probe
    104: { uid: 1001, state: 'D', fds: ['/tmp/x'], comm: 'mapper' },
  });
  const scan = await scanBlocked({
    entries,
    targets: [10, 11],
    excludePids: [103],
    proc,
    mapped: async (pids, points) => (assert.deepEqual(points, ['/mnt/hung', '/home/alice']), pids.includes(104) ? [{ pid: 104, path: '/mnt/hung/lib.so' }] : []),
  });
  assert.deepEqual(scan.byMount.get(10), [
    { pid: 100, comm: 'cat', uid: 1000 },
    { pid: 104, comm: 'mapper', uid: 1001 },
  ]);
  assert.deepEqual(scan.byMount.get(11), [{ pid: 101, comm: 'vim', uid: 1000 }]);
  assert.equal(scan.unexamined, 0);
  assert.ok(!reads.some((r) => r.startsWith('/proc/100/fd')), 'found through its cwd: its open files are not read');
  assert.ok(!reads.some((r) => r.startsWith('/proc/103/')), 'our probe is not looked at');
});

test("one user's thousands of open files: her share is read, the rest counted; another user's process is still found", async () => {
  const processes: Record<number, FakeProcess> = {};
  // 25 processes waiting in a filesystem wait, 20,000 files each, the one in the mount last.
  for (let i = 0; i < 25; i++) processes[2000 + i] = { uid: 1001, state: 'S', wchan: 'request_wait_answer', fds: [...Array<string>(19_999).fill('/dev/null'), '/mnt/hung/f'] };
  processes[3000] = { uid: 1000, state: 'D', fds: ['/dev/null', '/mnt/hung/mine'], comm: 'victim' };
  const { proc, reads } = fakeProc(processes);
  const limits = { scanReads: 10_000, userReads: 2_000, sliceMs: 2 };
  const scan = await scanBlocked({ entries, targets: [10], proc, mapped: false, limits });
  assert.deepEqual(scan.byMount.get(10), [{ pid: 3000, comm: 'victim', uid: 1000 }], "the other user's waiting process is found");
  assert.equal(scan.unexamined, 25, "her processes whose files were not all read are counted, not named");
  const hers = reads.filter((r) => /^\/proc\/20\d\d\//.test(r)).length;
  assert.ok(hers <= limits.userReads + 25 + 1, `${hers} reads for her processes (share ${limits.userReads}, plus one status each, and the name that found it spent)`);
  assert.ok(reads.length < 5000, `${reads.length} reads in all, for 500,000 open files`);
});

test('D state is examined first: a process in D gets the share before one in a filesystem wait', async () => {
  const { proc } = fakeProc({
    50: { uid: 1000, state: 'S', wchan: 'request_wait_answer', fds: Array<string>(30).fill('/dev/null'), comm: 'slow' },
    60: { uid: 1000, state: 'D', fds: [...Array<string>(30).fill('/dev/null'), '/mnt/hung/x'], comm: 'stuck' },
  });
  const scan = await scanBlocked({ entries, targets: [10], proc, mapped: false, limits: { scanReads: 1000, userReads: 80, sliceMs: 4 } });
  assert.deepEqual(scan.byMount.get(10)?.map((p) => p.comm), ['stuck']);
  assert.equal(scan.unexamined, 1);
});

test('the scan works in slices: timers run while it reads, and the whole-scan budget bounds it', async () => {
  const processes: Record<number, FakeProcess> = {};
  for (let i = 0; i < 40; i++) processes[1000 + i] = { uid: 1000 + i, state: 'D', fds: Array<string>(2000).fill('/dev/null') };
  const { proc, reads } = fakeProc(processes, 5); // 5 µs a read
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = performance.now();
  const scan = await scanBlocked({ entries, targets: [10], proc, mapped: false, limits: { scanReads: 20_000, userReads: 4_000, sliceMs: 4 } });
  const ms = performance.now() - started;
  clearInterval(timer);
  assert.ok(reads.length <= 20_000 + 40, `${reads.length} reads`);
  assert.ok(scan.unexamined > 0 && scan.unexamined <= 40, `${scan.unexamined} unexamined`);
  // ~100 ms of reads: a scan that never yielded would let the 1 ms timer run at most once.
  assert.ok(ticks >= 5, `the timer ran ${ticks} times during a ${ms.toFixed(0)} ms scan`);
});
