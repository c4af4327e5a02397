import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountinfo } from '../../../src/common/mount-table/mountinfo.js';
import { DaemonWatch, daemonStatuses, livePgrps, verifiedDaemonPgrps } from '../../../src/node/automount/daemon-alive.js';
import type { ProcReader } from '../../../src/node/passive/proc.js';

test('live groups ignore zombies; statuses per autofs mount; the watch reports each change once', () => {
  const stats: Record<number, string> = { 900: '900 (automount) S 1 900 900', 901: '901 (mount) Z 900 901 900', 1: '1 (init) S 0 1 1' };
  const proc: ProcReader = { pids: () => [900, 901, 1], list: () => undefined, readlink: () => undefined, read: (p) => stats[Number(p.split('/')[2])] };
  assert.deepEqual([...livePgrps(proc)].sort(), [1, 900]);
  const entries = parseMountinfo(
    ['1 0 1:1 / / rw - ext4 a rw', '20 1 0:40 / /home rw - autofs auto.home rw,fd=5,pgrp=900,timeout=300,indirect', '21 1 0:41 / /net rw - autofs -hosts rw,fd=-1,pgrp=901,timeout=300,indirect,pipe_ino=-1'].join('\n'),
  ).entries;
  const st = daemonStatuses(entries, livePgrps(proc));
  assert.deepEqual(st.map((s) => [s.mountpoint, s.alive, s.catatonic]), [['/home', true, false], ['/net', false, true]]);
  const w = new DaemonWatch();
  assert.deepEqual(w.update(st).map((s) => [s.mountpoint, s.alive, s.message]), [['/net', false, 'automount daemon (pgrp 901) is gone and autofs went catatonic: new accesses under /net fail (ENOENT) instead of mounting']]);
  assert.deepEqual(w.update(st), [], 'not again while it stays dead');
  const back = st.map((s) => ({ ...s, alive: true }));
  assert.deepEqual(w.update(back).map((s) => [s.mountpoint, s.alive]), [['/net', true]]);
  assert.deepEqual(w.update(back), [], 'and once only');
});

test('a pgrp number reused by another process group does not pass for the daemon: it must hold the autofs pipe', () => {
  const table = parseMountinfo(
    ['1 0 1:1 / / rw - ext4 a rw', '20 1 0:40 / /home rw - autofs auto.home rw,fd=5,pgrp=900,timeout=300,indirect,pipe_ino=806108', '21 1 0:41 / /old rw - autofs auto.old rw,fd=5,pgrp=1,timeout=300,indirect'].join('\n'),
  ).entries;
  const fds: Record<number, Record<string, string>> = { 900: { 0: '/dev/null', 4: 'pipe:[806108]' }, 1: { 0: '/dev/null' } };
  const stats: Record<number, string> = { 900: '900 (automount) S 1 900 900', 1: '1 (init) S 0 1 1' };
  const proc = (holder: Record<string, string>): ProcReader => ({
    pids: () => [900, 1],
    list: (dir) => Object.keys(Number(dir.split('/')[2]) === 900 ? holder : fds[1]!),
    readlink: (p) => (Number(p.split('/')[2]) === 900 ? holder : fds[1]!)[p.split('/')[4]!],
    read: (p) => stats[Number(p.split('/')[2])],
  });
  // The real daemon holds the read end of its pipe: alive.
  assert.deepEqual([...verifiedDaemonPgrps(table, proc(fds[900]!))].sort(), [1, 900]);
  // Same pgrp number, but a process that has nothing to do with autofs (the number was reused): dead.
  const reused = proc({ 0: '/dev/pts/0', 1: 'pipe:[999]' });
  assert.deepEqual([...livePgrps(reused)].sort(), [1, 900], 'the pgrp alone says alive');
  const live = verifiedDaemonPgrps(table, reused);
  assert.deepEqual([...live].sort(), [1], 'no pipe_ino holder: not the daemon');
  assert.deepEqual(daemonStatuses(table, live).map((s) => [s.mountpoint, s.alive]), [['/home', false], ['/old', true]]);
  // Without pipe_ino (old kernels) the pgrp is all there is.
  assert.ok(live.has(1));
});
